"""Assess many (suspect, reference, controls) triples on one responses frame, on several cores.

The first triple runs here and fills the shared cache (the cleaned corpus, embeddings, TF-IDF and
feature matrices); the rest run in forked worker processes that inherit that cache, so nothing is
embedded or vectorised twice. Every triple's analysis is seeded on its own, so the numbers do not
depend on `jobs` or on the order in which the workers finish.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from forensics.analysis import prepare_corpus

from ._analyze import analyze_responses, default_embed, radioactivity_frame
from ._types import Evidence

Triple = tuple[str, str, Sequence[str]]
_FORKED: tuple | None = None  # (df, cache, kwargs) inherited by forked workers


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _analyze_forked(triple: Triple) -> Evidence:
    df, cache, kwargs = _FORKED
    suspect, reference, controls = triple
    return analyze_responses(df, suspect, reference, list(controls), cache=cache, **kwargs)


def analyze_pairs(df: pd.DataFrame, triples: Sequence[Triple], *, jobs: int = 1,
                  cache: dict | None = None, **kwargs) -> list[Evidence]:
    """`analyze_responses(df, S, R, controls, **kwargs)` for every (S, R, controls), in order.

    `jobs` > 1 forks that many workers after the first triple (Linux and other fork platforms;
    elsewhere, or for a single triple, everything runs here). Results are identical for any `jobs`.
    Workers inherit the arguments by fork (a `watermark`'s tokenizer closure is never pickled; its
    scores are made here, before the fork); only the Evidence objects travel back, pickled.
    """
    global _FORKED
    triples = [(s, r, list(c)) for s, r, c in triples]
    if not triples:
        return []
    cache = {} if cache is None else cache
    if kwargs.get("embed") is None or kwargs.get("embed") is True:
        kwargs["embed"] = default_embed()  # resolved once, so every triple shares its cache entry
    first = analyze_responses(df, *triples[0], cache=cache, **kwargs)
    rest = triples[1:]
    if jobs <= 1 or len(rest) < 2 or "fork" not in mp.get_all_start_methods():
        return [first, *(analyze_responses(df, s, r, c, cache=cache, **kwargs) for s, r, c in rest)]
    if callable(kwargs["embed"]):
        # embed every text here: a forked worker must never start the embedding model (torch's
        # OpenMP pool does not survive fork), even when the first triple skipped the embeddings
        prepare_corpus(df, cache).embeddings(kwargs["embed"])
    wm = kwargs.get("watermark")
    if wm is not None:
        # score every model the key's comparisons need here: the tokenizer (a llama.cpp vocabulary or
        # a transformers tokenizer) then never runs in a forked worker, and nothing of it is pickled
        radioactivity_frame(df, wm, [m for s, r, c in rest if r == wm.reference for m in (s, r, *c)], cache)
    _FORKED = (df, cache, kwargs)
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(rest)), mp_context=mp.get_context("fork")) as pool:
            return [first, *pool.map(_analyze_forked, rest)]
    finally:
        _FORKED = None

