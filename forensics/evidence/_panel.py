"""All-pairs evidence of a run, computed once: the population's per-probe similarities and model
profiles (`forensics.analysis.population_similarities`) and the population-trained attribution
scores (`forensics.analysis.AttributionScores`), cached in the run directory, and each pair's
per-family features against its controls.

The cache file is keyed by the tool's format, the measures, the embedding model and the SHA-256
of every (model, probe, text) the population reads, so a changed response can never be read
from a stale cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from forensics.analysis import (AttributionScores, Population, Profiles, population_scores,
                                population_similarities)

from ._fusion import family_features
from ._labels import Labels

CACHE_FORMAT = "population/2"
FEATURE_MEASURES = ("word_tfidf", "char_tfidf")  # the per-probe measures the families read
Progress = Callable[[str, int, int], None]


def _population_key(df: pd.DataFrame, measures: Sequence[str], embedding: str | None) -> str:
    """SHA-256 of what the population is computed from."""
    first = df.sort_values("sample", kind="mergesort").drop_duplicates(["model", "probe_id"])
    first = first.sort_values(["model", "probe_id"], kind="mergesort")
    h = hashlib.sha256(f"{CACHE_FORMAT}\0{','.join(measures)}\0{embedding}\0".encode())
    for m, p, t in zip(first["model"].astype(str), first["probe_id"].astype(str), first["text"]):
        h.update(f"{m}\0{p}\0".encode("utf-8", "surrogatepass"))
        h.update(hashlib.sha256(str(t).encode("utf-8", "surrogatepass")).digest())
    return h.hexdigest()


def _save(pop: Population, path: Path) -> None:
    arrays = {f"measure:{k}": v for k, v in pop.measures.items()}
    for tag, prof in (("word", pop.profiles), ("char", pop.char_profiles)):
        if prof is not None:
            arrays[f"profile:{tag}"] = prof.freq
            arrays[f"features:{tag}"] = np.asarray(prof.features, dtype=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    np.savez_compressed(tmp, models=np.asarray(pop.models, dtype=str),
                        probes=np.asarray(pop.probes, dtype=str), **arrays)
    os.replace(tmp, path)


def _load(path: Path) -> Population | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            models, probes = [str(m) for m in z["models"]], [str(p) for p in z["probes"]]
            measures = {k.split(":", 1)[1]: z[k] for k in z.files if k.startswith("measure:")}
            prof = {tag: Profiles(models, [str(f) for f in z[f"features:{tag}"]], z[f"profile:{tag}"])
                    for tag in ("word", "char") if f"profile:{tag}" in z.files}
    except (OSError, ValueError, KeyError):
        return None
    return Population(models, probes, measures, prof.get("word"), prof.get("char"))


def run_population(df: pd.DataFrame, *, cache_dir: Path | None = None,
                   embed: Callable[[list[str]], np.ndarray] | None = None,
                   embedding: str | None = None, measures: Sequence[str] = FEATURE_MEASURES,
                   progress: Progress | None = None) -> Population:
    """The run's population, read from `cache_dir` when it was computed before from the same texts.
    `embedding` names the embedder (part of the cache key); None with `embed` given is not cached."""
    key = _population_key(df, measures, embedding if embed is not None else None)
    path = None if cache_dir is None or (embed is not None and embedding is None) \
        else Path(cache_dir) / f"population-{key[:32]}.npz"
    if path is not None and path.exists():
        pop = _load(path)
        if pop is not None:
            return pop
    pop = population_similarities(df, measures=measures, embed=embed, progress=progress)
    if path is not None:
        _save(pop, path)
    return pop


def pair_features(pop: Population, pairs: Sequence[tuple[str, str]],
                  controls: Callable[[str, str], Sequence[str]], *, cache: dict | None = None,
                  progress: Progress | None = None,
                  attribution: Callable[[str, str], float] | None = None) -> pd.DataFrame:
    """Every statistic's z of each pair against its controls, and the per-family features.
    `attribution(model, R)`: a model's population-trained attribution score (see `run_attribution`)."""
    table = population_scores(pop, pairs, controls, progress=progress, cache=cache, attribution=attribution)
    return pd.concat([table, family_features(table)], axis=1)


def _attribution_path(df: pd.DataFrame, cache_dir: Path | None) -> Path | None:
    if cache_dir is None:
        return None
    return Path(cache_dir) / f"attribution-{_population_key(df, ('attribution/1',), None)[:32]}.json"


def run_attribution(df: pd.DataFrame, *, cache_dir: Path | None = None) -> AttributionScores:
    """The run's attribution scores, with every classifier's scores read from `cache_dir` that an
    earlier call fitted on the same texts (call `store_attribution` to write new ones)."""
    scores = AttributionScores(df)
    path = _attribution_path(df, cache_dir)
    if path is not None and path.exists():
        try:
            table = json.loads(path.read_text())["table"]
            scores.table.update({k: [float(x) for x in v] for k, v in table.items()
                                 if isinstance(v, list) and len(v) == len(scores.models)})
        except (OSError, ValueError, KeyError, TypeError):
            pass  # an unreadable cache is refitted
    return scores


def store_attribution(scores: AttributionScores | None, df: pd.DataFrame, cache_dir: Path | None) -> None:
    """Write the attribution scores to the run's cache when a classifier was fitted since loading."""
    path = _attribution_path(df, cache_dir)
    if path is None or scores is None or not scores.n_fitted:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"models": scores.models, "table": scores.table}))
    os.replace(tmp, path)
    scores.n_fitted = 0


def panel_background(labels: Labels, models: Sequence[str]) -> Callable[[str, str], list[str]]:
    """R's background for scoring `target`: the run's models documented as independent of R and
    unrelated to the target (never the target, nothing of its lineage)."""
    def background(target: str, reference: str) -> list[str]:
        return [m for m in models if m not in (target, reference) and labels.independent_of(m, reference) is None
                and labels.related_to(m, target) is None]
    return background

