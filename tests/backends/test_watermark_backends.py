"""Backends that generate with a green-list watermark: what they record (the key's SHA-256, never the
key), which kinds may watermark at all, and real watermarked generation detected from 200 tokens."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from forensics.backends import (
    HFBackend,
    LlamaCppBackend,
    ModelConfig,
    Params,
    Request,
    Response,
    load_tokenizer,
    make_backend,
    smollm2_path,
)
from forensics.collect import RunSettings
from forensics.core import InputError
from forensics.watermark import GreenBias, WatermarkKey, random_key, score_tokens

PROMPTS = [
    "Write a short story about a lighthouse keeper.",
    "Explain how rain forms, in one paragraph.",
    "Describe a city you would like to visit, and why.",
    "Give some advice to someone learning to cook.",
]


def secret_forms(key: WatermarkKey) -> list[str]:
    """The ways a secret could show up in JSON or a repr."""
    return [key.secret.decode("latin-1"), key.secret.hex(), repr(key.secret), str(key.seed64),
            format(key.seed64, "x")]


def leaks(obj, key: WatermarkKey) -> list[str]:
    text = json.dumps(obj, default=repr) if not isinstance(obj, str) else obj
    return [f for f in secret_forms(key) if f in text]


def gen(backend, reqs):
    async def go():
        try:
            return await backend.generate(reqs)
        finally:
            await backend.aclose()
    return asyncio.run(go())


def requests(max_tokens: int, prompts=PROMPTS) -> list[Request]:
    return [Request(f"p{i}", "m", 0, ({"role": "user", "content": p},),
                    Params(temperature=0.7, max_tokens=max_tokens, seed=11))
            for i, p in enumerate(prompts)]


def first_scorable(sequences: list[list[int]], n: int, context: int) -> list[list[int]]:
    """The sequences cut so that exactly `n` tokens (those with a full context) are scorable."""
    kept, left = [], n
    for ids in sequences:
        if left <= 0:
            break
        take = min(len(ids), left + context)
        if take > context:
            kept.append(list(ids[:take]))
            left -= take - context
    assert left <= 0, f"only {n - left} scorable tokens were generated; raise max_tokens"
    return kept


# -- what a watermarked backend records ------------------------------------------------------------

@pytest.mark.parametrize("cls", [LlamaCppBackend, HFBackend])
def test_describe_and_cache_identity_name_the_key_by_its_sha256_only(cls):
    key = random_key(31, gamma=0.3, delta=2.5, context=2)
    plain, marked = cls(smollm2_path()), cls(smollm2_path(), watermark=key)
    assert plain.describe()["watermark"] is None and "watermark" not in plain.cache_identity()
    for got in (marked.describe(), marked.cache_identity()):
        assert got["watermark"] == {"scheme": "kgw-hash-v1", "gamma": 0.3, "delta": 2.5, "context": 2,
                                    "key_sha256": key.key_sha256}
        assert key.key_sha256 in json.dumps(got)
        assert leaks(got, key) == []
    assert marked.describe() != plain.describe()
    assert marked.cache_identity() != plain.cache_identity()
    # another key, or other settings of the same key, is another cache identity (no cross-reuse)
    other = cls(smollm2_path(), watermark=random_key(32, gamma=0.3, delta=2.5, context=2))
    assert other.cache_identity() != marked.cache_identity()
    stronger = cls(smollm2_path(), watermark=WatermarkKey(key.secret, gamma=0.3, delta=4.0, context=2))
    assert stronger.cache_identity() != marked.cache_identity()


@pytest.mark.parametrize("spec", ["openai:gpt-4o", "openai:m@http://127.0.0.1:9/v1", "replay:answers.jsonl"])
def test_make_backend_refuses_a_watermark_for_remote_or_replayed_models(spec):
    cfg = ModelConfig(name="remote", spec=spec)
    with pytest.raises(InputError) as e:
        make_backend(cfg, watermark=random_key(1))
    msg = str(e.value)
    assert "'remote'" in msg and "watermark" in msg and "local model" in msg
    assert cfg.kind in msg and "llamacpp" in msg and "hf" in msg


@pytest.mark.parametrize("spec, cls", [("llamacpp:smollm2", LlamaCppBackend), (f"hf:{smollm2_path()}", HFBackend)])
def test_make_backend_passes_the_watermark_to_local_models(spec, cls):
    key = random_key(2)
    b = make_backend(ModelConfig(name="local", spec=spec), watermark=key)
    assert isinstance(b, cls) and b.watermark is key
    assert make_backend(ModelConfig(name="local", spec=spec)).watermark is None


def test_run_settings_record_the_watermark_without_its_secret():
    key = random_key(3, gamma=0.2, delta=1.5, context=3)
    d = RunSettings(watermark=key).as_dict()
    assert d["watermark"] == key.settings()
    assert d["watermark"]["key_sha256"] == key.key_sha256
    assert "secret" not in json.dumps(d) and leaks(d, key) == []
    json.dumps(d)  # plain JSON: no bytes, no key object left in it
    assert RunSettings().as_dict()["watermark"] is None


@pytest.mark.slow  # importing torch alone takes about 2 s
def test_hf_logits_processor_matches_green_bias():
    torch = pytest.importorskip("torch")
    from forensics.backends._hf import _hf_processors

    key = random_key(14, delta=2.0)
    ids = torch.tensor([[5, 6, 7], [8, 9, 10]])
    scores = torch.zeros((2, 1000), dtype=torch.float32)
    out = _hf_processors(key)(ids, scores)
    for row in range(2):
        assert np.allclose(out[row].numpy(), GreenBias(key).bias(ids[row].numpy(), 1000))
    assert not torch.equal(out[0], out[1])  # each row is biased after its own last token


# -- real watermarked generation, detected ---------------------------------------------------------

@pytest.mark.slow
def test_llamacpp_watermarked_text_is_detected_from_200_tokens():
    key = random_key(2024)
    b = LlamaCppBackend(smollm2_path(), n_ctx=1024, n_threads=2, watermark=key)
    answers = gen(b, requests(max_tokens=90))
    assert all(isinstance(a, Response) and a.text for a in answers), answers
    tok = load_tokenizer("llamacpp:smollm2")
    texts = first_scorable([tok(a.text) for a in answers], 200, key.context)
    s = score_tokens(key, texts)
    assert s.n_tokens == 200
    assert s.p_value < 1e-6, s.as_dict()
    assert s.green_share > 0.4  # gamma is 0.25; delta 2 pushes green tokens up
    # the same texts under other keys are unremarkable
    for other in (random_key(1), WatermarkKey(b"another secret of 32 bytes, ok!!")):
        o = score_tokens(other, texts)
        assert o.n_scored == s.n_scored and o.p_value > 0.01, o.as_dict()


@pytest.mark.slow
def test_hf_watermarked_generation_is_detected():
    """The transformers backend (SmolLM2 loaded from the GGUF) biases the same green lists: a short
    answer with a strong delta is detected with SmolLM2's llama.cpp tokenizer."""
    key = random_key(77, delta=4.0)
    b = HFBackend(smollm2_path(), n_threads=2, watermark=key)
    [a] = gen(b, requests(max_tokens=48, prompts=PROMPTS[:1]))
    assert isinstance(a, Response) and a.text, a
    ids = load_tokenizer("llamacpp:smollm2")(a.text)
    s = score_tokens(key, [ids])
    assert s.n_scored >= 30 and s.p_value < 1e-4, s.as_dict()
    assert score_tokens(random_key(78, delta=4.0), [ids]).p_value > 0.01
