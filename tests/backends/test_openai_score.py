"""Scoring given text through an OpenAI-compatible server: a real llama_cpp.server against the
same weights evaluated directly, a chat-only server that cannot score, a closed port."""

from types import SimpleNamespace

import numpy as np
import pytest

from forensics.backends import (
    LlamaServer,
    OpenAIBackend,
    ScorerUnreachable,
    ScoringUnsupported,
    free_port,
    gemma_path,
    plain_prompt,
    smollm2_path,
)
from forensics.backends._openai_score import _parse_prompt_logprobs, _scoring_request

Q = [{"role": "user", "content": "What is the capital of France?"}]
TEXT = "The capital of France is Paris."


def _choice(offsets, values, tokens=None):
    return SimpleNamespace(logprobs=SimpleNamespace(text_offset=offsets, token_logprobs=values,
                                                    tokens=tokens or [f"t{i}" for i in range(len(offsets))]))


def test_the_texts_tokens_are_those_at_or_after_the_prompts_end():
    prompt, start, end = _scoring_request(Q, "Paris.")
    assert prompt == plain_prompt(Q) + " Paris." and prompt[start:end] == " Paris."
    # prompt tokens (offsets before start) and the generated token after the text are left out
    got = _parse_prompt_logprobs(_choice([0, 5, start, start + 6, end], [None, -1.0, -0.5, -0.25, -9.0]),
                                start, end, "s")
    assert got.logprobs == (-0.5, -0.25) and got.tokens == ("t2", "t3")


@pytest.mark.parametrize("case", ["no logprobs", "text not echoed", "a token without a value"])
def test_a_server_without_prompt_logprobs_is_named_not_guessed(case):
    _, start, end = _scoring_request(Q, "Paris.")
    choice = {"no logprobs": SimpleNamespace(logprobs=None),
              "text not echoed": _choice([0, 3], [None, -1.0]),
              "a token without a value": _choice([0, start, start + 3], [None, -1.0, None])}[case]
    with pytest.raises(ScoringUnsupported, match="scorer-x"):
        _parse_prompt_logprobs(choice, start, end, "scorer-x")


def test_top_tokens_that_predict_the_next_position_mark_the_server_misaligned():
    from forensics.backends._openai_score import _misaligned

    toks = ["The", " cat", " sat", " on", " the", " mat", "."]
    aligned = [None] + [{t: -0.1} for t in toks[1:]]  # each position's top token is its own
    late = [None] + [{t: -0.1} for t in toks[2:]] + [{"!": -0.1}]  # ... is the next one
    assert not _misaligned(SimpleNamespace(logprobs=SimpleNamespace(tokens=toks, top_logprobs=aligned)))
    assert _misaligned(SimpleNamespace(logprobs=SimpleNamespace(tokens=toks, top_logprobs=late)))


def test_a_chat_only_server_cannot_score_and_says_so(fake_server):
    b = OpenAIBackend("fake-model", fake_server.base_url)
    assert b.capabilities.scoring  # declared: tried, and refused with the server's answer
    with pytest.raises(ScoringUnsupported, match="cannot score given text"):
        b.score(Q, TEXT)


def test_a_closed_port_stops_scoring_with_exit_code_4():
    b = OpenAIBackend("m", f"http://127.0.0.1:{free_port()}/v1", timeout_s=5)
    with pytest.raises(ScorerUnreachable) as e:
        b.score(Q, TEXT)
    assert e.value.exit_code == 4


def _direct(path, prompt: str, start: int) -> np.ndarray:
    """The text's token log-probabilities from the GGUF's own logits, evaluated here."""
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=512, n_threads=2, logits_all=True, verbose=False)
    try:
        full = llm.tokenize(prompt.encode(), add_bos=True, special=True)
        head = llm.tokenize(prompt[:start].encode(), add_bos=True, special=True)
        assert full[:len(head)] == head
        llm.eval(full)
        logits = np.asarray(llm.scores[len(head) - 1:len(full) - 1], dtype=np.float64)
        logz = logits.max(1) + np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1))
        return logits[np.arange(len(full) - len(head)), full[len(head):]] - logz
    finally:
        llm.close()


def _server_score(path, tmp_path):
    import asyncio

    with LlamaServer(path, alias="scorer", log_path=tmp_path / "server.log") as server:
        b = OpenAIBackend("scorer", server.base_url)
        try:
            return b.score(Q, TEXT)
        finally:
            asyncio.run(b.aclose())


@pytest.mark.slow
def test_llama_cpp_server_scores_equal_the_same_weights_evaluated_directly(tmp_path):
    """Known answer (Gemma 3, a model with a BOS token): the server's prompt log-probabilities of
    the text are the log-softmax of the same GGUF's logits, evaluated here on the same tokens."""
    got = _server_score(gemma_path(), tmp_path)
    _, start, _ = _scoring_request(Q, TEXT)
    want = _direct(gemma_path(), _scoring_request(Q, TEXT)[0], start)
    assert len(got.logprobs) == len(want) > 3
    assert np.allclose(got.logprobs, want, atol=1e-3)


@pytest.mark.slow
def test_a_server_whose_logprobs_are_one_token_late_is_refused(tmp_path):
    """llama-cpp-python's echo log-probabilities are shifted by one for a model without a BOS
    token (SmolLM2): the scorer notices and refuses rather than return wrong numbers."""
    with pytest.raises(ScoringUnsupported, match="one token out of place"):
        _server_score(smollm2_path(), tmp_path)
