"""Per-probe similarity of S↔R against S↔controls and R↔controls: embeddings, TF-IDF, LCS,
content-word overlap, MMD.

Every measure gives, per probe and model pair, a closeness (larger = more alike); samples of a
probe are paired by index. S's per-probe excess is sim(S,R) minus the mean of its similarity to
the controls and R's similarity to the controls (double centring removes "everyone resembles a
typical chat model"); each control gets the same excess with the other controls, never S.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from ._build import _closeness_result, _not_applicable
from ._corpus import _Corpus, Embed, one_blas_thread, prepare_corpus
from ._features import _fit_tfidf
from ._result import AnalysisResult
from ._stats import _median_heuristic, _mmd2, _mmd_test_grouped
from ._text import FUNCTION_WORDS, _lcs_ratio, _tokens, _words

MIN_PROBES = 10
LCS_MAX_TOKENS = 256  # LCS is computed on the first tokens of each text (speed)
TFIDF_MAX_CHARS = 6000
CHAR_MAX_FEATURES = 60000
MEASURES = {
    "embedding_cosine": "cosine similarity of sentence embeddings (all-MiniLM-L6-v2)",
    "tfidf_word": "cosine of word 1-2-gram TF-IDF vectors (fit on all texts of the compared models)",
    "tfidf_char": "cosine of character 2-4-gram TF-IDF vectors (fit on all texts of the compared models)",
    "lcs_ratio": f"token-level longest-common-subsequence ratio, first {LCS_MAX_TOKENS} tokens",
    "content_overlap": "Jaccard overlap of content words (3+ characters, not stop words, not in the "
                       "prompt): shared choices of what to say, not the topic the prompt sets",
    "embedding_mmd": "minus the unbiased RBF-kernel MMD² between the models' sampled embeddings",
}


def char_tfidf(corpus: _Corpus):
    """Character 2-4-gram TF-IDF of every corpus row (shared with attribution; cached)."""
    return _tfidf(corpus, "char")


def _tfidf(corpus: _Corpus, kind: str):
    """Row-normalised TF-IDF matrix of every corpus row (cached on the corpus)."""
    key = ("tfidf", kind)
    if key not in corpus.cache:
        texts = [t[:TFIDF_MAX_CHARS] for t in corpus.frame["text"]]
        if kind == "word":
            vec = CountVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
                                  min_df=2, dtype=np.float32)
            limit = None
        else:
            vec = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, dtype=np.float32,
                                  lowercase=True)
            limit = CHAR_MAX_FEATURES
        try:
            corpus.cache[key] = _fit_tfidf(vec, texts, limit, sublinear_tf=True)
        except ValueError:  # empty vocabulary (e.g. only empty texts)
            vec.set_params(min_df=1)
            corpus.cache[key] = _fit_tfidf(vec, [t or "∅" for t in texts], limit, sublinear_tf=True)
    return corpus.cache[key]


def _aligned(corpus: _Corpus, a: str, b: str, probe_ids: Sequence[str]):
    """Row pairs (a's sample i, b's sample i) per probe, and the probe index of each pair."""
    ra, rb = corpus.rows(a, probe_ids), corpus.rows(b, probe_ids)
    ia, ib, pi = [], [], []
    for p, (xa, xb) in enumerate(zip(ra, rb)):
        m = min(len(xa), len(xb))
        ia += xa[:m]
        ib += xb[:m]
        pi += [p] * m
    return np.asarray(ia, int), np.asarray(ib, int), np.asarray(pi, int)


def _per_probe_mean(values: np.ndarray, pi: np.ndarray, n: int) -> np.ndarray:
    """Mean of the finite pair values per probe index (NaN where a probe has none)."""
    finite = np.isfinite(values)
    cnt = np.bincount(pi[finite], minlength=n).astype(float)
    tot = np.bincount(pi[finite], weights=values[finite], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def _lcs_tokens(corpus: _Corpus) -> list[list[str]]:
    """First LCS_MAX_TOKENS tokens of every corpus row (cached)."""
    if ("lcs_tokens",) not in corpus.cache:
        corpus.cache[("lcs_tokens",)] = [_tokens(t[: LCS_MAX_TOKENS * 12])[:LCS_MAX_TOKENS]
                                         for t in corpus.frame["text"]]
    return corpus.cache[("lcs_tokens",)]


_STOP = frozenset(ENGLISH_STOP_WORDS) | frozenset(FUNCTION_WORDS)


def content_words(text: str, prompt: str) -> frozenset[str]:
    """Words of 3+ characters in `text` that are neither stop words nor words of the prompt."""
    asked = set(_words(prompt))
    return frozenset(w for w in _words(text) if len(w) >= 3 and w not in _STOP and w not in asked)


def jaccard(a: frozenset, b: frozenset) -> float:
    """|a ∩ b| / |a ∪ b|; NaN when both are empty (nothing beyond the prompt to compare)."""
    union = len(a | b)
    return len(a & b) / union if union else float("nan")


def _content_sets(corpus: _Corpus) -> list[frozenset[str]]:
    """Content-word set of every corpus row (cached)."""
    if ("content_words",) not in corpus.cache:
        frame = corpus.frame
        corpus.cache[("content_words",)] = [content_words(t[:TFIDF_MAX_CHARS], q if isinstance(q, str) else "")
                                            for t, q in zip(frame["text"], frame["prompt"])]
    return corpus.cache[("content_words",)]


def _mmd_bandwidth(corpus: _Corpus, embed: Embed) -> float:
    """One median-heuristic bandwidth for all MMD comparisons of this corpus."""
    key = ("mmd_bandwidth", embed)
    if key not in corpus.cache:
        corpus.cache[key] = _median_heuristic(corpus.embeddings(embed), seed=0)
    return corpus.cache[key]


def pair_closeness(corpus: _Corpus, measure: str, a: str, b: str, probe_ids: Sequence[str],
                   embed: Embed | None = None) -> np.ndarray:
    """Per-probe closeness of models a and b under `measure` (cached per pair on the corpus)."""
    key = ("pair", measure, embed if measure.startswith("embedding") else None, *sorted((a, b)))
    store: dict = corpus.cache.setdefault(key, {})
    missing = [p for p in probe_ids if p not in store]
    if missing:
        n = len(missing)
        if measure == "embedding_mmd":
            emb, bw = corpus.embeddings(embed), _mmd_bandwidth(corpus, embed)
            vals = [-_mmd2(emb[xa], emb[xb], bw) if len(xa) >= 2 and len(xb) >= 2 else np.nan
                    for xa, xb in zip(corpus.rows(a, missing), corpus.rows(b, missing))]
            per = np.asarray(vals, dtype=float)
        else:
            ia, ib, pi = _aligned(corpus, a, b, missing)
            if measure == "embedding_cosine":
                emb = corpus.embeddings(embed)
                vals = np.einsum("ij,ij->i", emb[ia], emb[ib]).astype(float)
            elif measure in ("tfidf_word", "tfidf_char"):
                x = _tfidf(corpus, measure.split("_")[1])
                vals = np.asarray(x[ia].multiply(x[ib]).sum(axis=1), dtype=float).ravel()
            elif measure == "lcs_ratio":
                toks = _lcs_tokens(corpus)
                vals = np.asarray([_lcs_ratio(toks[i], toks[j]) for i, j in zip(ia, ib)], dtype=float)
            elif measure == "content_overlap":
                sets = _content_sets(corpus)
                vals = np.asarray([jaccard(sets[i], sets[j]) for i, j in zip(ia, ib)], dtype=float)
            else:
                raise ValueError(f"unknown similarity measure {measure!r}")
            per = _per_probe_mean(vals, pi, n)
        store.update(zip(missing, per))
    return np.asarray([store[p] for p in probe_ids], dtype=float)


def similarity_tables(corpus: _Corpus, measure: str, models: Sequence[str], probe_ids: Sequence[str],
                      embed: Embed | None = None) -> dict[tuple[str, str], np.ndarray]:
    """Per-probe closeness for every pair of `models`."""
    return {(a, b): pair_closeness(corpus, measure, a, b, probe_ids, embed)
            for i, a in enumerate(models) for b in models[i + 1:]}


def _equality_note(corpus: _Corpus, embed: Embed, suspect: str, reference: str,
                   probe_ids: Sequence[str], seed: int, n_perm: int) -> str:
    """Model-equality MMD test of S vs R (Gao et al. 2025): can S be R re-hosted?"""
    emb, bw = corpus.embeddings(embed), _mmd_bandwidth(corpus, embed)
    xs = [emb[r] for r in corpus.rows(suspect, probe_ids)]
    ys = [emb[r] for r in corpus.rows(reference, probe_ids)]
    stat, p = _mmd_test_grouped(xs, ys, n_perm=n_perm, seed=seed, bandwidth=bw)
    verdict = ("S's sampled answers are indistinguishable from R's at this sample size (consistent "
               "with S being R, re-hosted)" if p >= 0.05 else "S's answer distribution differs from R's")
    return f"model-equality MMD test S vs R: mean MMD² {stat:.4g}, p = {p:.3g}; {verdict}"


@one_blas_thread
def similarity_analyses(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str], *,
                        embed: Embed | None = None, seed: int = 0, cache: dict | None = None,
                        n_perm: int = 2000, n_boot: int = 1000,
                        measures: Sequence[str] | None = None) -> list[AnalysisResult]:
    """One AnalysisResult per similarity measure ("similarity.<measure>"), S↔R vs the controls."""
    controls = list(controls)
    corpus = prepare_corpus(df, cache)
    models = [suspect, reference, *controls]
    probe_ids = corpus.shared_probes(models)
    wanted = list(measures) if measures is not None else list(MEASURES)
    multi = corpus.n_samples(models, probe_ids) >= 2
    out = []
    for measure in wanted:
        name = f"similarity.{measure}"
        if len(controls) < 2 or len(probe_ids) < MIN_PROBES:
            out.append(_not_applicable(name, f"needs >= 2 controls and >= {MIN_PROBES} shared probes "
                                      f"(have {len(controls)} and {len(probe_ids)})", len(probe_ids)))
            continue
        if measure.startswith("embedding") and embed is None:
            out.append(_not_applicable(name, "no embedding function supplied", len(probe_ids)))
            continue
        if measure == "embedding_mmd" and not multi:
            out.append(_not_applicable(name, "MMD needs >= 2 samples per probe from every model",
                                      len(probe_ids)))
            continue
        sims = similarity_tables(corpus, measure, models, probe_ids, embed)
        ok = np.all(np.isfinite(np.vstack(list(sims.values()))), axis=0)
        kept = [p for p, good in zip(probe_ids, ok) if good]
        sims = {k: v[ok] for k, v in sims.items()}
        res = _closeness_result(name, sims, kept, suspect, reference, controls, seed=seed,
                               n_perm=n_perm, n_boot=n_boot, description=MEASURES[measure],
                               corpus=corpus)
        if measure == "embedding_mmd":
            res.notes.append(_equality_note(corpus, embed, suspect, reference, kept, seed,
                                            min(n_perm, 200)))
        out.append(res)
    return out


__all__ = ["MEASURES", "content_words", "jaccard", "pair_closeness", "similarity_analyses", "similarity_tables"]
