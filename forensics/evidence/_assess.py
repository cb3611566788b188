"""What the analyses prove: tests against controls, Holm, a calibrated likelihood ratio, a verdict.

H1: "S was trained on R's outputs"; H2: "S was developed independently of R". Every analysis
scores S's closeness to R against the controls' (each control scored as if it were the suspect,
against the other controls); those control scores are the null sample under H2. The LR model,
its assumptions and the caps are in `_likelihood`; they are repeated in the reasons of every
Verdict. A verdict is "inconclusive" below explicit minimums or when the controls disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

import numpy as np
import pandas as pd

from forensics.analysis import AnalysisResult, holm
from forensics.analysis.catalogue import family_of

from ._likelihood import (
    LRModel,
    _analysis_floor,
    _analysis_log10_lr,
    _combine,
    _null_summary,
    _sd_known,
    _total_for,
    wording,
)
from ._types import Evidence, Minimums, Reason, Verdict

CANNOT_SEPARATE = (
    "S being R itself, re-hosted or lightly fine-tuned from R's weights (this looks like, or "
    "stronger than, distillation)",
    "S and R sharing a base model or model family",
    "S and R trained on the same public data, including public datasets of R's outputs that S's "
    "developers may have used without distilling R deliberately",
)


def _propositions(suspect: str, reference: str, controls: Sequence[str]) -> dict[str, str]:
    """H1 and H2 in words."""
    return {"H1": f"{suspect} derives from {reference}: it was trained on {reference}'s outputs "
                  f"(distillation), or it is {reference}'s weights re-hosted or fine-tuned.",
            "H2": f"{suspect} was developed independently of {reference}: it resembles "
                  f"{reference} no more than independent models ({', '.join(controls)}) do."}


def _assumptions(model: LRModel) -> list[Reason]:
    """The LR model's assumptions, in words."""
    return [Reason("assumption", text) for text in (
        "Assumption: per analysis, the suspect's and the controls' statistics are normal with a "
        "common unknown spread under H2; under H1 the suspect is shifted toward R by a "
        f"half-normal(scale {model.tau:g}) number of between-model SDs, except that with "
        f"probability {model.null_mass:g} (" + ", ".join(
            f"{f} {v:g}" for f, v in model.null_mass_by_family.items()) + ") distillation "
        "leaves no trace in that analysis. The controls' spread is "
        "floored at the analysis' sampling SE, so few controls bound the LR; where the statistic's "
        "null SD is known exactly (1 for the watermark z-score) it is not estimated (the controls' "
        "spread can only raise it), and few controls do not bound that analysis' LR.",
        f"Assumption: each analysis' log10 LR is capped at ±{model.cap_analysis:g}; analyses of one "
        "family are averaged (treated as fully dependent).",
        "Assumption: families reading the same texts (" + ", ".join(
            f"{g}: {'/'.join(f)}" for g, f in model.groups.items()) + f") are correlated "
        f"(rho = {model.rho:g}, effective count m/(1+(m-1)rho)); other groups are treated as "
        f"independent given H1 or H2; the total is capped at ±{model.cap_total:g}.",
    )]


def assess(results: Sequence[AnalysisResult], *, suspect: str, reference: str,
           controls: Sequence[str], minimums: Minimums = Minimums(),
           families: dict[str, str] | None = None, n_probes: int | None = None,
           n_scorable: int | None = None, model: LRModel = LRModel(),
           settings: dict | None = None) -> Evidence:
    """Holm across analyses, the combined LR, and a verdict with its reasons and caveats."""
    controls = list(controls)
    families = dict(families or {})
    fam = {r.name: families.get(r.name, family_of(r.name)) for r in results}
    reasons: list[Reason] = []
    usable: list[tuple[AnalysisResult, str]] = []
    skipped: dict[str, str] = {}
    for r in results:
        finite_ctrl = [v for v in r.control_statistics.values() if np.isfinite(v)]
        if not r.applicable:
            skipped[r.name] = "; ".join(r.notes) or "not applicable"
        elif not np.isfinite(r.statistic) or len(finite_ctrl) < minimums.controls:
            skipped[r.name] = f"needs a statistic and >= {minimums.controls} control statistics"
        elif np.ptp([r.statistic, *finite_ctrl]) <= 1e-12 * max(1.0, abs(r.statistic)):
            skipped[r.name] = "uninformative: the suspect and every control score the same"
        elif fam[r.name] == "errors" and n_scorable is not None and n_scorable < minimums.scorable_probes:
            skipped[r.name] = (f"only {n_scorable} scorable probes shared "
                               f"(minimum {minimums.scorable_probes})")
        else:
            usable.append((r, fam[r.name]))
    rows = []
    for r in results:
        mean, sd, z = _null_summary(r) if r.name not in skipped else (np.nan,) * 3
        rows.append({**r.summary_row(), "family": fam[r.name], "control_mean": mean,
                     "control_sd": sd, "z": z, "applicable": r.name not in skipped,
                     "note": skipped.get(r.name, r.notes[0] if r.notes else "")})
    summary = pd.DataFrame(rows, columns=[
        "analysis", "family", "statistic", "effect", "ci_low", "ci_high", "p_value", "n",
        "applicable", "control_mean", "control_sd", "z", "note"])
    use = summary["applicable"].to_numpy(dtype=bool) if len(summary) else np.zeros(0, bool)
    summary["p_holm"] = np.nan
    if use.any():
        summary.loc[use, "p_holm"] = holm(summary.loc[use, "p_value"].to_numpy(dtype=float))
    llr = {r.name: _analysis_log10_lr(r.statistic, list(r.control_statistics.values()),
                                     _analysis_floor(r), model, f, _sd_known(r)) for r, f in usable}
    summary["log10_lr"] = summary["analysis"].map(llr).astype(float)
    lr_rows = pd.DataFrame([{"analysis": r.name, "family": f, "log10_lr": llr[r.name]}
                            for r, f in usable], columns=["analysis", "family", "log10_lr"])
    total, contrib, fam_table = _combine(lr_rows, model)
    summary["log10_lr_contribution"] = summary["analysis"].map(
        dict(zip(lr_rows["analysis"], contrib)) if len(lr_rows) else {}).astype(float)

    if n_probes is None:  # called without the frame: the largest analysis sample stands in
        n_probes = max((r.n for r, _ in usable), default=0)
    # Robustness: drop each control; score each control as if it were the suspect.
    loo = {c: _total_for(usable, model, drop=c) for c in controls}
    as_s = {c: _total_for(usable, model, as_suspect=c) for c in controls}
    inconclusive = _inconclusive_reasons(total, usable, controls, loo, as_s, minimums, n_probes,
                                         suspect, reference)
    reasons += [Reason("inconclusive", why) for why in inconclusive]
    level, text = wording(total)
    if inconclusive:
        level, text = 0, ("Inconclusive: " + inconclusive[0] + f" (the computed log10 LR {total:+.2f} "
                          "is not interpretable).")
    reasons.append(Reason("combination", f"Combined log10 LR {total:+.2f} from {len(usable)} analyses in "
                          f"{len(fam_table)} families: " + ", ".join(
                              f"{f} {v:+.2f}" for f, v in zip(fam_table["family"], fam_table["log10_lr"]))))
    reasons.append(Reason("robustness", "Controls scored as if each were the suspect reach log10 LR "
                          + ", ".join(f"{c} {v:+.2f}" for c, v in as_s.items())
                          + "; this is what an independent model looks like here."))
    reasons += [Reason("not_used", f"Not used: {name}: {why}") for name, why in skipped.items()]
    reasons += _assumptions(model)
    reasons += [Reason("cannot_separate", f"Cannot separate distillation from: {c}.") for c in CANNOT_SEPARATE]
    verdict = Verdict(level=level, log10_lr=total, wording=text, reasons=reasons,
                      propositions=_propositions(suspect, reference, controls),
                      inconclusive=bool(inconclusive))
    tables = _tables(results, fam_table, loo, as_s, suspect, controls)
    exhibits = [e for r, _ in usable for e in r.exhibits]
    cfg = {"suspect": suspect, "reference": reference, "controls": controls,
           "minimums": asdict(minimums), "lr_model": model.to_dict(), "n_probes": n_probes,
           "n_scorable": n_scorable, **(settings or {})}
    return Evidence(verdict=verdict, summary=summary, tables=tables, exhibits=exhibits, settings=cfg)


def _inconclusive_reasons(total: float, usable: list, controls: list[str], loo: dict[str, float],
                          as_s: dict[str, float], minimums: Minimums, n_probes: int | None,
                          suspect: str, reference: str) -> list[str]:
    """Why the data cannot support a conclusion (empty list when they can)."""
    out = []
    if len(controls) < minimums.controls:
        out.append(f"only {len(controls)} control model(s); at least {minimums.controls} are needed")
    if n_probes is not None and n_probes < minimums.probes:
        out.append(f"only {n_probes} probes answered by every model; at least {minimums.probes} "
                   "are needed")
    if not usable:
        out.append("no analysis could be computed on these data")
    if out:
        return out
    for c, v in loo.items():
        flips = (total >= 1.0 and v < np.log10(2)) or (total <= -1.0 and v > -np.log10(2))
        masks = (v >= 1.0 and v - total >= 1.0) or (v <= -1.0 and total - v >= 1.0)
        if flips or masks:
            out.append(f"the controls disagree: without control {c} the log10 LR would be "
                       f"{v:+.2f} instead of {total:+.2f}, so the conclusion rests on one control")
    if total >= 1.0:
        beaten = [r.name for r, _ in usable
                  if r.statistic <= max(r.control_statistics.values())]
        if len(beaten) * 2 >= len(usable):
            out.append(f"in {len(beaten)} of {len(usable)} analyses some control is at least as "
                       f"close to {reference} as {suspect} is")
        rivals = [c for c, v in as_s.items() if v >= total]
        if rivals:
            out.append(f"control(s) {', '.join(rivals)} look at least as close to {reference} as "
                       f"{suspect} does (possibly related to {reference}); the controls do not "
                       "form a clean null")
    return out


def _tables(results: Sequence[AnalysisResult], fam_table: pd.DataFrame, loo: dict, as_s: dict,
            suspect: str, controls: list[str]) -> dict[str, pd.DataFrame]:
    """Per-analysis tables plus the null (control statistics), families and robustness tables."""
    tables = {r.name: r.table for r in results if isinstance(r.table, pd.DataFrame) and len(r.table)}
    rows = []
    for r in results:
        if np.isfinite(r.statistic):
            rows.append({"analysis": r.name, "model": suspect, "role": "suspect", "statistic": r.statistic})
        rows += [{"analysis": r.name, "model": c, "role": "control", "statistic": v}
                 for c, v in r.control_statistics.items()]
    tables["null"] = pd.DataFrame(rows, columns=["analysis", "model", "role", "statistic"])
    tables["families"] = fam_table
    tables["robustness"] = pd.DataFrame({
        "control": controls, "log10_lr_without_control": [loo.get(c, np.nan) for c in controls],
        "log10_lr_control_as_suspect": [as_s.get(c, np.nan) for c in controls]})
    return tables


