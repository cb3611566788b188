import asyncio

import pytest

from forensics.backends import Params, Request, Response
from forensics.backends import HFBackend
from forensics.backends import smollm2_path

pytestmark = pytest.mark.slow  # loads SmolLM2 through transformers


@pytest.fixture(scope="module")
def smol_hf():
    """One SmolLM2 for the module: transformers dequantizes the GGUF on load (about 15 s)."""
    b = HFBackend(smollm2_path(), n_threads=2)
    yield b
    asyncio.run(b.aclose())


def test_transformers_loads_gguf_and_generates(smol_hf):
    b = smol_hf
    r = Request("p", "m", 0, ({"role": "user", "content": "Name a fruit."},), Params(temperature=0.0, max_tokens=8))
    one, two = asyncio.run(b.generate([r, r]))
    assert isinstance(one, Response) and one.text and one.tokens_out <= 8
    assert one.text == two.text


def test_transformers_scores_text_as_the_sum_of_its_token_logprobs(smol_hf):
    """Known answer: one batched pass equals token-by-token evaluation of each prefix."""
    import torch

    b = smol_hf
    assert b.capabilities.scoring
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    lp = b.score(messages, "The capital of France is Paris.")
    model, tok = b._load()
    prompt, _ = b._prompt_ids(tok, messages)
    direct = []
    for i, t in enumerate(lp.tokens):
        ids = torch.cat([prompt, torch.tensor([list(lp.tokens[:i])], dtype=prompt.dtype)], dim=1)
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, -1].double()
        direct.append(float(torch.log_softmax(logits, -1)[t]))
    assert lp.total == pytest.approx(sum(direct), abs=1e-3)
    nonsense = b.score(messages, "Purple seventeen under the spoon quickly.")
    assert lp.mean > nonsense.mean
