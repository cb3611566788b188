import asyncio

import pytest

from forensics.backends import Params, Request, Response
from forensics.backends import HFBackend
from forensics.backends import smollm2_path


@pytest.mark.slow
def test_transformers_loads_gguf_and_generates():
    b = HFBackend(smollm2_path(), n_threads=2)
    r = Request("p", "m", 0, ({"role": "user", "content": "Name a fruit."},), Params(temperature=0.0, max_tokens=8))

    async def go():
        try:
            return await b.generate([r, r])
        finally:
            await b.aclose()
    one, two = asyncio.run(go())
    assert isinstance(one, Response) and one.text and one.tokens_out <= 8
    assert one.text == two.text
