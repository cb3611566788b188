"""`forensics watermark`: make a green-list key, detect it in a model's texts, test a suspect for
radioactivity (Sander et al. 2024). Only a key's SHA-256 is ever printed, never the key."""

from __future__ import annotations

import json
import math
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from forensics.core import InputError

from ._display import _safe, err, out

if TYPE_CHECKING:
    from forensics.evidence import RunKey

watermark_app = typer.Typer(
    help="Green-list watermarks (Kirchenbauer et al. 2023): make a key, detect it in a model's "
    "stored texts, test a suspect for radioactivity (Sander et al. 2024). Only a key's SHA-256 is "
    "ever shown or stored.", no_args_is_help=True)

DEFAULT_ALPHA = 0.01  # one pre-specified one-sided test; the p-value is exact under H0

_RunDir = Annotated[Path, typer.Argument(help="Run directory (holds run.sqlite).")]
_Key = Annotated[Path, typer.Option("--key", "-k", help="The watermark key file (from `forensics watermark "
                                    "keygen`). Never printed; only its SHA-256 is shown.")]
_Gamma = Annotated[float | None, typer.Option("--gamma", help="Green share of the vocabulary (default: "
                                                 "what the run recorded for this key, else 0.25).")]
_Delta = Annotated[float | None, typer.Option("--delta", help="Logit bias the key generated with (recorded "
                                                 "only; default: the run's record, else 2.0).")]
_Context = Annotated[int | None, typer.Option("--context", help="Context width h in tokens (default: the "
                                                 "run's record for this key, else 1).")]
_Alpha = Annotated[float, typer.Option("--alpha", min=1e-300, max=0.5, help="Significance level of the "
                                       f"verdict (default {DEFAULT_ALPHA}: one false alarm in 100 under H0).")]
_Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]

CAVEAT = ("Removal attacks exist: paraphrasing the watermarked outputs before training, or fine-tuning "
          "on clean text afterwards, can erase the signal (Gu et al., ICLR 2024; Pan et al., ACL 2025), "
          "so a non-detection is not evidence of independence. A detection shows that the suspect's "
          "texts carry this key's green bias, which text written independently of the key shows only "
          "by chance, with probability p: under H0 each distinct (context, token) tuple is green with "
          "probability gamma, so the p-value is exact.")


@watermark_app.command("keygen")
def _keygen(path: Annotated[Path, typer.Argument(help="Where to write the key (must not exist yet).")]) -> None:
    """Write a fresh random watermark key, readable by you only (mode 0600).

    The file is the secret: whoever holds it can detect the watermark. Runs and evidence record
    only its SHA-256, which is all this prints.
    """
    from forensics.watermark import load_key, write_new_key

    try:
        written = write_new_key(path)
    except OSError as e:
        raise InputError(f"{path}: cannot write the key: {e.strerror or e}") from None
    out.print("wrote a new watermark key, readable by you only (mode 0600):", highlight=False)
    out.print(f"  {_safe(written)}", highlight=False)
    out.print(f"key SHA-256: {load_key(written).key_sha256}", highlight=False)
    out.print("Keep the file secret; runs record only this SHA-256. Use it (KEYFILE: that file):",
              highlight=False)
    for line in ("forensics run -m R=llamacpp:MODEL --watermark KEYFILE -o RUN_DIR ...",
                 "forensics watermark detect RUN_DIR --model R --key KEYFILE",
                 "forensics watermark radioactivity RUN_DIR --suspect S --key KEYFILE --tokenizer R"):
        out.print(f"  {line}", highlight=False)


@watermark_app.command("detect")
def _detect(
    run_dir: _RunDir,
    model: Annotated[str, typer.Option("--model", "-m", help="The run model whose stored texts are scored.")],
    key: _Key,
    tokenizer: Annotated[str | None, typer.Option("--tokenizer", "-t", help="Tokenizer the key's green lists "
                         "use: a run model's name or a local spec (llamacpp:NAME|PATH.gguf, hf:PATH). "
                         "Default: the model's own, when it is a local model of the run.")] = None,
    gamma: _Gamma = None,
    delta: _Delta = None,
    context: _Context = None,
    alpha: _Alpha = DEFAULT_ALPHA,
    as_json: _Json = False,
) -> None:
    """Does a model's stored text carry this key's watermark? z-score and exact binomial p-value.

    Each distinct (context, token) tuple of the model's texts (fingerprint-suite answers left
    out) is scored once; under H0 (text independent of the key) each is green with probability
    gamma, so the green count is Binomial(n, gamma). Settings default to those the run recorded
    for this key (matched by SHA-256).
    """
    from forensics.backends import load_tokenizer
    from forensics.evidence import (
        key_for_run,
        local_spec,
        radioactivity_scores,
        require_models,
        tokenizer_spec,
    )
    from forensics.store import load_run
    from forensics.watermark import load_key

    secret = load_key(key)
    run = load_run(run_dir)
    require_models(run, [model])
    if tokenizer is not None:
        spec = tokenizer_spec(run, tokenizer)
    elif (spec := local_spec(run, model)) is None:
        kind = str(run.models.loc[run.models["name"] == model, "kind"].iloc[0])
        raise InputError(f"{model!r} is not a local model (kind {kind!r}), so its tokenizer is not available "
                         "here: give --tokenizer, the watermarking model's name or local spec (e.g. "
                         "llamacpp:smollm2)")
    chosen = key_for_run(run, secret, model, gamma=gamma, delta=delta, context=context)
    row = radioactivity_scores(run.responses, chosen.key, load_tokenizer(spec), [model]).iloc[0].to_dict()
    detected = bool(row["n_scored"]) and row["p_value"] < alpha
    if as_json:
        _print_json({"run": str(run_dir), "model": model, "tokenizer": spec, "watermark": chosen.key.settings(),
                     "settings_from": chosen.source, "alpha": alpha, "detected": detected, "score": row,
                     "warnings": list(chosen.warnings)})
        return
    _print_warnings(chosen.warnings)
    _print_settings(chosen, spec)
    out.print(_score_table([row]))
    verdict = "watermark detected" if detected else "watermark not detected"
    out.print(f"{verdict} at p < {alpha:g} (p = {_p(row['p_value'])}, {row['n_scored']} scored tuples)",
              highlight=False)
    _print_few(row)


@watermark_app.command("radioactivity")
def _radioactivity(
    run_dir: _RunDir,
    suspect: Annotated[str, typer.Option("--suspect", "-S", help="The model under suspicion.")],
    key: _Key,
    tokenizer: Annotated[str, typer.Option("--tokenizer", "-t", help="The key owner R's tokenizer: R's name in "
                         "the run (a local model) or a local spec (llamacpp:NAME|PATH.gguf, hf:PATH).")],
    control: Annotated[list[str] | None, typer.Option("--control", "-C", help="Control model (repeatable; "
                       "default: every other model of the run).")] = None,
    filter_run: Annotated[Path | None, typer.Option("--filter", help="A run holding your own watermarked "
                          "outputs (made with `forensics run --watermark` and this key): score only tuples "
                          "whose context occurs there, where a student can have learnt the bias (Sander "
                          "et al.'s filter; the p-value stays exact).")] = None,
    gamma: _Gamma = None,
    delta: _Delta = None,
    context: _Context = None,
    alpha: _Alpha = DEFAULT_ALPHA,
    as_json: _Json = False,
) -> None:
    """Was the suspect trained on text watermarked with this key? (Sander et al. 2024)

    A model trained on R's watermarked outputs writes with a small bias toward R's green
    tokens. The suspect's texts are scored under R's key and tokenizer, each distinct (context,
    token) tuple once; every other model is scored the same way as a control, so you see the
    null (their p-values should look uniform). Models the run records as generating with this
    key are marked `watermarked`, not controls. Verdict at --alpha (default 0.01).
    """
    from forensics.backends import load_tokenizer
    from forensics.evidence import (
        key_for_run,
        model_watermark,
        radioactivity_table,
        require_models,
        tokenizer_spec,
        watermarked_contexts,
    )
    from forensics.store import load_run
    from forensics.watermark import load_key

    secret = load_key(key)
    run = load_run(run_dir)
    require_models(run, [suspect, *(control or [])])
    spec = tokenizer_spec(run, tokenizer)
    chosen = key_for_run(run, secret, gamma=gamma, delta=delta, context=context)
    tokenize = load_tokenizer(spec)
    contexts = watermarked_contexts(load_run(filter_run), chosen.key, tokenize) if filter_run else None
    table = radioactivity_table(run, suspect, chosen.key, tokenize, control or None, contexts)
    rows = table.to_dict("records")
    s = rows[0]
    detected = bool(s["n_scored"]) and s["p_value"] < alpha
    flagged = [r["model"] for r in rows if r["role"] == "control" and r["n_scored"] and r["p_value"] < alpha]
    warnings = list(chosen.warnings)
    if (own := model_watermark(run, suspect)) and own["key_sha256"] == secret.key_sha256:
        warnings.append(f"the run records {suspect} as generating with this key itself: a detection is "
                        "its own watermark, not radioactivity")
    warnings += [f"control {m} also shows this key's bias at p < {alpha:g}: is it really independent of "
                 "the key's watermarked text?" for m in flagged]
    if as_json:
        _print_json({"run": str(run_dir), "suspect": suspect, "tokenizer": spec,
                     "watermark": chosen.key.settings(), "settings_from": chosen.source, "alpha": alpha,
                     "filter_contexts": None if contexts is None else len(contexts),
                     "detected": detected, "rows": rows, "controls_detected": flagged,
                     "warnings": warnings, "caveat": CAVEAT})
        return
    _print_warnings(warnings)
    _print_settings(chosen, spec)
    if contexts is not None:
        out.print(f"filter: only tuples after one of {len(contexts)} context windows of your watermarked "
                  "outputs (--filter)", highlight=False)
    out.print(_score_table(rows, roles=True))
    roles = {r["role"] for r in rows}
    out.print("controls: the same test on models that never saw this key's text; their p-values show "
              "the null." if "control" in roles else "no controls: nothing shows the null here",
              highlight=False)
    if "watermarked" in roles:
        out.print("watermarked: the run records it generating with this key (the source, not a control)",
                  highlight=False)
    if detected:
        out.print(f"radioactive at alpha {alpha:g}: {_safe(suspect[:40])}'s texts carry this key's green bias "
                  f"(p = {_p(s['p_value'])})", highlight=False)
    else:
        out.print(f"not detected at alpha {alpha:g}: {_safe(suspect[:40])}'s texts show no green bias under this "
                  f"key (p = {_p(s['p_value'])})", highlight=False)
    _print_few(s)
    for line in textwrap.wrap("caveat: " + CAVEAT, width=98):
        out.print(line, highlight=False, markup=False)


def _p(p: float) -> str:
    return "<1e-300" if p == 0 else f"{p:.3g}"


def _num(x: float, spec: str) -> str:
    return "—" if math.isnan(x) else format(x, spec)


def _score_table(rows: list[dict], *, roles: bool = False) -> Table:
    cols = (["role"] if roles else []) + ["model", "texts", "tokens", "scored tuples", "green share", "z", "p"]
    t = Table(*cols)
    for r in rows:
        t.add_row(*([r["role"]] if roles else []), _safe(str(r["model"])[:40]), str(r["n_texts"]),
                  str(r["n_tokens"]), str(r["n_scored"]), _num(r["green_share"], ".3f"),
                  _num(r["z"], "+.2f"), _p(r["p_value"]))
    return t


def _print_settings(chosen: RunKey, spec: str) -> None:
    k = chosen.key
    where = "as the run recorded for this key" if chosen.source == "run" else "from the options"
    out.print(f"key SHA-256 {k.key_sha256[:16]}…, gamma {k.gamma:g}, delta {k.delta:g}, context {k.context} "
              f"({where})", highlight=False)
    out.print(f"tokenizer: {_safe(spec[:80])}", highlight=False)


def _print_warnings(warnings: list[str] | tuple[str, ...]) -> None:
    """Each warning wrapped to 98 columns (each piece made safe on its own: names are untrusted)."""
    for w in warnings:
        pieces = textwrap.wrap(w, width=89, break_long_words=False, break_on_hyphens=False) or [""]
        err.print(f"[yellow]warning:[/] {_safe(pieces[0])}", highlight=False)
        for piece in pieces[1:]:
            err.print(f"  {_safe(piece)}", highlight=False)


def _print_few(row: dict) -> None:
    if row["n_scored"] < 50:
        out.print(f"only {row['n_scored']} scored tuples: too few to find a weak bias (store longer or "
                  "more texts)", highlight=False)


def _print_json(payload: dict) -> None:
    sys.stdout.write(json.dumps(_finite(payload), ensure_ascii=False, indent=1) + "\n")


def _finite(x: object) -> object:
    """NaN and infinities as null (JSON has neither); numpy scalars as Python numbers."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
