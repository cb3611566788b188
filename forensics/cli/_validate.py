"""`forensics validate`: the method's error rates on a labelled panel (cross-validated LRs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ._app import RunDir, app
from ._display import _progress_printer, _safe, out

_ROWS = ("cllr", "cllr_min", "cllr_cal", "roc_auc", "eer", "h2_lr_above_1", "h2_lr_above_10", "h1_lr_below_1",
         "median_h1_log10_lr", "min_h1_log10_lr", "max_h2_log10_lr", "min_same_log10_lr", "teacher_top1",
         "null2_share_lr_above_1", "null2_share_p_below_05")


def _cell(s: dict, key: str) -> str:
    v = s.get(key)
    if isinstance(v, dict):
        return f"{v['k_sources']} of {v['n_sources']} (≤ {v['upper_95']:.2f})"
    if key == "teacher_top1":
        return f"{v} of {s.get('teacher_top1_of')}" if v is not None else "—"
    if isinstance(v, float):
        return f"{v:+.2f}" if "log10" in key else f"{v:.3f}"
    return "—"


@app.command("validate")
def _validate(
    run_dir: RunDir,
    labels: Annotated[Path, typer.Option("--labels", help="Lineage labels of the run's models (YAML).")],
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write every pair's LR and the figures as JSON.")] = None,
    html_out: Annotated[Optional[Path], typer.Option("--html", help="Write a validation page with Tippett and ECE plots.")] = None,
    fit: Annotated[Optional[Path], typer.Option("--fit", help="Also fit the fusion and calibration on every labelled "
                                                "pair and write it here (JSON), for `analyze --calibration`.")] = None,
    embed: Annotated[bool, typer.Option("--embed/--no-embed", help="Add the sentence-embedding similarity (bundled "
                                        "MiniLM; each text embedded once, cached in the run).")] = True,
    attribution: Annotated[bool, typer.Option("--attribution/--no-attribution", help="Add the population-trained "
                                              "attribution family: R's classifier against the panel's other "
                                              "models (one fit per reference and lineage; cached in the run).")] = True,
) -> None:
    """Cross-validated log10 LR of every labelled pair, and Cllr, Cllr_min, EER, AUC, misleading evidence.

    Each pair's LR comes from a fusion and calibration fitted on the pairs that share no lineage
    group with its suspect (headline), and, in the second column, none with its reference's family
    either; so no pair is scored by a calibration that saw it. Misleading evidence is counted in
    sources (suspect models), with a one-sided 95% Clopper-Pearson upper limit.
    """
    from forensics._version import __version__
    from forensics.evidence import EMBEDDING_MODEL as MODEL_ID
    from forensics.evidence import Embedder, fit_panel, load_labels, validate_panel
    from forensics.store import load_run

    lab = load_labels(labels)
    run = load_run(run_dir)
    embedder = Embedder(run.path / "cache" / "embeddings") if embed else None
    with _progress_printer() as progress:
        result = validate_panel(run.responses, lab, progress=progress,
                                embed=(lambda texts: embedder.embed(texts, progress=progress)) if embedder else None,
                                embedding=MODEL_ID if embedder else None, cache_dir=run.path / "cache",
                                attribution=attribution)
    s, r = result.summary, result.summary.get("reference_out", {})
    t = Table("figure", "suspect's lineage out", "reference family out too",
              title=f"validation on {s['n_h1']} H1 pairs ({s.get('n_h1_sources', 0)} models) and "
                    f"{s['n_h2']} H2 pairs ({s.get('n_h2_sources', 0)} models)")
    for key in _ROWS:
        t.add_row(key, _cell(s, key), _cell(r, key))
    out.print(t)
    f = s.get("file") or {}
    if f.get("cllr") is not None:
        out.print(f"fused as a calibration file fuses them ({', '.join(x.split('.', 1)[1] for x in f['features'])}): "
                  f"Cllr {f['cllr']:.3f}, Cllr_min {f['cllr_min']:.3f}, AUC {f['roc_auc']:.3f}; reference family "
                  f"out too: Cllr {f['reference_out'].get('cllr', float('nan')):.3f}")
    if json_out:
        json_out.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n")
        out.print(f"validation JSON: {_safe(json_out)}")
    if html_out:
        from forensics.report import write_validation_page

        out.print(f"validation page: {_safe(write_validation_page(result, html_out))}")
    if fit:
        fus = fit_panel(result, {"tool_version": __version__, "labels": str(labels), "run": str(run.path),
                                 "models": result.settings.get("models", []),
                                 "embedding": MODEL_ID if embed else None})
        out.print(f"calibration file: {_safe(fus.save(fit))}")
