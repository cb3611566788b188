"""Stylometry of S, R and controls: Burrows' Delta, character n-grams, habits, openers, imposters.

Whole-model profiles (Delta, character n-grams, openers/closers, imposters) are scored with
`model_level_result`: S and each control Cj are compared with R against k-1 controls (never S),
and a probe bootstrap gives the CI. Habits are compared per probe like the similarity measures.
Verbal tics live in `_tics.py` (cross-fitted, so mined tics are never scored on their own text).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from ._build import (
    _bootstrap_weights,
    _closeness_result,
    _model_level_result,
    _not_applicable,
)
from ._corpus import _Corpus, one_blas_thread, prepare_corpus
from ._features import _fit_counts
from ._result import AnalysisResult
from ._text import FUNCTION_WORDS, HABIT_NAMES, _closer, _habit_features, _opener
from ._tics import _tics_analysis

MIN_PROBES = 10
N_CHAR_FEATURES = 500
N_IMPOSTER_ITER = 100
CHAR_MAX_CHARS = 6000
MIN_OPENER_COUNT = 3  # openers/closers seen fewer times in the frame are pooled as "other"


def _row_counts(corpus: _Corpus, kind: str) -> sparse.csr_matrix:
    """Feature counts of every corpus row (cached): function words, char 3-grams, openers, closers."""
    key = ("style_counts", kind)
    if key not in corpus.cache:
        texts = list(corpus.frame["text"])
        if kind == "function":
            vec = CountVectorizer(vocabulary=FUNCTION_WORDS, token_pattern=r"(?u)\b\w+\b")
            x = vec.fit_transform(texts)
        elif kind == "char":
            vec = CountVectorizer(analyzer="char", ngram_range=(3, 3))
            try:
                x, _ = _fit_counts(vec, [t[:CHAR_MAX_CHARS] for t in texts], N_CHAR_FEATURES)
            except ValueError:
                x = sparse.csr_matrix((len(texts), 1))
        else:
            labels = [(_opener if kind == "openers" else _closer)(t) for t in texts]
            seen = pd.Series(labels).value_counts()
            common = set(seen.index[seen >= MIN_OPENER_COUNT])
            labels = [v if v in common else "\0other" for v in labels]  # rare ones pooled
            vocab = {v: i for i, v in enumerate(sorted(set(labels)))}
            x = sparse.csr_matrix((np.ones(len(labels)), ([*range(len(labels))],
                                   [vocab[v] for v in labels])), shape=(len(labels), len(vocab)))
        corpus.cache[key] = sparse.csr_matrix(x, dtype=np.float64)
    return corpus.cache[key]


def _probe_counts(corpus: _Corpus, kind: str, model: str, probe_ids: Sequence[str]) -> sparse.csr_matrix:
    """(probes × features) counts of one model, samples of a probe summed."""
    rows = corpus.rows(model, probe_ids)
    ri = [r for rs in rows for r in rs]
    pi = [p for p, rs in enumerate(rows) for _ in rs]
    agg = sparse.csr_matrix((np.ones(len(ri)), (pi, ri)), shape=(len(rows), len(corpus.frame)))
    return (agg @ _row_counts(corpus, kind)).tocsr()


class _Profiles:
    """Relative-frequency profiles of models, one row per probe-weight vector (row 0 = the data)."""

    def __init__(self, corpus: _Corpus, kinds: Sequence[str], models: Sequence[str],
                 probe_ids: Sequence[str], weights: np.ndarray):
        self.rows: dict[str, np.ndarray] = {}
        for m in models:
            parts = []
            for k in kinds:
                v = np.asarray((_probe_counts(corpus, k, m, probe_ids).T @ weights.T).T, dtype=float)
                tot = v.sum(axis=1, keepdims=True)
                parts.append(v / np.where(tot > 0, tot, 1.0))
            self.rows[m] = np.hstack(parts)

    def get(self, models: Sequence[str], b: int) -> np.ndarray:
        """(len(models), features) profiles under weight row b."""
        return np.vstack([self.rows[m][b] for m in models])


def _zscores(profiles: np.ndarray) -> np.ndarray:
    """Burrows z-scores of each feature across the compared profiles (constant features zeroed)."""
    sd = profiles.std(axis=0, ddof=1)
    ok = sd > 1e-12
    return np.where(ok, (profiles - profiles.mean(axis=0)) / np.where(ok, sd, 1.0), 0.0)


def _double_centred(close: np.ndarray) -> float:
    """Row 0 = x, row 1 = R, rest = others: close(x,R) - (mean close(x,o) + mean close(R,o)) / 2."""
    return float(close[0, 1] - 0.5 * (close[0, 2:].mean() + close[1, 2:].mean()))


def _delta_stat(prof: _Profiles, reference: str):
    """Closeness by Burrows' Delta (mean absolute z-score difference), double-centred."""
    def stat(x: str, others: Sequence[str], b: int) -> float:
        z = _zscores(prof.get([x, reference, *others], b))
        return _double_centred(-np.abs(z[:, None, :] - z[None, :, :]).mean(axis=2))
    return stat


def _cosine_stat(prof: _Profiles, reference: str):
    """Closeness by cosine of square-root relative frequencies, double-centred."""
    def stat(x: str, others: Sequence[str], b: int) -> float:
        p = np.sqrt(prof.get([x, reference, *others], b))
        n = np.linalg.norm(p, axis=1, keepdims=True)
        p = p / np.where(n > 0, n, 1.0)
        return _double_centred(p @ p.T)
    return stat


def _jsd_similarity(p: np.ndarray) -> np.ndarray:
    """1 - Jensen-Shannon divergence (base 2) between all rows of p (distributions)."""
    m = 0.5 * (p[:, None, :] + p[None, :, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p[:, None, :] > 0, p[:, None, :] * np.log2(p[:, None, :] / m), 0.0)
    kl = t.sum(axis=2)  # kl[i, j] = KL(p_i || m_ij)
    return 1.0 - 0.5 * (kl + kl.T)


def _opener_stat(openers: _Profiles, closers: _Profiles, reference: str):
    """Closeness of opener and closer distributions (1 - JSD, mean of the two), double-centred."""
    def stat(x: str, others: Sequence[str], b: int) -> float:
        ms = [x, reference, *others]
        sims = [_jsd_similarity(pr.get(ms, b)) for pr in (openers, closers)]
        return _double_centred(0.5 * (sims[0] + sims[1]))
    return stat


def _imposters_stat(prof: _Profiles, reference: str, n_features: int, seed: int):
    """Share of random feature halves on which x is nearer R than every imposter (stylo imposters)."""
    masks = (np.random.default_rng(seed).random((N_IMPOSTER_ITER, n_features)) < 0.5).astype(float)
    masks /= np.maximum(masks.sum(axis=1, keepdims=True), 1.0)

    def stat(x: str, others: Sequence[str], b: int) -> float:
        z = _zscores(prof.get([x, reference, *others], b))
        dist = np.abs(z[1:] - z[0]) @ masks.T  # rows: R, then each imposter; columns: iterations
        return float(np.mean(dist[0] < dist[1:].min(axis=0)))
    return stat


def _habit_tables(corpus: _Corpus, models: Sequence[str], probe_ids: Sequence[str]):
    """Per-probe closeness of habit vectors (z-scored over the corpus, mean |difference|)."""
    if ("habits",) not in corpus.cache:
        f = np.vstack([_habit_features(t) for t in corpus.frame["text"]]) if len(corpus.frame) else \
            np.zeros((0, len(HABIT_NAMES)))
        sd = f.std(axis=0)
        corpus.cache[("habits",)] = (f - f.mean(axis=0)) / np.where(sd > 1e-12, sd, 1.0)
    z = corpus.cache[("habits",)]
    rows = {m: corpus.rows(m, probe_ids) for m in models}
    out = {}
    for i, a in enumerate(models):
        for b in models[i + 1:]:
            vals = []
            for ra, rb in zip(rows[a], rows[b]):
                k = min(len(ra), len(rb))
                vals.append(-float(np.abs(z[ra[:k]] - z[rb[:k]]).mean()) if k else np.nan)
            out[(a, b)] = np.asarray(vals)
    return out


@one_blas_thread
def stylometry_analyses(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str], *,
                        seed: int = 0, cache: dict | None = None, n_perm: int = 2000,
                        n_boot: int = 1000) -> list[AnalysisResult]:
    """Stylometric AnalysisResults ("stylometry.<name>") for S↔R against the controls.

    `n_boot` bootstrap replicates for the per-probe analyses; whole-model profiles, which are
    recomputed per replicate, use n_boot // 5 (at least 20).
    """
    controls = list(controls)
    corpus = prepare_corpus(df, cache)
    models = [suspect, reference, *controls]
    probe_ids = corpus.shared_probes(models)
    names = ["function_word_delta", "char_ngram_profile", "habits", "openers_closers",
             "verbal_tics", "imposters"]
    if len(controls) < 2 or len(probe_ids) < MIN_PROBES:
        why = (f"needs >= 2 controls and >= {MIN_PROBES} shared probes "
               f"(have {len(controls)} and {len(probe_ids)})")
        return [_not_applicable(f"stylometry.{n}", why, len(probe_ids)) for n in names]
    n = len(probe_ids)
    n_boot_model = max(20, n_boot // 5)
    w = _bootstrap_weights(n, n_boot_model, seed)
    _words, chars, both, openers, closers = (
        _Profiles(corpus, kinds, models, probe_ids, w)
        for kinds in (["function"], ["char"], ["function", "char"], ["openers"], ["closers"]))
    n_both = both.rows[reference].shape[1]
    kw = {"n_boot": n_boot_model}
    out = [
        _model_level_result("stylometry.function_word_delta", _delta_stat(_words, reference), suspect,
                           reference, controls, n, description="Burrows' Delta on "
                           f"{len(FUNCTION_WORDS)} function words (closeness = -Delta)", **kw),
        _model_level_result("stylometry.char_ngram_profile", _cosine_stat(chars, reference), suspect,
                           reference, controls, n, description="cosine of character 3-gram profiles "
                           f"({N_CHAR_FEATURES} most frequent 3-grams)", **kw),
        _closeness_result("stylometry.habits", _habit_tables(corpus, models, probe_ids), probe_ids,
                         suspect, reference, controls, seed=seed, n_perm=n_perm, n_boot=n_boot,
                         description="per-probe distance of length, sentence, punctuation and "
                         "markdown habits: " + ", ".join(HABIT_NAMES), corpus=corpus),
        _model_level_result("stylometry.openers_closers", _opener_stat(openers, closers, reference),
                           suspect, reference, controls, n, description="1 - Jensen-Shannon "
                           "divergence of first-three-token openers and last-line closers", **kw),
        _tics_analysis(corpus, suspect, reference, controls, probe_ids, seed=seed, n_perm=n_perm,
                      n_boot=n_boot),
        _model_level_result("stylometry.imposters", _imposters_stat(both, reference, n_both, seed),
                           suspect, reference, controls, n, description="imposters method: share "
                           f"of {N_IMPOSTER_ITER} random halves of the function-word and char "
                           "3-gram features on which the model is nearer R than every imposter "
                           "(the other controls)", **kw),
    ]
    return out
