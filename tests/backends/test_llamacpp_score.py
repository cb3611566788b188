"""Scoring given text under a real local model: known answers, not just plausible numbers."""

import math

import numpy as np
import pytest

from forensics.backends import LlamaCppBackend, LlamaCppScorer, TokenLogprobs, gemma_path, smollm2_path

pytestmark = pytest.mark.slow
Q = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def smol():
    s = LlamaCppScorer(smollm2_path(), n_ctx=512, n_threads=2)
    yield s
    s.close()


def token_by_token(scorer: LlamaCppScorer, messages, tokens) -> list[float]:
    """Each token's log-probability from a separate evaluation of exactly the tokens before it."""
    llm = scorer._llm
    prompt = scorer.prompt_tokens(messages)
    out = []
    for i, t in enumerate(tokens):
        llm.reset()
        llm.eval(prompt + list(tokens[:i]))
        logits = np.asarray(llm.scores[len(prompt) + i - 1], dtype=np.float64)
        out.append(float(logits[t] - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))))
    return out


def test_score_equals_the_sum_of_token_logprobs_computed_directly(smol):
    r = smol.score(Q, "The capital of France is Paris.")
    assert isinstance(r, TokenLogprobs) and len(r.tokens) == len(r.logprobs) > 3
    direct = token_by_token(smol, Q, r.tokens)
    assert np.allclose(r.logprobs, direct, atol=1e-6)
    assert math.isclose(r.total, sum(direct), abs_tol=1e-5) and all(lp <= 0 for lp in r.logprobs)


def test_text_the_model_would_write_is_likelier_than_nonsense(smol):
    sensible = smol.score(Q, "The capital of France is Paris.")
    nonsense = smol.score(Q, "Bananas orbit quietly around purple teapots.")
    assert sensible.mean > nonsense.mean + 2  # nats per token


def test_the_prompt_conditions_the_score(smol):
    text = "The capital of France is Paris."
    other = [{"role": "user", "content": "Name a fruit that is yellow."}]
    assert smol.score(Q, text).mean > smol.score(other, text).mean


def test_backend_declares_and_delegates_scoring():
    b = LlamaCppBackend(smollm2_path(), n_ctx=512, n_threads=2)
    assert b.capabilities.scoring
    r = b.score(Q, "Paris.")
    assert r.tokens and r.mean < 0


def test_base_model_without_template_scores_too():
    g = LlamaCppScorer(gemma_path(), n_ctx=512, n_threads=2)
    try:
        assert g._load() is not None and g._formatter is None  # base model: plain template
        assert g.score(Q, "Paris is the capital of France.").mean < 0
    finally:
        g.close()


def test_keeping_the_evaluated_prompt_gives_the_scores_of_a_fresh_evaluation(smol):
    """Answers to one prompt are scored one after the other with the prompt's KV cache kept:
    the same numbers as a scorer that evaluates everything from scratch."""
    first, second = "The capital of France is Paris.", "Paris, of course. It is the capital."
    smol.score(Q, first)
    kept = smol.score(Q, second)
    fresh = LlamaCppScorer(smollm2_path(), n_ctx=512, n_threads=2)
    try:
        alone = fresh.score(Q, second)
    finally:
        fresh.close()
    assert kept.tokens == alone.tokens
    assert np.allclose(kept.logprobs, alone.logprobs, atol=1e-4)
    again = smol.score(Q, second)  # the whole sequence already evaluated: still exact
    assert np.allclose(again.logprobs, alone.logprobs, atol=1e-4)
