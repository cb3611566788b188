"""The green lists: a keyed pseudo-random function of (previous `context` tokens, token), vectorised.

Token `t` after context `c` is green when `H(seed, c, t) < gamma`, with H a splitmix64 chain mapped
to [0, 1). For a key independent of the text, each distinct (context, token) pair is green with
probability gamma, independently of the others: that is what makes the binomial p-value exact.
"""

from __future__ import annotations

import numpy as np

from ._key import WatermarkKey

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_TOKEN = np.uint64(0xD1B54A32D192ED03)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on a uint64 array (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def context_seeds(key: WatermarkKey, contexts: np.ndarray) -> np.ndarray:
    """One seed per row of `contexts` (shape n × key.context, oldest token first)."""
    ctx = np.asarray(contexts, dtype=np.int64).reshape(-1, key.context).astype(np.uint64)
    s = np.full(len(ctx), np.uint64(key.seed64), dtype=np.uint64)
    for j in range(key.context):
        s = _mix(s ^ ((ctx[:, j] + np.uint64(1)) * _GOLD))
    return s


def _threshold(gamma: float) -> np.uint64:
    return np.uint64(int(gamma * 2.0**53))


def green_of(key: WatermarkKey, contexts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Whether each token is green after its context (`contexts` n × context, `tokens` n)."""
    seeds = context_seeds(key, contexts)
    tok = np.asarray(tokens, dtype=np.int64).astype(np.uint64)
    return (_mix(seeds ^ ((tok + np.uint64(1)) * _TOKEN)) >> np.uint64(11)) < _threshold(key.gamma)


def green_mask(key: WatermarkKey, context: np.ndarray, vocab_size: int) -> np.ndarray:
    """The green list after one context (its last `key.context` token ids), as a boolean vocab mask."""
    seed = context_seeds(key, np.asarray(context, dtype=np.int64)[-key.context:])[0]
    vocab = np.arange(vocab_size, dtype=np.uint64)
    return (_mix(seed ^ ((vocab + np.uint64(1)) * _TOKEN)) >> np.uint64(11)) < _threshold(key.gamma)
