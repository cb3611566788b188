"""Run every catalogued analysis of S against R and the controls on one frame, then `assess`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from forensics.analysis import AnalysisResult, one_blas_thread
from forensics.analysis.catalogue import runners

from ._assess import assess
from ._likelihood import LRModel
from ._types import Evidence, Minimums
from ._watermark import WatermarkEvidence, radioactivity_scores

_DEFAULT_EMBEDDER = None


def default_embed() -> Callable[[list[str]], np.ndarray]:
    """The bundled all-MiniLM-L6-v2 embedder (memory cache only), created once per process."""
    global _DEFAULT_EMBEDDER
    if _DEFAULT_EMBEDDER is None:
        from ._embeddings import Embedder

        _DEFAULT_EMBEDDER = Embedder(None)
    return _DEFAULT_EMBEDDER.embed


def _call(fn: Callable, df: pd.DataFrame, suspect: str, reference: str, controls: list[str],
          options: dict) -> list[AnalysisResult]:
    """Call an analysis with the options it declares; always return a list."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = options
    else:
        kwargs = {k: v for k, v in options.items() if k in params}
    out = fn(df, suspect, reference, controls, **kwargs)
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _shared_counts(df: pd.DataFrame, models: Sequence[str]) -> tuple[int, int]:
    """Probes answered by every model, and how many of them are scorable (have an answer)."""
    sub = df[df["model"].isin(list(models))]
    per = sub.groupby("probe_id")["model"].nunique()
    shared = set(per.index[per == len(set(models))])
    if "answer" not in df.columns:
        return len(shared), 0
    scor = set(sub.loc[sub["answer"].notna() & sub["probe_id"].isin(shared), "probe_id"])
    return len(shared), len(scor)


def _on_reasoning(df: pd.DataFrame, suspect: str, reference: str, controls: list[str],
                  options: dict) -> list[AnalysisResult]:
    """The similarity analyses again on the reasoning traces, where S and R both give one (named
    `reasoning.<measure>`); controls without traces drop out. Empty when there is nothing to read."""
    if "reasoning" not in df.columns:
        return []
    traces = df[df["reasoning"].map(lambda r: isinstance(r, str) and bool(r.strip()))]
    having = set(traces["model"].astype(str))
    if suspect not in having or reference not in having:
        return []
    from forensics.analysis import similarity_analyses

    frame = traces.assign(text=traces["reasoning"])
    out = _call(similarity_analyses, frame, suspect, reference, [c for c in controls if c in having],
                dict(options, cache={}))
    for res in out:
        res.name = "reasoning." + res.name.split(".", 1)[-1]
    return out


def radioactivity_frame(df: pd.DataFrame, watermark: WatermarkEvidence, models: Sequence[str],
                        cache: dict | None = None) -> pd.DataFrame:
    """`radioactivity_scores` of `models` under the watermark, each model's row kept in `cache` (so a
    ranking scores each model once, and forked workers find every row made before the fork and never
    call the tokenizer)."""
    cache = {} if cache is None else cache
    k = watermark.key
    tag = ("radioactivity", k.key_sha256, k.gamma, k.context, watermark.tokenizer_spec, id(watermark.tokenize),
           id(watermark.contexts))
    todo = [m for m in dict.fromkeys(models) if (*tag, m) not in cache]
    if todo:
        for row in radioactivity_scores(df, k, watermark.tokenize, todo, watermark.contexts).to_dict("records"):
            cache[(*tag, row["model"])] = row
    return pd.DataFrame([cache[(*tag, m)] for m in dict.fromkeys(models)])


def _watermark_options(df: pd.DataFrame, watermark: WatermarkEvidence | None, suspect: str, reference: str,
                       controls: list[str], cache: dict) -> dict:
    """The radioactivity analysis' options: the scores only when the key is the reference's."""
    if watermark is None:
        return {}
    frame = (radioactivity_frame(df, watermark, [suspect, reference, *controls], cache)
             if watermark.reference == reference else None)
    return {"radioactivity": frame, "radioactivity_reference": watermark.reference,
            "radioactivity_settings": watermark.settings()}


@one_blas_thread
def analyze_responses(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str], *,
                      embed: Callable[[list[str]], np.ndarray] | None | bool = None, seed: int = 0,
                      minimums: Minimums = Minimums(), model: LRModel = LRModel(),
                      n_perm: int = 2000, n_boot: int = 1000, cache: dict | None = None,
                      analyses: Sequence[tuple[str, Callable]] | None = None,
                      watermark: WatermarkEvidence | None = None) -> Evidence:
    """Run every catalogued analysis of S against R and the controls, then `assess`.

    `embed`: a texts → unit-vector function; None uses the bundled MiniLM (`default_embed`),
    False skips the embedding measures. `cache`: a dict reused across calls on the same frame
    (e.g. by `rank_references`) so texts are embedded and vectorised once. `analyses`:
    (family, function) pairs to run instead of the catalogue's (`catalogue.runners()`).
    `watermark`: the reference's watermark key and tokenizer; when it is `reference`'s, every model's
    texts are scored under it for the radioactivity analysis. Its settings (the key only as its
    SHA-256) are recorded in `Evidence.settings["watermark"]`.
    """
    controls = [c for c in dict.fromkeys(controls) if c not in (suspect, reference)]
    if suspect == reference:
        raise ValueError("suspect and reference must be different models")
    present = set(df["model"].astype(str))
    missing = [m for m in (suspect, reference, *controls) if m not in present]
    if missing:
        raise ValueError(f"models not in the responses: {missing}")
    embed_fn = default_embed() if embed is None or embed is True else (embed or None)
    cache = {} if cache is None else cache
    options = {"embed": embed_fn, "seed": seed, "cache": cache, "n_perm": n_perm, "n_boot": n_boot,
               **_watermark_options(df, watermark, suspect, reference, controls, cache)}
    results: list[AnalysisResult] = []
    families: dict[str, str] = {}
    ran = []
    for family, fn in (runners() if analyses is None else analyses):
        ran.append(fn.__qualname__)
        for res in _call(fn, df, suspect, reference, controls, options):
            families[res.name] = family
            results.append(res)
    if analyses is None:
        for res in _on_reasoning(df, suspect, reference, controls, options):
            families[res.name] = "reasoning"
            results.append(res)
    n_probes, n_scorable = _shared_counts(df, [suspect, reference, *controls])
    settings = {"seed": seed, "n_perm": n_perm, "n_boot": n_boot, "analyses_run": ran,
                "embedding": getattr(embed_fn, "__qualname__", None)}
    if watermark is not None:
        settings["watermark"] = watermark.settings()
    return assess(results, suspect=suspect, reference=reference, controls=controls,
                  minimums=minimums, families=families, n_probes=n_probes, n_scorable=n_scorable,
                  model=model, settings=settings)
