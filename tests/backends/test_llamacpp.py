import asyncio

import pytest

from forensics.backends import Params, Request, Response
from forensics.backends import LlamaCppBackend, plain_prompt
from forensics.backends import gemma_path, qwen_path, smollm2_path
from forensics.backends._localmodels import QWEN_SHA256
from forensics.core import file_sha256


def test_plain_prompt_for_base_models():
    text = plain_prompt([{"role": "system", "content": "Be brief."}, {"role": "user", "content": " Hi "}])
    assert text == "System: Be brief.\n\nUser: Hi\n\nAssistant:"


def gen(backend, reqs):
    async def go():
        try:
            return await backend.generate(reqs)
        finally:
            await backend.aclose()
    return asyncio.run(go())


def req(sample=0, temperature=0.0):
    return Request("p", "m", sample, ({"role": "user", "content": "What is the capital of France?"},),
                   Params(temperature=temperature, max_tokens=12, seed=3))


@pytest.mark.slow
def test_smollm2_chat_template_generation():
    b = LlamaCppBackend(smollm2_path(), n_ctx=512, n_threads=2)
    a, b2 = gen(b, [req(), req()])
    assert isinstance(a, Response) and a.text and a.tokens_out <= 12 and a.tokens_in > 5
    assert a.text == b2.text  # greedy decoding is deterministic
    assert b.describe()["chat_template"] is True


@pytest.mark.slow
def test_gemma_base_uses_plain_completion():
    b = LlamaCppBackend(gemma_path(), n_ctx=512, n_threads=2)
    [r] = gen(b, [req(temperature=0.7)])
    assert isinstance(r, Response) and r.tokens_out <= 12
    assert b.describe()["chat_template"] is False


@pytest.mark.slow
def test_qwen_is_assembled_and_checked():
    path = qwen_path()
    assert file_sha256(path) == QWEN_SHA256
