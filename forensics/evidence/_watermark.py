"""Watermark scores of every model's stored texts under one key and tokenizer (radioactivity)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from forensics.core import InputError
from forensics.store import Run
from forensics.watermark import WatermarkKey, context_windows, score_tokens

SCORE_COLUMNS = ("model", "n_texts", "n_tokens", "n_scored", "n_green", "green_share", "z", "p_value")
SKIPPED_CATEGORIES = ("fingerprint",)  # few-token greedy answers: hardly any scorable tuples


@dataclass(frozen=True)
class WatermarkEvidence:
    """The reference's watermark key, and the tokenizer (R's) its green lists are defined over.

    `tokenizer_spec` is recorded with the evidence; the key only as its SHA-256. `contexts`: Sander
    et al.'s filter (`watermarked_contexts` of the reference's own watermarked outputs), or None."""

    reference: str
    key: WatermarkKey = field(repr=False)
    tokenize: Callable[[str], list[int]] = field(repr=False)
    tokenizer_spec: str = ""
    contexts: frozenset[tuple[int, ...]] | None = field(default=None, repr=False)

    def settings(self) -> dict:
        return {"reference": self.reference, "tokenizer": self.tokenizer_spec, **self.key.settings(),
                "filter_contexts": None if self.contexts is None else len(self.contexts)}


def radioactivity_scores(responses: pd.DataFrame, key: WatermarkKey, tokenize: Callable[[str], list[int]],
                         models: Sequence[str] | None = None,
                         contexts: frozenset[tuple[int, ...]] | None = None) -> pd.DataFrame:
    """One row per model: its texts (answers, fingerprint suite left out) tokenized and scored for the
    key's green bias, each (context, token) tuple once across the model's texts (Sander et al.);
    with `contexts` (`watermarked_contexts`), only tuples whose context window is among them."""
    df = responses
    if "category" in df.columns:
        df = df[~df["category"].isin(SKIPPED_CATEGORIES)]
    rows = []
    for model in (models if models is not None else sorted(df["model"].astype(str).unique())):
        texts = [t for t in df.loc[df["model"] == model, "text"] if isinstance(t, str) and t]
        s = score_tokens(key, [tokenize(t) for t in texts], contexts=contexts)
        rows.append({"model": model, "n_texts": len(texts), **{k: v for k, v in s.as_dict().items()
                                                                if k != "gamma"}})
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


# -- reading a run for the `forensics watermark` commands ------------------------------------------

_LOCAL_KINDS = ("llamacpp", "hf")  # backends whose tokenizer can be loaded on its own


def require_models(run: Run, names: Sequence[str]) -> None:
    """InputError naming the first of `names` that is not a model of the run, and the run's models."""
    known = set(run.model_names)
    for name in names:
        if name not in known:
            listed = ", ".join(run.model_names[:12]) + (" …" if len(known) > 12 else "")
            raise InputError(f"no model {name!r} in this run (its models: {listed or 'none'})")


def local_spec(run: Run, model: str) -> str | None:
    """The stored spec of a run's model when its weights are local (llamacpp:, hf:), else None."""
    rows = run.models[run.models["name"] == model]
    if not len(rows) or str(rows["kind"].iloc[0]) not in _LOCAL_KINDS:
        return None
    return str(rows["spec"].iloc[0])


def tokenizer_spec(run: Run, value: str) -> str:
    """A `--tokenizer` value as a spec: a run model's name gives its stored spec (a local model's
    only); anything else is taken as a spec (`llamacpp:NAME|PATH.gguf`, `hf:PATH`)."""
    if value in set(run.model_names):
        spec = local_spec(run, value)
        if spec is None:
            kind = str(run.models.loc[run.models["name"] == value, "kind"].iloc[0])
            raise InputError(f"tokenizer {value!r}: not a local model (kind {kind!r}), so its tokenizer is "
                             "not available here; give a local model (llamacpp:NAME|PATH.gguf, hf:PATH)")
        return spec
    return value


def _valid_settings(wm: object) -> dict | None:
    if isinstance(wm, dict) and isinstance(wm.get("key_sha256"), str):
        return {k: wm.get(k) for k in ("scheme", "gamma", "delta", "context", "key_sha256")}
    return None


def model_watermark(run: Run, model: str) -> dict | None:
    """The watermark settings model `model` generated with, as its row in the run records them."""
    rows = run.models[run.models["name"] == model]
    if not len(rows):
        return None
    try:
        settings = json.loads(rows["settings_json"].iloc[0])
    except (TypeError, ValueError):
        return None
    backend = settings.get("backend") if isinstance(settings, dict) else None
    return _valid_settings(backend.get("watermark")) if isinstance(backend, dict) else None


def recorded_watermarks(run: Run) -> list[dict]:
    """Every watermark setting the run's sessions recorded ({scheme, gamma, delta, context,
    key_sha256}; never a key), each once, in order."""
    found: list[dict] = []
    sessions = run.manifest.get("sessions")
    for s in sessions if isinstance(sessions, list) else []:
        wm = _valid_settings(s.get("settings", {}).get("watermark")) if isinstance(s, dict) else None
        if wm and wm not in found:
            found.append(wm)
    return found


@dataclass(frozen=True)
class RunKey:
    """A key file's key with the settings to score it under in one run.

    `source`: "run" when the run recorded settings for this key (its SHA-256) and they were used,
    "options" when the caller's values (or the defaults) were; `warnings`: plain sentences."""

    key: WatermarkKey = field(repr=False)
    source: str
    warnings: tuple[str, ...] = ()


def key_for_run(run: Run, key: WatermarkKey, model: str | None = None, *, gamma: float | None = None,
                delta: float | None = None, context: int | None = None) -> RunKey:
    """`key` with the settings the run recorded for it (matched by SHA-256: `model`'s own record
    first, then the sessions'); a value given here overrides, and without a record the values
    given or the key's own apply. Warns when `model` or the run used a different key."""
    sha = key.key_sha256
    own = model_watermark(run, model) if model is not None else None
    records = ([own] if own else []) + recorded_watermarks(run)
    match = next((r for r in records if r["key_sha256"] == sha), None)
    warnings = []
    if own and own["key_sha256"] != sha:
        warnings.append(f"{model} generated its texts with another watermark key "
                        f"(SHA-256 {own['key_sha256'][:16]}…), not this one ({sha[:16]}…)")
    elif match is None and records:
        others = ", ".join(sorted({r["key_sha256"][:16] + "…" for r in records}))
        warnings.append(f"this run recorded a watermark with another key (SHA-256 {others}), not "
                        f"this one ({sha[:16]}…); its settings are not used")
    base = match or {}
    chosen = {"gamma": gamma if gamma is not None else base.get("gamma", key.gamma),
              "delta": delta if delta is not None else base.get("delta", key.delta),
              "context": context if context is not None else base.get("context", key.context)}
    try:
        resolved = replace(key, gamma=float(chosen["gamma"]), delta=float(chosen["delta"]),
                           context=int(chosen["context"]))
    except (TypeError, ValueError):
        raise InputError(f"the run's recorded watermark settings are malformed: {chosen}") from None
    used_run = match is not None and None in (gamma, delta, context)
    return RunKey(resolved, "run" if used_run else "options", tuple(warnings))


def watermarked_contexts(run: Run, key: WatermarkKey, tokenize: Callable[[str], list[int]]) -> frozenset:
    """Sander et al.'s filter: the context windows of the texts of every model the run records as
    generating with this key (the key-holder's own watermarked outputs). InputError if none did."""
    sha = key.key_sha256
    marked = [m for m in run.model_names if (own := model_watermark(run, m)) and own["key_sha256"] == sha]
    if not marked:
        raise InputError(f"the filter run records no model generating with this key ({sha[:16]}…): "
                         "give a run made with `forensics run --watermark` and this key")
    df = run.responses
    texts = df.loc[df["model"].isin(marked), "text"]
    return context_windows([tokenize(t) for t in texts if isinstance(t, str) and t], key.context)


def radioactivity_table(run: Run, suspect: str, key: WatermarkKey, tokenize: Callable[[str], list[int]],
                        controls: Sequence[str] | None = None,
                        contexts: frozenset[tuple[int, ...]] | None = None) -> pd.DataFrame:
    """The suspect's row, then each control's (default: every other model of the run), scored under
    the key (`radioactivity_scores`), with a `role` column: suspect, control, or watermarked (a
    model the run records as generating with this very key: the source, not a control)."""
    require_models(run, [suspect, *(controls or [])])
    others = list(controls) if controls else [m for m in run.model_names if m != suspect]
    others = [m for m in others if m != suspect]
    frame = radioactivity_scores(run.responses, key, tokenize, [suspect, *others], contexts)
    sha = key.key_sha256

    def role(m: str) -> str:
        if m == suspect:
            return "suspect"
        own = model_watermark(run, m)
        return "watermarked" if own and own["key_sha256"] == sha else "control"

    frame.insert(0, "role", [role(m) for m in frame["model"]])
    return frame
