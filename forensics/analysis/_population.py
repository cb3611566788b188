"""All-pairs similarity of a whole panel, computed once: per prompt, every model against every model.

A panel of M models answering the same P probes gives, for each measure, a (P, M, M) array of
per-probe similarities. Every (suspect, reference) question, and every control scored as if it
were the suspect, is then a look-up in these arrays, not a re-computation.

Measures (each a cosine of the two answers to the same probe):
- embedding: sentence embeddings (given an embedder; each text embedded once);
- word_tfidf, char_tfidf: TF-IDF over the whole panel (word 1-2-grams; character 2-4-grams);
- rare_words, rare_bigrams, rare_trigrams: binary n-grams weighted by log(M / the number of
  models that used them for *this* probe), so what every model says for a prompt weighs nothing
  and what one model says alone weighs most: choices specific to a model, not to the genre.

Pair statistics (per measure), for S against R over the shared probes:
- mean: the mean per-probe similarity;
- nearest: the share of probes on which R's answer is closer to S's than any other model's is;
- cohort_z: the mean per-probe z of sim(S, R) among S's similarities to every other model.

Model-level, against the pair's own controls (`_profile`): `profile.distinct`, how far S leans
the way R's distinctive word choices lean, and `profile.char_distinct`, the same on character
3-grams. `profile.distinct` is the pair's `score` (benchmarks/RESULTS.md, section 9).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forensics.core import for_analysis

from ._profile import Profiles, distinctive_agreement, leave_one_out_agreements, model_profiles

MEASURES = ("word_tfidf", "char_tfidf", "rare_words", "rare_bigrams", "rare_trigrams")
EMBEDDING = "embedding"  # the measure added when an embedder is given
STATISTICS = ("mean", "nearest", "cohort_z")
SCORE = "profile.distinct"  # the statistic whose z against the controls is a pair's score
CHAR_SCORE = "profile.char_distinct"
_SD_FLOOR = 0.02  # per-probe spread floor of the cohort z (identical answers would divide by 0)

Progress = Callable[[str, int, int], None]  # (what, done, total)
ATTRIBUTION = "attribution.logit"  # the population-trained attribution statistic (`_panel_attribution`)
ATTRIBUTION_SCORE = "attribution.score"  # S's own attribution score (mean log-odds of R), not a z


@dataclass
class Population:
    """Per-probe similarities of every model pair: `measures[name][p, i, j]`."""

    models: list[str]
    probes: list[str]
    measures: dict[str, np.ndarray]
    profiles: Profiles | None = None
    char_profiles: Profiles | None = None

    def index(self, model: str) -> int:
        return self.models.index(model)


def _texts_matrix(df: pd.DataFrame) -> tuple[list[str], list[str], list[list[str]]]:
    """Models, probes answered by every model, and texts[model][probe] (first sample)."""
    first = df.sort_values("sample", kind="mergesort").drop_duplicates(["model", "probe_id"])
    models = sorted(first["model"].astype(str).unique())
    per = first.groupby("probe_id")["model"].nunique()
    probes = sorted(per.index[per == len(models)])
    sub = first[first["probe_id"].isin(probes)]
    table = sub.pivot(index="model", columns="probe_id", values="text").reindex(index=models, columns=probes)
    return models, probes, [[for_analysis(t) for t in table.loc[m]] for m in models]


def _per_probe_cosines(x, n_models: int, n_probes: int) -> np.ndarray:
    """(P, M, M) cosines from a row-normalised sparse matrix whose rows are model-major."""
    x = x.tocsr()
    out = np.zeros((n_probes, n_models, n_models), np.float32)
    for j in range(n_probes):
        rows = x[[i * n_probes + j for i in range(n_models)]]
        out[j] = (rows @ rows.T).toarray()
    return out


def _tfidf(texts: list[str], kind: str):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if kind == "word_tfidf":
        vec = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b",
                              sublinear_tf=True, min_df=2, dtype=np.float32)
    else:
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2,
                              dtype=np.float32)
    return vec.fit_transform(texts)


def _rare_ngrams(answers: list[str], n: int) -> np.ndarray:
    """(M, M) cosines of one probe's answers on n-grams weighted by log(M / models using them)."""
    from sklearn.feature_extraction.text import CountVectorizer

    m = len(answers)
    try:
        x = CountVectorizer(ngram_range=(n, n), token_pattern=r"(?u)\b\w+\b", binary=True,
                            dtype=np.float32).fit_transform(answers).toarray()
    except ValueError:  # no n-gram in any answer
        return np.zeros((m, m), np.float32)
    w = x * np.log(m / x.sum(0))
    w /= np.sqrt((w ** 2).sum(1, keepdims=True)) + 1e-9
    return (w @ w.T).astype(np.float32)


def _embedding_cosines(embed: Callable[[list[str]], np.ndarray], flat: list[str], m: int,
                       p: int) -> np.ndarray:
    """(P, M, M) cosines of unit-norm embeddings of model-major texts (each text embedded once)."""
    vecs = np.asarray(embed(flat), np.float32).reshape(m, p, -1)
    return np.einsum("mpd,npd->pmn", vecs, vecs).astype(np.float32)


def population_similarities(df: pd.DataFrame, *, measures: Sequence[str] = MEASURES,
                            embed: Callable[[list[str]], np.ndarray] | None = None,
                            progress: Progress | None = None) -> Population:
    """Every measure's per-probe similarity of every model pair, on the probes all models answered.
    With `embed` (texts -> unit vectors), the `embedding` measure too."""
    unknown = set(measures) - set(MEASURES)
    if unknown:
        raise ValueError(f"unknown measures: {sorted(unknown)}")
    models, probes, texts = _texts_matrix(df)
    m, p = len(models), len(probes)
    flat = [t for row in texts for t in row]
    out: dict[str, np.ndarray] = {}
    if embed is not None:
        out[EMBEDDING] = _embedding_cosines(embed, flat, m, p) if p else np.zeros((0, m, m), np.float32)
    for k, name in enumerate(measures):
        if name in ("word_tfidf", "char_tfidf"):
            out[name] = _per_probe_cosines(_tfidf(flat, name), m, p) if p else np.zeros((0, m, m), np.float32)
        else:
            n = {"rare_words": 1, "rare_bigrams": 2, "rare_trigrams": 3}[name]
            out[name] = np.stack([_rare_ngrams([texts[i][j] for i in range(m)], n) for j in range(p)]) \
                if p else np.zeros((0, m, m), np.float32)
        if progress:
            progress("similarities", k + 1, len(measures))
    return Population(models, probes, out, model_profiles(models, texts),
                      model_profiles(models, texts, kind="char"))


def pair_statistics(pop: Population, suspect: str, reference: str) -> dict[str, float]:
    """Every (measure, statistic) of S against R, keyed 'measure.statistic'."""
    i, j = pop.index(suspect), pop.index(reference)
    others = [k for k in range(len(pop.models)) if k not in (i, j)]
    out = {}
    for name, sim in pop.measures.items():
        x = sim[:, i, j]
        cohort = sim[:, i, others]
        out[f"{name}.mean"] = float(x.mean()) if len(x) else np.nan
        out[f"{name}.nearest"] = float((x > cohort.max(1)).mean()) if len(x) and others else np.nan
        sd = np.maximum(cohort.std(1), _SD_FLOOR) if others else np.nan
        out[f"{name}.cohort_z"] = float(np.mean((x - cohort.mean(1)) / sd)) if len(x) and others else np.nan
    return out


def population_scores(pop: Population, pairs: Sequence[tuple[str, str]],
                      controls: Callable[[str, str], Sequence[str]],
                      progress: Progress | None = None,
                      cache: dict | None = None,
                      attribution: Callable[[str, str], float] | None = None) -> pd.DataFrame:
    """Per (S, R): each statistic as a z against its controls scored as if each were the suspect
    (a control's own controls: the others), and `score`, the z of `SCORE`. `attribution(model, R)`
    adds the population-trained attribution score (`_panel_attribution`): its z as a statistic, and
    S's own score as `attribution.score`."""
    cache = {} if cache is None else cache  # (S, R[, controls]) -> statistics, reusable across calls

    def stats(s: str, r: str, ctrl: Sequence[str]) -> dict[str, float]:
        if (s, r) not in cache:
            cache[(s, r)] = pair_statistics(pop, s, r)
        out = dict(cache[(s, r)])
        for tag, prof, name in (("word", pop.profiles, SCORE), ("char", pop.char_profiles, CHAR_SCORE)):
            if prof is not None:
                key = (tag, s, r, frozenset(ctrl))
                if key not in cache:
                    cache[key] = distinctive_agreement(prof, s, r, ctrl)
                out[name] = cache[key]
        if attribution is not None:
            out[ATTRIBUTION] = attribution(s, r)
        return out

    def prefill(r: str, ctrl: Sequence[str]) -> None:
        """Every control of `ctrl` as the suspect against the others, in one batch per profile."""
        for tag, prof in (("word", pop.profiles), ("char", pop.char_profiles)):
            full = frozenset(ctrl)
            missing = [c for c in ctrl if (tag, c, r, full - {c}) not in cache]
            if prof is not None and missing:
                for c, v in leave_one_out_agreements(prof, r, ctrl, only=missing).items():
                    cache[(tag, c, r, full - {c})] = v

    rows = []
    for k, (s, r) in enumerate(pairs):
        ctrl = [c for c in controls(s, r) if c not in (s, r) and c in pop.models]
        own = stats(s, r, ctrl)
        prefill(r, ctrl)
        as_suspect = [stats(c, r, [x for x in ctrl if x != c]) for c in ctrl]
        row = {"suspect": s, "reference": r, "n_controls": len(ctrl), "n_probes": len(pop.probes)}
        for key, v in own.items():
            null = np.array([st[key] for st in as_suspect], float)
            null = null[np.isfinite(null)]
            sd = null.std(ddof=1) if len(null) >= 2 else np.nan
            row[key] = (v - null.mean()) / sd if np.isfinite(sd) and sd > 0 and np.isfinite(v) else np.nan
        row["score"] = float(row.get(SCORE, np.nan))
        if attribution is not None:
            row[ATTRIBUTION_SCORE] = float(own[ATTRIBUTION])
        rows.append(row)
        if progress:
            progress("pair scores", k + 1, len(pairs))
    return pd.DataFrame(rows)
