"""Verbal tics: word n-grams distinctive of R against the controls, mined and scored cross-fitted.

Mining uses a binomial analogue of Monroe et al.'s (2008) log-odds with an informative Dirichlet
prior, on presence counts (responses containing the n-gram), so one long response cannot make a
tic. Probes are split into folds; tics mined on the other folds are scored on the held-out fold,
so no tic is scored on a text it was mined from. For control Cj, tics are mined from R against
the other controls (Cj never contributes to mining); S is scored with each of those k tic sets
and averaged, so S and Cj are treated alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from ._build import _per_probe_result
from ._corpus import _Corpus
from ._features import _fit_counts
from ._result import AnalysisResult, Exhibit

N_FOLDS = 5
N_TICS = 50
PRIOR_DOCS = 10.0  # strength of the pooled-rate prior, in responses
MIN_R_DOCS = 3  # a tic must occur in at least this many training responses of its side
MIN_Z = 1.96


def _presence(corpus: _Corpus) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Binary word 1-3-gram presence of every corpus row, and the n-gram strings (cached)."""
    if ("tic_presence",) not in corpus.cache:
        vec = CountVectorizer(ngram_range=(1, 3), binary=True, min_df=3, token_pattern=r"(?u)\b\w+\b",
                              dtype=np.float32)
        try:
            x, names = _fit_counts(vec, [t[:8000] for t in corpus.frame["text"]], 60000)
        except ValueError:
            x, names = sparse.csr_matrix((len(corpus.frame), 0), dtype=np.float32), np.array([])
        corpus.cache[("tic_presence",)] = (x, names)
    return corpus.cache[("tic_presence",)]


def _mine_tics(x: sparse.csr_matrix, r_rows: Sequence[int], other_rows: Sequence[int],
              n_tics: int = N_TICS) -> tuple[np.ndarray, np.ndarray]:
    """Indices and z-scores of the n-grams most distinctive of R's rows versus the others' rows."""
    return _mine(x, r_rows, other_rows, n_tics, sign=1.0)


def _mine_anti_tics(x: sparse.csr_matrix, r_rows: Sequence[int], other_rows: Sequence[int],
                   n_tics: int = N_TICS) -> tuple[np.ndarray, np.ndarray]:
    """The n-grams most distinctive of the others' rows versus R's (the controls' tics)."""
    return _mine(x, r_rows, other_rows, n_tics, sign=-1.0)


def _mine(x: sparse.csr_matrix, r_rows: Sequence[int], other_rows: Sequence[int], n_tics: int,
          sign: float) -> tuple[np.ndarray, np.ndarray]:
    """Top n-grams by signed binomial log-odds z (informative prior from the pooled rate)."""
    if x.shape[1] == 0 or not len(r_rows) or not len(other_rows):
        return np.array([], dtype=int), np.array([])
    y_r = np.asarray(x[list(r_rows)].sum(axis=0)).ravel()
    y_o = np.asarray(x[list(other_rows)].sum(axis=0)).ravel()
    n_r, n_o = float(len(r_rows)), float(len(other_rows))
    pi = (y_r + y_o + 0.5) / (n_r + n_o + 1.0)
    a1, a0 = PRIOR_DOCS * pi, PRIOR_DOCS * (1.0 - pi)
    delta = np.log((y_r + a1) / (n_r - y_r + a0)) - np.log((y_o + a1) / (n_o - y_o + a0))
    var = 1 / (y_r + a1) + 1 / (n_r - y_r + a0) + 1 / (y_o + a1) + 1 / (n_o - y_o + a0)
    z = sign * delta / np.sqrt(var)
    support = y_r if sign > 0 else y_o
    z[(support < MIN_R_DOCS) | ~np.isfinite(z)] = -np.inf
    order = np.argsort(-z, kind="mergesort")[:n_tics]
    order = order[z[order] >= MIN_Z]
    return order, z[order]


def _folds(probe_ids: Sequence[str], seed: int) -> np.ndarray:
    """Fold number of each probe (seeded, balanced)."""
    n = len(probe_ids)
    folds = np.arange(n) % min(N_FOLDS, max(n, 1))
    return folds[np.random.default_rng(seed).permutation(n)]


def _usage(x: sparse.csc_matrix, rows: list[list[int]], tics: np.ndarray,
           anti: np.ndarray) -> np.ndarray:
    """Per probe: mean over samples of log((R-tics present + .5)/K_R) - log((C-tics + .5)/K_C).

    A ratio of the two kinds of tics, so a longer response (which contains more of both) is
    not scored as more R-like for its length alone.
    """
    if tics.size == 0 or anti.size == 0:
        return np.zeros(len(rows))
    flat = np.asarray([r for rs in rows for r in rs], dtype=int)
    probe = np.asarray([i for i, rs in enumerate(rows) for _ in rs], dtype=int)
    if flat.size == 0:
        return np.full(len(rows), np.nan)
    n_r = np.asarray(x[:, tics].tocsr()[flat].sum(axis=1)).ravel()
    n_c = np.asarray(x[:, anti].tocsr()[flat].sum(axis=1)).ravel()
    score = np.log((n_r + 0.5) / tics.size) - np.log((n_c + 0.5) / anti.size)
    cnt = np.bincount(probe, minlength=len(rows))
    tot = np.bincount(probe, weights=score, minlength=len(rows))
    return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def _tics_analysis(corpus: _Corpus, suspect: str, reference: str, controls: Sequence[str],
                  probe_ids: Sequence[str], *, seed: int, n_perm: int, n_boot: int) -> AnalysisResult:
    """Cross-fitted usage of R's distinctive n-grams by S versus by each control."""
    x, names = _presence(corpus)
    if ("tic_presence_csc",) not in corpus.cache:
        corpus.cache[("tic_presence_csc",)] = x.tocsc()
    xc = corpus.cache[("tic_presence_csc",)]
    folds = _folds(probe_ids, seed)
    models = [suspect, reference, *controls]
    rows = {m: corpus.rows(m, probe_ids) for m in models}
    use_s = np.zeros((len(controls), len(probe_ids)))
    use_c = {c: np.zeros(len(probe_ids)) for c in controls}
    use_r = np.zeros(len(probe_ids))
    n_mined = []
    for f in np.unique(folds):
        train, test = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        r_train = [r for i in train for r in rows[reference][i]]
        for j, c in enumerate(controls):
            others = [o for o in controls if o != c]
            o_train = [r for o in others for i in train for r in rows[o][i]]
            tics, _ = _mine_tics(x, r_train, o_train)
            anti, _ = _mine_anti_tics(x, r_train, o_train)
            n_mined.append(tics.size)
            use_c[c][test] = _usage(xc, [rows[c][i] for i in test], tics, anti)
            use_s[j, test] = _usage(xc, [rows[suspect][i] for i in test], tics, anti)
            use_r[test] += _usage(xc, [rows[reference][i] for i in test], tics, anti) / len(controls)
    table = pd.DataFrame({"probe_id": list(probe_ids), "fold": folds, "excess_s": use_s.mean(axis=0),
                          **{f"excess[{c}]": v for c, v in use_c.items()}, "reference_usage": use_r})
    res = _per_probe_result("stylometry.verbal_tics", table, controls, seed=seed, n_perm=n_perm,
                           n_boot=n_boot, description=(
                               f"log ratio of R's top {N_TICS} distinctive word 1-3-grams to the "
                               "controls' top n-grams present in a response (log-odds with "
                               f"informative prior, {N_FOLDS}-fold cross-fitted; mean "
                               f"{np.mean(n_mined):.0f} R-tics per fold)"))
    res.notes.append(f"R's own held-out usage {np.nanmean(use_r):.3f} (upper scale of the statistic)")
    res.exhibits = _tic_exhibits(x, names, rows, suspect, reference, controls)
    return res


def _tic_exhibits(x: sparse.csr_matrix, names: np.ndarray, rows: dict, suspect: str,
                  reference: str, controls: Sequence[str]) -> list[Exhibit]:
    """R's top tics on all probes (display only), with the share of responses of each model using them."""
    flat = {m: [r for rs in v for r in rs] for m, v in rows.items()}
    tics, z = _mine_tics(x, flat[reference], [r for c in controls for r in flat[c]], n_tics=15)
    out = []
    for t, zt in zip(tics, z):
        col = x[:, int(t)]
        rate = {m: float(col[flat[m]].sum() / max(len(flat[m]), 1)) for m in (suspect, reference, *controls)}
        out.append(Exhibit("verbal_tic", {"analysis": "stylometry.verbal_tics", "tic": str(names[t]),
                                          "z": float(zt), "share_of_responses": rate}))
    return out
