"""Authorship attribution: a classifier learns R's responses against the controls'; how often is S
attributed to R, compared with each control's own held-out attribution rate?

Features: character 2-4-gram TF-IDF (the one `similarity` fits on all texts of the frame,
label-free), reduced by a
truncated SVD (LSA) so that the many fits stay fast, optionally joined by sentence embeddings;
classifier: L2 logistic regression with balanced class weights. Training is grouped by probe:
probes are split into folds and a response is only ever scored by a model that saw no response
to its probe. Leave-one-control-out: control Cj is scored by classifiers trained on R against the
other controls (Cj never in training); S is scored by the same k classifiers and averaged, so S
and each control face identical classifiers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.decomposition import TruncatedSVD
from sklearn.linear_model import LogisticRegression

from ._build import _not_applicable, _per_probe_result
from ._corpus import _Corpus, Embed, one_blas_thread, prepare_corpus
from ._result import AnalysisResult
from .similarity import char_tfidf

MIN_PROBES = 10
N_FOLDS = 5
SVD_DIMS = 300


def _features(corpus: _Corpus, embed: Embed | None, seed: int) -> np.ndarray:
    """Standardised LSA(char n-gram TF-IDF) [+ embedding] features of every corpus row (cached)."""
    key = ("attribution_features", embed, seed)
    if key not in corpus.cache:
        x = char_tfidf(corpus)
        dims = max(1, min(SVD_DIMS, x.shape[0] // 4, x.shape[1] - 1))
        parts = [TruncatedSVD(dims, random_state=seed, algorithm="randomized", n_iter=4).fit_transform(x)]
        if embed is not None:
            parts.append(corpus.embeddings(embed).astype(float))
        f = np.hstack(parts)
        sd = f.std(axis=0)
        corpus.cache[key] = (f - f.mean(axis=0)) / np.where(sd > 1e-12, sd, 1.0)
    return corpus.cache[key]


def _folds(n: int, seed: int) -> np.ndarray:
    """Seeded, balanced fold number of each of n probes."""
    folds = np.arange(n) % min(N_FOLDS, max(n, 1))
    return folds[np.random.default_rng(seed).permutation(n)]


def _per_probe(proba: np.ndarray, rows: list[list[int]], test: np.ndarray, pos: dict[int, int],
               out: np.ndarray) -> None:
    """Write the mean P(R) over each test probe's samples into out[probe]."""
    for i in test:
        if rows[i]:
            out[i] = float(np.mean([proba[pos[r]] for r in rows[i]]))


@one_blas_thread
def attribution_analysis(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str], *,
                         embed: Embed | None = None, seed: int = 0, cache: dict | None = None,
                         n_perm: int = 2000, n_boot: int = 1000, C: float = 1.0) -> AnalysisResult:
    """Share of S's responses a grouped-CV classifier attributes to R, against the controls'."""
    name = "attribution.classifier"
    controls = list(controls)
    corpus = prepare_corpus(df, cache)
    models = [suspect, reference, *controls]
    probe_ids = corpus.shared_probes(models)
    if len(controls) < 2 or len(probe_ids) < MIN_PROBES:
        return _not_applicable(name, f"needs >= 2 controls and >= {MIN_PROBES} shared probes "
                              f"(have {len(controls)} and {len(probe_ids)})", len(probe_ids))
    feats = _features(corpus, embed, seed)
    rows = {m: corpus.rows(m, probe_ids) for m in models}
    folds = _folds(len(probe_ids), seed)
    n = len(probe_ids)
    p_s = np.full((len(controls), n), np.nan)
    p_c = {c: np.full(n, np.nan) for c in controls}
    p_r = np.full((len(controls), n), np.nan)
    hard_s, hard_c = [], {c: [] for c in controls}
    for f in np.unique(folds):
        train, test = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        r_train = [r for i in train for r in rows[reference][i]]
        for j, c in enumerate(controls):
            o_train = [r for o in controls if o != c for i in train for r in rows[o][i]]
            x = feats[r_train + o_train]
            y = np.r_[np.ones(len(r_train)), np.zeros(len(o_train))]
            clf = LogisticRegression(C=C, class_weight="balanced", max_iter=300, tol=1e-3)
            clf.fit(x, y)
            score_rows = sorted({r for m in (suspect, c, reference) for i in test for r in rows[m][i]})
            proba = clf.predict_proba(feats[score_rows])[:, 1]
            pos = {r: k for k, r in enumerate(score_rows)}
            _per_probe(proba, rows[c], test, pos, p_c[c])
            _per_probe(proba, rows[suspect], test, pos, p_s[j])
            _per_probe(proba, rows[reference], test, pos, p_r[j])
            hard_c[c] += [proba[pos[r]] > 0.5 for i in test for r in rows[c][i]]
            hard_s += [proba[pos[r]] > 0.5 for i in test for r in rows[suspect][i]]
    table = pd.DataFrame({"probe_id": list(probe_ids), "fold": folds, "excess_s": p_s.mean(axis=0),
                          **{f"excess[{c}]": v for c, v in p_c.items()},
                          "reference_self": p_r.mean(axis=0)})
    feat_note = "char 2-4-gram TF-IDF → LSA" + (" + sentence embeddings" if embed else "")
    res = _per_probe_result(name, table, controls, seed=seed, n_perm=n_perm, n_boot=n_boot,
                           description=(f"mean held-out P(R) from logistic regression on {feat_note}, "
                                        f"{N_FOLDS}-fold cross-validation grouped by probe, "
                                        "leave-one-control-out"))
    rates = {c: float(np.mean(v)) for c, v in hard_c.items()}
    res.notes.append(f"hard attribution rate (P(R) > 0.5): S {np.mean(hard_s):.3f}; controls "
                     + ", ".join(f"{c} {v:.3f}" for c, v in rates.items())
                     + f"; R's own held-out responses: mean P(R) {np.nanmean(p_r):.3f}")
    return res
