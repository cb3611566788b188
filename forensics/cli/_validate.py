"""`forensics validate`: the method's error rates on a labelled panel (cross-validated LRs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ._app import RunDir, app
from ._display import _progress_printer, _safe, out


@app.command("validate")
def _validate(
    run_dir: RunDir,
    labels: Annotated[Path, typer.Option("--labels", help="Lineage labels of the run's models (YAML).")],
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write every pair's LR and the figures as JSON.")] = None,
    html_out: Annotated[Optional[Path], typer.Option("--html", help="Write a validation page with Tippett and ECE plots.")] = None,
) -> None:
    """Cross-validated log10 LR of every labelled pair, and Cllr, Cllr_min, EER, AUC, misleading evidence.

    Each pair's LR comes from a calibration fitted on the pairs that share no lineage group
    with its suspect or reference, so no pair is scored by a calibration that saw it.
    """
    from forensics.evidence import load_labels, validate_panel
    from forensics.store import load_run

    lab = load_labels(labels)
    run = load_run(run_dir)
    with _progress_printer() as progress:
        result = validate_panel(run.responses, lab, progress=progress)
    s = result.summary
    t = Table("figure", "value", title=f"validation on {s['n_h1']} H1 and {s['n_h2']} H2 pairs")
    for key in ("cllr", "cllr_min", "cllr_cal", "eer", "roc_auc"):
        t.add_row(key, f"{s[key]:.3f}" if s.get(key) is not None else "—")
    for key in ("rate_misleading_for_h1", "rate_misleading_for_h2", "median_h1_log10_lr", "min_h1_log10_lr",
                "max_h2_log10_lr", "min_same_log10_lr", "null2_share_lr_above_1", "null2_share_p_below_05"):
        v = s.get(key)
        t.add_row(key, f"{v:+.2f}" if isinstance(v, float) and "log10" in key else
                  f"{v:.3f}" if isinstance(v, float) else "—")
    t.add_row("teacher_top1", f"{s['teacher_top1']} of {s['teacher_top1_of']}")
    out.print(t)
    if json_out:
        json_out.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n")
        out.print(f"validation JSON: {_safe(json_out)}")
    if html_out:
        from forensics.report import write_validation_page

        out.print(f"validation page: {_safe(write_validation_page(result, html_out))}")
