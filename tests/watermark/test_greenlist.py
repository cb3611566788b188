"""The keyed green lists and the z-score / exact binomial p-value on hand-built token sequences.

Known answers: each next token of a sequence is *chosen* green or red under a fixed key, so the
number of green scored tuples is known before `score_tokens` counts it."""

from __future__ import annotations

from fractions import Fraction
from math import comb, sqrt

import numpy as np
import pytest
from scipy import stats

from forensics.watermark import (
    GreenBias,
    WatermarkKey,
    green_mask,
    green_of,
    random_key,
    score_tokens,
)

VOCAB = 49_152  # SmolLM2's vocabulary size


def build_sequence(key: WatermarkKey, colours: list[bool], *, vocab: int = VOCAB, seed: int = 0,
                   start: list[int] | None = None) -> list[int]:
    """A sequence whose i-th scored token is green under `key` exactly when colours[i] is True.
    Every (context, token) tuple is new, so de-duplication removes nothing."""
    rng = np.random.default_rng(seed)
    h = key.context
    seq = list(start) if start is not None else [int(t) for t in rng.integers(0, vocab, size=h)]
    seen: set[tuple[int, ...]] = set()
    for want_green in colours:
        ctx = seq[-h:]
        mask = green_mask(key, np.array(ctx), vocab)
        candidates = np.flatnonzero(mask == want_green)
        while True:
            tok = int(rng.choice(candidates))
            if (*ctx, tok) not in seen:
                break
        seen.add((*ctx, tok))
        seq.append(tok)
    return seq


def exact_upper_tail(g: int, n: int, gamma: float) -> float:
    """P(X >= g), X ~ Binomial(n, gamma), summed in exact rational arithmetic (independent of scipy)."""
    q = Fraction(gamma)
    return float(sum(comb(n, k) * q**k * (1 - q) ** (n - k) for k in range(g, n + 1)))


@pytest.mark.parametrize("context", [1, 2, 3])
def test_z_and_p_of_a_hand_built_sequence(context):
    key = random_key(11, context=context)
    rng = np.random.default_rng(5)
    colours = [bool(c) for c in rng.random(120) < 0.5]  # about half green (gamma is 0.25)
    g, n = sum(colours), len(colours)
    seq = build_sequence(key, colours, seed=context)
    assert len(seq) == n + context
    # the chosen colours are what green_of says, tuple by tuple
    windows = np.lib.stride_tricks.sliding_window_view(np.array(seq), context + 1)
    assert green_of(key, windows[:, :-1], windows[:, -1]).tolist() == colours

    s = score_tokens(key, [seq])
    assert (s.n_tokens, s.n_scored, s.n_green) == (n, n, g)
    gamma = 0.25
    assert s.gamma == gamma
    assert s.green_share == pytest.approx(g / n)
    assert s.z == pytest.approx((g - gamma * n) / sqrt(n * gamma * (1 - gamma)), rel=1e-12)
    assert s.p_value == pytest.approx(float(stats.binom.sf(g - 1, n, gamma)), rel=1e-12)
    assert s.p_value == pytest.approx(exact_upper_tail(g, n, gamma), rel=1e-9)
    assert s.p_value < 1e-8  # ~60 green of 120 when 30 are expected
    d = s.as_dict()
    assert (d["n_scored"], d["n_green"]) == (n, g) and d["p_value"] == s.p_value


def test_all_red_and_all_green_sequences():
    key = random_key(3)
    red = score_tokens(key, [build_sequence(key, [False] * 40)])
    assert (red.n_scored, red.n_green) == (40, 0)
    assert red.p_value == 1.0
    assert red.z == pytest.approx(-0.25 * 40 / sqrt(40 * 0.25 * 0.75))
    green = score_tokens(key, [build_sequence(key, [True] * 40)])
    assert (green.n_scored, green.n_green) == (40, 40)
    assert green.p_value == pytest.approx(0.25**40, rel=1e-9)


def test_gamma_other_than_a_quarter():
    key = random_key(4, gamma=0.5)
    colours = [True] * 30 + [False] * 10
    s = score_tokens(key, [build_sequence(key, colours)])
    assert (s.n_scored, s.n_green) == (40, 30)
    assert s.z == pytest.approx((30 - 20) / sqrt(40 * 0.25))
    assert s.p_value == pytest.approx(exact_upper_tail(30, 40, 0.5), rel=1e-9)
    # the same tokens under another key are scored by that key's lists, not by the colours chosen
    other = score_tokens(random_key(5, gamma=0.5), [build_sequence(key, colours)])
    assert other.n_scored == 40 and other.n_green != 30


@pytest.mark.parametrize("context", [1, 2, 4])
def test_green_mask_and_green_of_agree(context):
    key = random_key(21, context=context)
    rng = np.random.default_rng(context)
    for _ in range(5):
        ctx = rng.integers(0, VOCAB, size=context)
        mask = green_mask(key, ctx, VOCAB)
        assert mask.shape == (VOCAB,) and mask.dtype == bool
        per_token = green_of(key, np.tile(ctx, (VOCAB, 1)), np.arange(VOCAB))
        assert np.array_equal(mask, per_token)
    # many contexts at once, one token each
    ctxs = rng.integers(0, VOCAB, size=(500, context))
    toks = rng.integers(0, VOCAB, size=500)
    batch = green_of(key, ctxs, toks)
    assert batch.tolist() == [bool(green_mask(key, c, VOCAB)[t]) for c, t in zip(ctxs, toks)]


@pytest.mark.parametrize("gamma", [0.1, 0.25, 0.5, 0.9])
def test_green_share_of_a_large_vocab_is_gamma(gamma):
    key = random_key(8, gamma=gamma)
    vocab = 200_000
    sd = sqrt(gamma * (1 - gamma) / vocab)
    for ctx in ([0], [17], [vocab - 1]):
        share = green_mask(key, np.array(ctx), vocab).mean()
        assert abs(share - gamma) < 5 * sd, (ctx, share)
    # and pooled over many contexts (each (context, token) is green with probability gamma)
    rng = np.random.default_rng(1)
    n = 400_000
    share = green_of(key, rng.integers(0, VOCAB, size=(n, 1)), rng.integers(0, VOCAB, size=n)).mean()
    assert abs(share - gamma) < 5 * sqrt(gamma * (1 - gamma) / n)


def test_different_keys_and_contexts_give_different_lists():
    a, b = random_key(1), random_key(2)
    ctx = np.array([123])
    ma, mb = green_mask(a, ctx, VOCAB), green_mask(b, ctx, VOCAB)
    assert not np.array_equal(ma, mb)
    # independent lists: the overlap is gamma² of the vocabulary, not gamma
    assert abs((ma & mb).mean() - 0.25**2) < 0.01
    # the same key after another context
    mc = green_mask(a, np.array([124]), VOCAB)
    assert abs((ma & mc).mean() - 0.25**2) < 0.01
    # the same key twice, and a key rebuilt from the same secret: the same list
    assert np.array_equal(ma, green_mask(random_key(1), ctx, VOCAB))
    assert np.array_equal(ma, green_mask(WatermarkKey(a.secret), ctx, VOCAB))
    # gamma changes the threshold only: a smaller gamma's list is inside a larger one's
    small = green_mask(WatermarkKey(a.secret, gamma=0.1), ctx, VOCAB)
    assert small.sum() < ma.sum() and not (small & ~ma).any()
    # the seed is a function of the secret, and different secrets give different seeds
    assert a.seed64 != b.seed64 and a.seed64 == random_key(1).seed64


def test_context_width_uses_exactly_the_last_h_tokens():
    key = random_key(9, context=2)
    base = green_mask(key, np.array([10, 20]), VOCAB)
    # tokens before the last two do not matter
    assert np.array_equal(base, green_mask(key, np.array([99, 5, 10, 20]), VOCAB))
    assert np.array_equal(base, green_mask(key, np.array([7, 10, 20]), VOCAB))
    # each of the last two does, and so does their order
    assert not np.array_equal(base, green_mask(key, np.array([11, 20]), VOCAB))
    assert not np.array_equal(base, green_mask(key, np.array([10, 21]), VOCAB))
    assert not np.array_equal(base, green_mask(key, np.array([20, 10]), VOCAB))
    # with h=1 only the last token counts
    k1 = WatermarkKey(key.secret, context=1)
    assert np.array_equal(green_mask(k1, np.array([10, 20]), VOCAB), green_mask(k1, np.array([55, 20]), VOCAB))
    # scoring with h=2: the first two tokens of a sequence are not scorable
    seq = [10, 20, 30, 40, 50]
    s = score_tokens(key, [seq])
    assert s.n_tokens == s.n_scored == 3
    expected = sum(bool(green_mask(key, np.array(seq[i - 2:i]), VOCAB)[seq[i]]) for i in range(2, 5))
    assert s.n_green == expected


def test_green_bias_adds_delta_to_the_green_logits_only():
    key = random_key(13, delta=3.5, context=2)
    bias = GreenBias(key)
    ids = np.array([1, 2, 3, 400])
    scores = np.linspace(-1, 1, VOCAB, dtype=np.float32)
    out = bias(ids, scores)
    mask = green_mask(key, ids[-2:], VOCAB)
    assert out.dtype == np.float32 and out.shape == scores.shape
    assert np.allclose(out[mask] - scores[mask], 3.5) and np.array_equal(out[~mask], scores[~mask])
    # fewer ids than the context width: no bias at all
    assert np.array_equal(bias(np.array([5]), scores), scores)
    # delta 0 is a no-op watermark
    assert np.array_equal(GreenBias(WatermarkKey(key.secret, delta=0.0))(ids, scores), scores)

