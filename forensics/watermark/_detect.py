"""Detection: count green tokens in text, once per distinct (context, token) pair; exact binomial p.

Sander et al. 2024 ("Watermarking makes language models radioactive") score a (watermark context,
token) tuple only the first time it occurs: repeated tuples are not independent draws, and without
de-duplication a repetitive but unwatermarked text gets tiny p-values. Each distinct tuple is then
green with probability gamma under H0 (the text does not depend on the key), so the number of green
tuples is Binomial(n, gamma) and its upper tail is an exact p-value.

Their filter: a key-holder who kept its own watermarked outputs scores only tuples whose context
window occurs in those outputs, where the student can have learnt the bias. The filter chooses
which contexts are scored, never looks at the scored token, so H0 stays exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._greenlist import green_of
from ._key import WatermarkKey


@dataclass(frozen=True)
class WatermarkScore:
    """The green count of a body of text under one key."""

    n_tokens: int  # tokens with a full context (scorable), before de-duplication
    n_scored: int  # distinct (context, token) tuples scored
    n_green: int
    gamma: float

    @property
    def green_share(self) -> float:
        return self.n_green / self.n_scored if self.n_scored else float("nan")

    @property
    def z(self) -> float:
        """(green − γn) / sqrt(nγ(1−γ)); nan with nothing scored."""
        n, g = self.n_scored, self.gamma
        return (self.n_green - g * n) / np.sqrt(n * g * (1 - g)) if n else float("nan")

    @property
    def p_value(self) -> float:
        """P(X ≥ green) for X ~ Binomial(n_scored, γ): one-sided, exact; 1.0 with nothing scored."""
        if not self.n_scored:
            return 1.0
        return float(stats.binom.sf(self.n_green - 1, self.n_scored, self.gamma))

    def as_dict(self) -> dict:
        return {"n_tokens": self.n_tokens, "n_scored": self.n_scored, "n_green": self.n_green,
                "green_share": self.green_share, "z": self.z, "p_value": self.p_value,
                "gamma": self.gamma}


def scorable_tuples(sequences: Iterable[Sequence[int]], context: int) -> np.ndarray:
    """Every (context tokens…, token) tuple of the sequences, one row each (n × context+1), in order.
    A sequence's first `context` tokens have no full context and are not scorable."""
    rows = []
    for seq in sequences:
        a = np.asarray(seq, dtype=np.int64)
        if len(a) <= context:
            continue
        rows.append(np.lib.stride_tricks.sliding_window_view(a, context + 1))
    return np.concatenate(rows) if rows else np.empty((0, context + 1), dtype=np.int64)


def dedupe_tuples(tuples: np.ndarray) -> np.ndarray:
    """The distinct rows of `tuples`, each kept at its first occurrence, in order of appearance."""
    if len(tuples) == 0:
        return tuples
    _, first = np.unique(tuples, axis=0, return_index=True)
    return tuples[np.sort(first)]


def context_windows(sequences: Iterable[Sequence[int]], context: int) -> frozenset[tuple[int, ...]]:
    """Every context window (the `context` tokens before a scorable token) of the sequences: the
    filter built from the key-holder's own watermarked texts."""
    return frozenset(map(tuple, scorable_tuples(sequences, context)[:, :-1].tolist()))


def filter_contexts(tuples: np.ndarray, contexts: frozenset[tuple[int, ...]]) -> np.ndarray:
    """The rows of `tuples` whose context window (all but the last column) is in `contexts`."""
    if len(tuples) == 0:
        return tuples
    keep = np.fromiter((tuple(r) in contexts for r in tuples[:, :-1].tolist()), dtype=bool, count=len(tuples))
    return tuples[keep]


def score_tokens(key: WatermarkKey, sequences: Iterable[Sequence[int]], *, dedupe: bool = True,
                 contexts: frozenset[tuple[int, ...]] | None = None) -> WatermarkScore:
    """The green count of token sequences (each one text, under the key's tokenizer); with
    `contexts` (see `context_windows`), only tuples whose context window is one of them."""
    tuples = scorable_tuples(sequences, key.context)
    if contexts is not None:
        tuples = filter_contexts(tuples, contexts)
    scored = dedupe_tuples(tuples) if dedupe else tuples
    green = green_of(key, scored[:, :-1], scored[:, -1]) if len(scored) else np.zeros(0, dtype=bool)
    return WatermarkScore(n_tokens=len(tuples), n_scored=len(scored), n_green=int(green.sum()),
                          gamma=key.gamma)
