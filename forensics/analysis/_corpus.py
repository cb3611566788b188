"""The responses frame, cleaned once: bounded texts, shared probes, per-frame cache of derived data."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forensics.core import for_analysis

from ._result import RESPONSE_COLUMNS

EXHIBIT_CHARS = 2_000
TEXT_CATEGORIES_EXCLUDED = ("identity", "fingerprint")  # identity.py and greedy.py read those

Embed = Callable[[list[str]], np.ndarray]


def one_blas_thread(fn: Callable) -> Callable:
    """Run `fn` with BLAS pinned to one thread: bit-for-bit reproducible sums, and much faster on
    small shared CPUs, where two BLAS threads can be ten times slower than one."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return fn(*args, **kwargs)
    return wrapper


def _truncate(text: str, n: int = EXHIBIT_CHARS) -> str:
    """Text cut to n characters, marked when cut."""
    return text if len(text) <= n else text[:n] + " […]"


@dataclass
class _Corpus:
    """Cleaned responses: one row per (model, probe_id, sample) with a bounded `text`."""

    frame: pd.DataFrame
    fingerprint: str
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def models(self) -> list[str]:
        """Models present."""
        return sorted(self.frame["model"].unique())

    def shared_probes(self, models: Sequence[str]) -> list[str]:
        """Probe ids answered (at least once) by every one of `models`, sorted."""
        sub = self.frame[self.frame["model"].isin(list(models))]
        counts = sub.groupby("probe_id")["model"].nunique()
        return sorted(counts.index[counts == len(set(models))])

    def texts(self, model: str, probe_ids: Sequence[str]) -> list[list[str]]:
        """For each probe, the model's texts in sample order (empty list when none)."""
        groups = self.cache.setdefault(("groups",), {})
        if model not in groups:
            sub = self.frame[self.frame["model"] == model].sort_values(["probe_id", "sample"])
            groups[model] = {p: list(g["text"]) for p, g in sub.groupby("probe_id", sort=False)}
        g = groups[model]
        return [g.get(p, []) for p in probe_ids]

    def rows(self, model: str, probe_ids: Sequence[str]) -> list[list[int]]:
        """For each probe, the frame row positions of the model's samples."""
        groups = self.cache.setdefault(("row_groups",), {})
        if model not in groups:
            sub = self.frame[self.frame["model"] == model]  # frame is sorted by model, probe, sample
            groups[model] = {p: [int(r) for r in g["row"]] for p, g in sub.groupby("probe_id", sort=False)}
        pos = groups[model]
        return [pos.get(p, []) for p in probe_ids]

    def n_samples(self, models: Sequence[str], probe_ids: Sequence[str]) -> int:
        """Smallest number of samples any of `models` has on any of `probe_ids`."""
        sub = self.frame[self.frame["model"].isin(list(models)) & self.frame["probe_id"].isin(probe_ids)]
        if sub.empty:
            return 0
        return int(sub.groupby(["model", "probe_id"]).size().min())

    def prompt(self, probe_id: str) -> str:
        """The probe's prompt (first row found), cleaned."""
        hit = self.frame.loc[self.frame["probe_id"] == probe_id, "prompt"]
        return for_analysis(hit.iloc[0]) if len(hit) else ""

    def embeddings(self, embed: Embed) -> np.ndarray:
        """Embedding of every row of `frame` (computed once per corpus and embed function)."""
        key = ("embeddings", embed)
        if key not in self.cache:
            texts = list(self.frame["text"])
            uniq = {t: i for i, t in enumerate(dict.fromkeys(texts))}
            vecs = np.asarray(embed(list(uniq)), dtype=np.float32)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.where(norms > 0, norms, 1.0)
            self.cache[key] = vecs[[uniq[t] for t in texts]]
        return self.cache[key]


def prepare_corpus(df: pd.DataFrame, cache: dict | None = None,
                   exclude_categories: Sequence[str] = TEXT_CATEGORIES_EXCLUDED) -> _Corpus:
    """Validate and clean a responses frame; reuse the Corpus from `cache` when the data match."""
    missing = [c for c in ("model", "probe_id", "text") if c not in df.columns]
    if missing:
        raise ValueError(f"responses frame lacks columns {missing}; expected {RESPONSE_COLUMNS}")
    frame = pd.DataFrame({
        "model": df["model"].astype(str).to_numpy(),
        "probe_id": df["probe_id"].astype(str).to_numpy(),
        "sample": (pd.to_numeric(df["sample"], errors="coerce").fillna(0).astype(int).to_numpy()
                   if "sample" in df.columns else np.zeros(len(df), dtype=int)),
        "category": df["category"].astype(str).to_numpy() if "category" in df.columns else "adhoc",
        "prompt": df["prompt"].to_numpy() if "prompt" in df.columns else "",
        "text": [for_analysis(t) for t in df["text"]],
    })
    if len(exclude_categories):
        frame = frame[~frame["category"].isin(list(exclude_categories))]
    frame = frame.drop_duplicates(["model", "probe_id", "sample"], keep="first")
    frame = frame.sort_values(["model", "probe_id", "sample"], kind="mergesort").reset_index(drop=True)
    frame["row"] = np.arange(len(frame))
    h = hashlib.sha256()
    for m, p, s, t in zip(frame["model"], frame["probe_id"], frame["sample"], frame["text"]):
        h.update(f"{m}\0{p}\0{s}\0".encode("utf-8", "surrogatepass"))
        h.update(hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest())
    fp = h.hexdigest()
    if cache is not None:
        hit = cache.get(("corpus", fp))
        if hit is not None:
            return hit
    corpus = _Corpus(frame, fp)
    if cache is not None:
        cache[("corpus", fp)] = corpus
    return corpus
