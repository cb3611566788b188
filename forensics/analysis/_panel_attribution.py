"""Population-trained attribution: how strongly a model's answers are attributed to R by R's own
classifier, trained against a background of other models.

R's classifier is an L2 logistic regression on full sparse TF-IDF features (character 2-5-grams
within words and word 1-2-grams, fitted label-free on every text of the population), learning R's
answers against the background models' answers on a seeded half of the prompts. A model's score
is the mean log-odds of R over its answers to the other half: no prompt it is scored on was
trained on. Who the background is belongs to the caller (`background(target, reference)`): it
never holds the target, so the suspect and each control are scored alike, by a classifier that
never saw them (nor, given labels, their lineage). This is the panel version of
`attribution_analysis`, which learns R against a case's few controls only.

Each fitted classifier scores every model of the population at once, and only those scores are
kept (`AttributionScores.table`, keyed by reference and background), so a run's cache can hold
them and a classifier is never fitted twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._population import _texts_matrix

_SEED = 0
_C_CLASSIFIER = 1.0
_Background = Callable[[str, str], Sequence[str]]


def _features(flat: list[str]):
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=5, sublinear_tf=True,
                           dtype=np.float32)
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=3, sublinear_tf=True,
                           token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
    return hstack([char.fit_transform(flat), word.fit_transform(flat)]).tocsr()


def _background_key(reference: str, background: Sequence[str]) -> str:
    """A stable key of (reference, background set): the cache's key of one classifier's scores."""
    h = hashlib.sha256("\0".join([reference, *sorted(set(background))]).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:24]


@dataclass
class AttributionScores:
    """Lazily fitted classifiers' scores of every model of a population.

    `table[key]` is one classifier's score of each model (in `models` order); the TF-IDF matrix
    is built only when a score is missing, so a run whose table was cached never builds it."""

    df: pd.DataFrame
    table: dict[str, list[float]] = field(default_factory=dict)
    seed: int = _SEED
    _x: object = None
    _flat: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    probes: list[str] = field(default_factory=list)
    n_fitted: int = 0

    def __post_init__(self) -> None:
        self.models, self.probes, texts = _texts_matrix(self.df)
        self._flat = [t for row in texts for t in row]

    def _matrix(self):
        if self._x is None:
            self._x = _features(self._flat)
        return self._x

    def _split(self) -> np.ndarray:
        """True for the probes the classifiers train on (a seeded half)."""
        p = len(self.probes)
        return np.random.default_rng(self.seed).permutation(p) < p // 2

    def _fit(self, reference: str, background: Sequence[str]) -> list[float]:
        from sklearn.linear_model import LogisticRegression

        x, p, train = self._matrix(), len(self.probes), self._split()
        rows = {m: i * p + np.arange(p) for i, m in enumerate(self.models)}
        pos = rows[reference][train]
        neg = np.concatenate([rows[b][train] for b in background])
        clf = LogisticRegression(C=_C_CLASSIFIER, class_weight="balanced", max_iter=300, tol=1e-3)
        clf.fit(x[np.r_[pos, neg]], np.r_[np.ones(len(pos)), np.zeros(len(neg))])
        held = np.concatenate([rows[m][~train] for m in self.models])
        logit = clf.decision_function(x[held]).reshape(len(self.models), -1)
        self.n_fitted += 1
        return [float(v) for v in logit.mean(1)]

    def score(self, target: str, reference: str, background: Sequence[str]) -> float:
        """Mean log-odds of R over the target's held-out answers, under R's classifier against
        `background` (NaN when the background has fewer than two models or holds the target)."""
        bg = sorted({b for b in background if b in self.models and b not in (target, reference)})
        if len(bg) < 2 or target not in self.models or reference not in self.models or len(self.probes) < 4:
            return float("nan")
        key = _background_key(reference, bg)
        if key not in self.table:
            self.table[key] = self._fit(reference, bg)
        return self.table[key][self.models.index(target)]

    def scorer(self, background: _Background) -> Callable[[str, str], float]:
        """(target, reference) -> score, with the background `background(target, reference)`
        (asked once per pair: a population's statistics ask for the same score many times)."""
        memo: dict[tuple[str, str], float] = {}

        def score(target: str, reference: str) -> float:
            if (target, reference) not in memo:
                memo[(target, reference)] = self.score(target, reference, background(target, reference))
            return memo[(target, reference)]
        return score
