"""`forensics score`: every stored text's log-probability under a model's weights, cached in the run.

Each scorer (a run name and a model spec whose backend can score text, e.g. `llamacpp:`) scores
every stored response given the probe's own prompt (never a model's private system prompt, so
every model's text is scored under the same condition). Scores already cached for the same
weights and text are not recomputed; a killed scoring run resumes where it stopped.

Two kinds of text are skipped because the likelihood family never reads them: a text under its
own model's weights (a scorer named like the model that wrote it: that model is never the
normaliser of its own text, and its texts are not used when it is the reference), and the
fingerprint suite's few-token greedy answers (the greedy family reads those). Texts are scored
in prompt order, so that a scorer keeps the evaluated prompt between the answers to it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from forensics.backends import ModelConfig, make_backend, parse_spec
from forensics.core import InputError, content_sha256
from forensics.store import ScoreCache, run_texts

Progress = Callable[[str, int, int], None]
_FLUSH_EVERY = 16  # scores written per transaction
SKIPPED_CATEGORIES = ("fingerprint",)  # few-token greedy answers: the greedy family reads them


@dataclass(frozen=True)
class ScoreSummary:
    scorer: str
    scorer_id: str
    scored: int  # texts scored now
    cached: int  # texts whose score was already cached


def scorer_id(backend, spec: str) -> str:
    """The weights' identity: SHA-256 of the model file where there is one, else of the spec."""
    path = getattr(backend, "path", None)
    if path is not None and Path(path).is_file():
        return "sha256:" + content_sha256(path)
    return "spec:" + hashlib.sha256(spec.encode()).hexdigest()


def _backend_for(name: str, spec: str):
    parse_spec(spec)
    backend = make_backend(ModelConfig(name=name, spec=spec))
    if not getattr(backend.capabilities, "scoring", False):
        raise InputError(f"scorer {name!r} ({spec.split(':')[0]}): this backend cannot score given text; "
                         "use a llamacpp: or hf: model")
    return backend


def texts_to_score(texts, scorer: str, skip_categories: Sequence[str] = SKIPPED_CATEGORIES):
    """The distinct texts (rows of `run_texts`) the likelihood family reads under `scorer`, in
    prompt order: not only `scorer`'s own texts, not in `skip_categories`."""
    texts = texts[~texts["category"].isin(list(skip_categories))]
    own_only = texts.groupby("text_key")["model"].agg(lambda m: set(m) == {scorer})
    keep = texts[~texts["text_key"].map(own_only)].drop_duplicates("text_key")
    return keep.sort_values(["probe_id", "text_key"], kind="mergesort")


def score_run(run_dir: str | Path, scorers: Sequence[tuple[str, str]], *,
              progress: Progress | None = None,
              skip_categories: Sequence[str] = SKIPPED_CATEGORIES) -> list[ScoreSummary]:
    """Score the stored texts under each (name, spec) scorer; returns what was done per scorer."""
    texts = run_texts(run_dir)
    out = []
    with ScoreCache(run_dir) as cache:
        for name, spec in scorers:
            backend = _backend_for(name, spec)
            try:
                unique = texts_to_score(texts, name, skip_categories)
                sid = scorer_id(backend, spec)
                cache.add_scorer(name, sid, spec)
                have = cache.known(sid, unique["text_key"])
                todo = unique[~unique["text_key"].isin(have)]
                rows: list[tuple[str, int, float]] = []
                for k, (key, messages, text) in enumerate(zip(todo["text_key"], todo["messages"], todo["text"])):
                    lp = backend.score(messages, text)
                    rows.append((key, len(lp.logprobs), lp.total))
                    if len(rows) >= _FLUSH_EVERY:
                        cache.put(sid, rows)
                        rows = []
                    if progress:
                        progress(f"score {name}"[:14], k + 1, len(todo))
                cache.put(sid, rows)
                out.append(ScoreSummary(name, sid, len(todo), len(have)))
            finally:
                asyncio.run(backend.aclose())
    return out
