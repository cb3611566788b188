"""`forensics analyze` and `forensics rank`: the suspect against each candidate reference and the
controls, with the calibrated LR; `--panel DIR` joins a labelled panel of transcripts to the run first."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from forensics.core import InputError

from ._app import RunDir, _argv, app
from ._display import _print_verdicts, _progress_printer, _safe, err, out


def _analyze(
    run_dir: RunDir,
    suspect: Annotated[str, typer.Option("--suspect", "-S", help="The model under suspicion.")],
    reference: Annotated[list[str], typer.Option("--reference", "-R", help="Candidate teacher (repeatable: ranks "
                         "them). Default with --labels: the labels' references that have answers in the run.")] = [],
    control: Annotated[list[str], typer.Option("--control", "-C", help="Independent control (repeatable; default: every other model).")] = [],
    seed: Annotated[int, typer.Option(help="Seed for permutations and bootstraps.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the evidence as JSON.")] = False,
    jobs: Annotated[int, typer.Option(min=0, help="Processes when ranking 3+ references (0: every core). Same numbers either way.")] = 0,
    labels: Annotated[Path | None, typer.Option("--labels", help="Lineage labels (YAML): each reference's controls are "
                      "the models documented as independent of it and unrelated to the suspect.")] = None,
    panel: Annotated[Path | None, typer.Option("--panel", help="A labelled panel: a folder of AlpacaEval "
                     "model_outputs.json files, one per model, named after it (e.g. shared/data/alpaca_eval). Each "
                     "is imported into the run once (its SHA-256 recorded; rerunning imports nothing) and joins as a "
                     "control and candidate reference. Needs --labels.")] = None,
    wm_key: Annotated[Path | None, typer.Option("--watermark-key", help="The reference's watermark key file: test "
                      "whether the suspect's texts carry its green-list bias (radioactivity). Only its SHA-256 is stored.")] = None,
    wm_tokenizer: Annotated[str | None, typer.Option("--watermark-tokenizer", help="The reference's local model spec "
                            "whose tokenizer the key's green lists use, e.g. llamacpp:qwen2.5-coder-0.5b (needed with the key).")] = None,
    wm_reference: Annotated[str | None, typer.Option("--watermark-reference", help="Which reference the key belongs "
                            "to (default: the only --reference).")] = None,
    wm_gamma: Annotated[float, typer.Option("--watermark-gamma", help="The key's green share of the vocabulary.")] = 0.25,
    wm_delta: Annotated[float, typer.Option("--watermark-delta", help="The key's logit bias (recorded only).")] = 2.0,
    wm_context: Annotated[int, typer.Option("--watermark-context", help="The key's context width h (tokens).")] = 1,
    calibration: Annotated[Path | None, typer.Option("--calibration", help="A calibration file (`validate --fit`) "
                           "for the verdict's LR; default: the shipped one, fitted on the AlpacaEval dev panel. With "
                           "--labels the run's own labelled pairs come first.")] = None,
) -> None:
    """Test the suspect against each reference and the controls; store the evidence; print the verdict.

    The verdict's LR comes from the first calibration that applies: the run's own labelled panel (--labels,
    leaving the suspect's lineage out), else the calibration file, else the hand-set model; it says which.
    With --panel DIR --labels FILE the panel's models join the run (imported once) as controls and,
    with no --reference, the labels' references are the candidates.
    """
    from forensics.evidence import load_labels, rank

    if panel is not None and labels is None:
        raise InputError("--panel needs --labels: the panel's lineage labels (e.g. DIR/labels.yaml) choose each "
                         "reference's controls and calibrate the LR")
    if not reference and labels is None:
        raise InputError("give at least one --reference, or --labels (with --panel) to rank the labels' references")
    lab = load_labels(labels) if labels else None
    if panel is not None:
        _join_panel(run_dir, panel, suspect, as_json)
    watermark = _watermark_evidence(wm_key, wm_tokenizer, wm_reference, reference, wm_gamma, wm_delta, wm_context)
    with _progress_printer() as progress:
        table = rank(run_dir, suspect, reference or None, control or None, seed=seed, jobs=jobs, labels=lab,
                     progress=progress, watermark=watermark,
                     calibration="shipped" if calibration is None else calibration)
    if as_json:
        payload = [row["evidence"].to_dict() | {"rank": int(row["rank"])} for _, row in table.iterrows()]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
        return
    _print_verdicts(table)


app.command("analyze")(_analyze)
app.command("rank", help="Rank candidate references for the suspect (the same as `analyze`). With --panel DIR "
            "--labels FILE and no --reference, the candidates are the labels' references the panel brings; "
            "each verdict says which calibration gave its LR.")(_analyze)


def _join_panel(run_dir: Path, panel: Path, suspect: str, quiet_stdout: bool) -> None:
    """Import the panel into the run (each file once), with a progress bar; say what was done."""
    from forensics.collect import import_panel, panel_files
    from forensics.store import RunStore

    if not (Path(run_dir) / "run.sqlite").exists():
        raise InputError(f"{run_dir}: not a run directory (no run.sqlite); collect the suspect first "
                         f"(`forensics run --suite alpaca_eval ...`) or import its transcripts")
    with RunStore(run_dir) as store:
        known = {m["name"] for m in store.models()}
    if suspect not in known and suspect not in {p.stem for p in panel_files(panel)}:
        raise InputError(f"model {suspect!r} is not in {run_dir} (models: {', '.join(sorted(known)) or 'none'})")
    with _progress_printer() as progress:
        s = import_panel(panel, run_dir, progress=progress, command=_argv())
    changed = f"; {len(s['changed'])} changed since last time, imported again ({', '.join(s['changed'])})" \
        if s["changed"] else ""
    (err if quiet_stdout else out).print(
        f"panel {_safe(panel)}: {s['files']} models; {len(s['imported'])} imported into the run, "
        f"{len(s['unchanged'])} already there{_safe(changed)}", highlight=False)


def _watermark_evidence(key: Path | None, tokenizer: str | None, owner: str | None, references: list[str],
                        gamma: float, delta: float, context: int):
    """The `--watermark-*` options as a WatermarkEvidence (None without a key)."""
    if key is None:
        if tokenizer or owner:
            raise InputError("--watermark-tokenizer and --watermark-reference need --watermark-key")
        return None
    from forensics.backends import load_tokenizer
    from forensics.evidence import WatermarkEvidence
    from forensics.watermark import load_key

    if not tokenizer:
        raise InputError("--watermark-key needs --watermark-tokenizer: the reference's local model spec "
                         "(e.g. llamacpp:qwen2.5-coder-0.5b), whose tokenizer the green lists are defined over")
    if owner is None:
        if len(references) != 1:
            raise InputError("with several --reference (or none), say whose key it is with --watermark-reference")
        owner = references[0]
    if references and owner not in references:
        raise InputError(f"--watermark-reference {owner!r} is not one of the --reference models")
    return WatermarkEvidence(owner, load_key(key, gamma=gamma, delta=delta, context=context),
                             load_tokenizer(tokenizer), tokenizer)
