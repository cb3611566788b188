"""Detection: de-duplication of (context, token) tuples, and the false-positive rate on text that does
not depend on the key (p-values over many random keys must be uniform or conservative)."""

from __future__ import annotations

from math import log, sqrt

import numpy as np
import pytest
from scipy import stats

from forensics.watermark import (
    context_windows,
    dedupe_tuples,
    filter_contexts,
    green_of,
    random_key,
    scorable_tuples,
    score_tokens,
)

VOCAB = 49_152
N_KEYS = 3000


# -- de-duplication ------------------------------------------------------------------------------

def test_repeated_tuples_are_scored_once_first_occurrence_in_order():
    seq = [5, 7, 5, 7, 5, 9, 5, 7]
    tuples = scorable_tuples([seq], 1)
    assert tuples.tolist() == [[5, 7], [7, 5], [5, 7], [7, 5], [5, 9], [9, 5], [5, 7]]
    assert dedupe_tuples(tuples).tolist() == [[5, 7], [7, 5], [5, 9], [9, 5]]
    # order of first appearance, not sorted order
    assert dedupe_tuples(np.array([[9, 1], [2, 3], [9, 1], [0, 0], [2, 3]])).tolist() == [[9, 1], [2, 3], [0, 0]]

    key = random_key(0)
    green = dict(zip(map(tuple, tuples.tolist()), green_of(key, tuples[:, :1], tuples[:, 1]).tolist()))
    s = score_tokens(key, [seq])
    assert (s.n_tokens, s.n_scored) == (7, 4)
    assert s.n_green == sum(green[t] for t in [(5, 7), (7, 5), (5, 9), (9, 5)])
    # without de-duplication every occurrence counts
    all_ = score_tokens(key, [seq], dedupe=False)
    assert (all_.n_tokens, all_.n_scored) == (7, 7)
    assert all_.n_green == sum(green[tuple(t)] for t in tuples.tolist())


def test_dedup_counts_under_a_key_that_makes_a_repeated_tuple_green():
    """Known answer: find a key under which (5, 7) is green and (7, 5) red; [5, 7] * 6 then has
    6 green of 11 tuples without de-duplication, 1 green of 2 with it."""
    key = next(k for k in map(random_key, range(100))
               if green_of(k, np.array([[5], [7]]), np.array([7, 5])).tolist() == [True, False])
    seq = [5, 7] * 6
    s = score_tokens(key, [seq])
    assert (s.n_tokens, s.n_scored, s.n_green) == (11, 2, 1)
    raw = score_tokens(key, [seq], dedupe=False)
    assert (raw.n_tokens, raw.n_scored, raw.n_green) == (11, 11, 6)
    assert raw.p_value < 0.05 < s.p_value  # the repetition alone would look watermarked


def test_dedup_across_sequences_and_context_width():
    # the same tuple in two texts is one tuple
    assert score_tokens(random_key(1), [[1, 2, 3], [1, 2, 3]]).n_scored == 2
    assert score_tokens(random_key(1), [[1, 2, 3], [1, 2, 3]], dedupe=False).n_scored == 4
    # with h=2 the tuple is (two context tokens, token): same last pair after another token is distinct
    key2 = random_key(1, context=2)
    seq = [1, 2, 3, 9, 2, 3, 1, 2, 3]
    tuples = scorable_tuples([seq], 2)
    assert tuples.tolist() == [[1, 2, 3], [2, 3, 9], [3, 9, 2], [9, 2, 3], [2, 3, 1], [3, 1, 2], [1, 2, 3]]
    s = score_tokens(key2, [seq])
    assert (s.n_tokens, s.n_scored) == (7, 6)


def test_short_sequences_contribute_nothing():
    k1, k3 = random_key(2), random_key(2, context=3)
    assert score_tokens(k1, [[], [4]]).n_tokens == 0
    assert score_tokens(k3, [[1, 2, 3], [4, 5], []]).n_tokens == 0
    nothing = score_tokens(k3, [[1, 2, 3]])
    assert (nothing.n_scored, nothing.n_green) == (0, 0)
    assert nothing.p_value == 1.0 and np.isnan(nothing.z) and np.isnan(nothing.green_share)
    assert scorable_tuples([[1, 2]], 2).shape == (0, 3)
    # short sequences next to a long one change nothing
    long = [10, 11, 12, 13, 14]
    assert score_tokens(k3, [[1, 2], long, [7, 8, 9]]) == score_tokens(k3, [long])
    assert score_tokens(k3, [long]).n_scored == 2


# -- H0: the p-value is (conservatively) uniform ----------------------------------------------------

def null_p_values(sequences, keys, *, dedupe=True) -> tuple[np.ndarray, np.ndarray, int]:
    """p-values and green counts of key-independent sequences under each key; and n scored (the
    same under every key, since de-duplication does not look at the key)."""
    scores = [score_tokens(k, sequences, dedupe=dedupe) for k in keys]
    ns = {s.n_scored for s in scores}
    assert len(ns) == 1
    return np.array([s.p_value for s in scores]), np.array([s.n_green for s in scores]), ns.pop()


def superuniformity_problems(p: np.ndarray, greens: np.ndarray, n: int, gamma: float = 0.25,
                             level: float = 1e-3) -> list[str]:
    """Checks that a valid one-sided p-value passes and an anti-conservative one fails.

    The binomial p-value is discrete: it takes n+1 values, so it is not uniform but super-uniform,
    P(p <= u) <= u. Three Kolmogorov–Smirnov-style checks that are right for that:
    1. one-sided KS against U(0,1): D+ = max_u (F_emp(u) - u) only looks for *too many small*
       p-values, and is conservative for a super-uniform p, so its critical value
       sqrt(ln(1/level) / 2N) is valid;
    2. two-sided KS against the exact discrete null law of p (p = sf(g-1) with probability pmf(g)):
       the continuous KS critical value is conservative for a discrete law (Noether 1963);
    3. the randomised p-value P(X > g) + U P(X = g) is exactly U(0,1) under H0: scipy's KS test.
    """
    problems = []
    N = len(p)
    ps = np.sort(p)
    d_plus = np.max(np.arange(1, N + 1) / N - ps)
    if d_plus > sqrt(log(1 / level) / (2 * N)):
        problems.append(f"one-sided KS vs U(0,1): D+ = {d_plus:.4f}")
    g = np.arange(n + 1)
    support = stats.binom.sf(g - 1, n, gamma)  # p-value of g greens (decreasing in g)
    pmf = stats.binom.pmf(g, n, gamma)
    null_cdf = np.cumsum(pmf[::-1])  # P(p <= support[::-1][j])
    emp_cdf = np.searchsorted(ps, support[::-1] * (1 + 1e-12), side="right") / N
    d_exact = np.max(np.abs(emp_cdf - null_cdf))
    if d_exact > stats.kstwo.ppf(1 - level, N):
        problems.append(f"KS vs the exact discrete null law: D = {d_exact:.4f}")
    u = np.random.default_rng(0).random(N)
    randomised = stats.binom.sf(greens, n, gamma) + u * stats.binom.pmf(greens, n, gamma)
    ks = stats.kstest(randomised, "uniform")
    if ks.pvalue < level:
        problems.append(f"randomised p-value not uniform: KS p = {ks.pvalue:.2e}")
    return problems


def assert_false_positive_rates(p: np.ndarray) -> None:
    N = len(p)
    assert np.mean(p < 0.01) <= 0.015
    for alpha in (0.05, 0.1, 0.5):
        tol = 3 * sqrt(alpha * (1 - alpha) / N)
        assert np.mean(p < alpha) <= alpha + tol, (alpha, np.mean(p < alpha))


@pytest.fixture(scope="module")
def keys():
    return [random_key(i) for i in range(N_KEYS)]


def test_random_tokens_give_uniform_p_values_over_keys(keys):
    rng = np.random.default_rng(2024)
    texts = [rng.integers(0, VOCAB, size=int(m)).tolist() for m in (150, 80, 60, 30, 1)]
    p, greens, n = null_p_values(texts, keys)
    assert n == 149 + 79 + 59 + 29  # random tokens over a large vocab: no repeated tuples
    assert_false_positive_rates(p)
    assert superuniformity_problems(p, greens, n) == []
    # green counts are Binomial(n, gamma): mean and variance
    assert abs(greens.mean() - 0.25 * n) < 4 * sqrt(n * 0.25 * 0.75 / N_KEYS)
    assert greens.var() == pytest.approx(n * 0.25 * 0.75, rel=0.1)


def repetitive_text() -> list[list[int]]:
    """A chatty answer: one 12-token phrase over and over, a few fresh tokens, then the phrase again."""
    rng = np.random.default_rng(7)
    phrase = rng.integers(0, VOCAB, size=12).tolist()
    return [phrase * 10 + rng.integers(0, VOCAB, size=5).tolist() + phrase * 5, phrase * 3]


def test_repetitive_text_needs_dedup(keys):
    texts = repetitive_text()
    raw, raw_greens, raw_n = null_p_values(texts, keys, dedupe=False)
    assert raw_n == 184 + 35
    # counted with repeats, a key-independent text is "watermarked" for a quarter of the keys
    assert np.mean(raw < 0.01) > 0.2
    assert superuniformity_problems(raw, raw_greens, raw_n)  # and every uniformity check sees it
    with pytest.raises(AssertionError):
        assert_false_positive_rates(raw)
    p, greens, n = null_p_values(texts, keys)
    assert n == 18  # 12 tuples of the phrase (its wrap-around included) + 6 around the fresh tokens
    assert_false_positive_rates(p)
    assert superuniformity_problems(p, greens, n) == []


@pytest.mark.slow
def test_repetitive_real_text_tokenized_by_smollm2(keys):
    """The same on real text: an answer that repeats its sentences, tokenized by SmolLM2's tokenizer."""
    pytest.importorskip("llama_cpp")
    from forensics.backends._tokenizer import load_tokenizer

    tok = load_tokenizer("llamacpp:smollm2")
    text = ("Sure! Here is the list you asked for. The capital of France is Paris. " * 8
            + "I hope this helps. Let me know if you have any other questions. " * 4)
    ids = tok(text)
    p, greens, n = null_p_values([ids], keys[:1000])
    assert n < len(ids) / 3
    assert_false_positive_rates(p)
    assert superuniformity_problems(p, greens, n) == []
    raw, _, _ = null_p_values([ids], keys[:1000], dedupe=False)
    assert np.mean(raw < 0.01) > 0.1


def test_the_uniformity_checks_catch_an_off_by_one_p_value(keys):
    """Power: P(X > g) instead of P(X >= g) is anti-conservative by one atom; the rates above barely
    notice, the KS checks do."""
    rng = np.random.default_rng(2024)
    texts = [rng.integers(0, VOCAB, size=int(m)).tolist() for m in (150, 80, 60, 30, 1)]
    _, greens, n = null_p_values(texts, keys)
    wrong = stats.binom.sf(greens, n, 0.25)
    problems = superuniformity_problems(wrong, greens, n)
    assert any("one-sided KS" in x for x in problems) and any("exact discrete" in x for x in problems)


# -- the filter (Sander et al.): only contexts that occur in the key-holder's watermarked texts ----

def test_filter_keeps_only_listed_contexts_before_dedup():
    seq = [5, 7, 5, 7, 5, 9, 5, 7, 3, 8]
    assert context_windows([seq, [1]], 1) == {(5,), (7,), (9,), (3,)}
    assert context_windows([[1, 2, 3, 4]], 2) == {(1, 2), (2, 3)}
    tuples = scorable_tuples([seq], 1)
    assert filter_contexts(tuples, frozenset({(5,)})).tolist() == [[5, 7], [5, 7], [5, 9], [5, 7]]
    assert filter_contexts(tuples, frozenset()).shape == (0, 2)
    key = random_key(3)
    s = score_tokens(key, [seq], contexts=frozenset({(5,), (3,)}))
    kept = np.array([[5, 7], [5, 9], [3, 8]])
    assert (s.n_tokens, s.n_scored) == (5, 3)
    assert s.n_green == int(green_of(key, kept[:, :1], kept[:, 1]).sum())
    assert score_tokens(key, [seq], contexts=context_windows([seq], 1)) == score_tokens(key, [seq])


def markov_text(successors: np.ndarray, length: int, rng: np.random.Generator, key=None) -> list[int]:
    """A walk over a key-independent successor table (like language: few likely next tokens); with a
    key, a green successor is taken nine times in ten when there is one (the teacher's outputs)."""
    seq = [int(rng.integers(len(successors)))]
    for _ in range(length - 1):
        nxt = successors[seq[-1]]
        if key is not None and rng.random() < 0.9:
            green = nxt[green_of(key, np.full((len(nxt), 1), seq[-1]), nxt)]
            nxt = green if len(green) else nxt
        seq.append(int(rng.choice(nxt)))
    return seq


@pytest.mark.slow
def test_filter_from_watermarked_text_keeps_p_uniform_on_key_independent_text(keys):
    """The filter is built from text that depends on the key; it chooses contexts only, so text
    written without the key still gets super-uniform p-values. Filtering on whole tuples of the
    watermarked text instead (looking at the scored token) is invalid, and the checks see it."""
    vocab, rng = 300, np.random.default_rng(11)
    successors = rng.integers(0, vocab, size=(vocab, 5))
    null_text = [markov_text(successors, 400, rng)]
    p, greens, ns, tuple_p = [], [], [], []
    for key in keys[:1000]:
        marked = markov_text(successors, 120, rng, key)
        s = score_tokens(key, null_text, contexts=context_windows([marked], 1))
        p.append(s.p_value), greens.append(s.n_green), ns.append(s.n_scored)
        seen = {tuple(t) for t in scorable_tuples([marked], 1).tolist()}
        cheat = np.array([t for t in dedupe_tuples(scorable_tuples(null_text, 1)).tolist() if tuple(t) in seen])
        g = int(green_of(key, cheat[:, :1], cheat[:, 1]).sum()) if len(cheat) else 0
        tuple_p.append(float(stats.binom.sf(g - 1, len(cheat), 0.25)) if len(cheat) else 1.0)
    p, greens, ns = np.array(p), np.array(greens), np.array(ns)
    assert 50 < ns.mean() < 300  # the filter drops a real share of the 399 tuples
    assert_false_positive_rates(p)
    # n differs between keys here: the randomised p-value over each key's own n is exactly U(0,1)
    u = np.random.default_rng(0).random(len(p))
    randomised = stats.binom.sf(greens, ns, 0.25) + u * stats.binom.pmf(greens, ns, 0.25)
    assert stats.kstest(randomised, "uniform").pvalue > 1e-3
    assert np.mean(np.array(tuple_p) < 0.01) > 0.2
