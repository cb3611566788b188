"""The likelihood-ratio model behind `evidence`: per analysis, per family, combined; verbal scale.

Model (stated again in every Verdict's reasons):
1. Per analysis, H2 says S's statistic and the k controls' statistics (each control scored as if
   it were the suspect) are i.i.d. normal; H1 says S's is shifted toward R by delta null-SDs,
   delta ~ HalfNormal(tau), or delta = 0 (no trace in this analysis) with probability
   null_mass (per family). The null SD is unknown (Jeffreys prior, floored by the bootstrap SE
   implied by the analysis' CI, or by the statistic's exact null SD where the catalogue gives
   one), so the per-analysis LR is a ratio of predictive densities: it is bounded and small when
   there are few controls. Where the statistic's null SD is known exactly (a z-score under a
   watermark key it never saw has SD 1), that SD is not estimated: the predictives are normal,
   so an exact null gives strong evidence from few controls. Each analysis' log10 LR is capped at ±cap.
2. Analyses of one family (e.g. the similarity measures) read the same evidence: the family's
   log10 LR is the mean of its members (exact under perfect correlation, conservative otherwise).
3. Families that read the same texts (similarity, stylometry, attribution) form one group with
   an assumed pairwise correlation rho: group log10 LR = n_eff × mean of family log10 LRs,
   n_eff = m / (1 + (m - 1) rho). Groups (texts, error patterns, self-identification) are
   assumed conditionally independent given H1 or H2, and their log10 LRs add, capped at ±cap_total.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from forensics.analysis import AnalysisResult, log10_bayes_factor, null_scale

BANDS = ((2.0, 1, "no"), (10.0, 2, "weak"), (100.0, 3, "moderate"), (1e3, 4, "moderately strong"),
         (1e4, 5, "strong"), (1e6, 6, "very strong"), (math.inf, 7, "extremely strong"))
_REL_TOL = 1e-9


def _catalogue_null_masses() -> dict[str, float]:
    """Each family's own P(no trace | H1), where the analysis catalogue gives one (largest first)."""
    from forensics.analysis.catalogue import FAMILIES

    own = [f for f in FAMILIES if f.null_mass is not None]
    return {f.name: f.null_mass for f in sorted(own, key=lambda f: (-f.null_mass, f.name))}


def _catalogue_groups() -> dict[str, tuple[str, ...]]:
    """Families that read the same texts, grouped as the analysis catalogue says."""
    from forensics.analysis.catalogue import FAMILIES

    groups: dict[str, list[str]] = {}
    for f in FAMILIES:
        if f.group:
            groups.setdefault(f.group, []).append(f.name)
    return {g: tuple(names) for g, names in groups.items()}


@dataclass(frozen=True)
class LRModel:
    """Constants of the likelihood-ratio model (see the module docstring)."""

    tau: float = 3.0  # H1 prior scale of S's shift toward R, in between-model SDs
    null_mass: float = 0.3  # H1 prior probability that distillation leaves no trace in an analysis
    # ... per family where that differs: distillers often rename their model, and a student
    # need not inherit its teacher's mistakes on every kind of question.
    null_mass_by_family: Mapping[str, float] = field(default_factory=lambda: _catalogue_null_masses())
    cap_analysis: float = 2.0  # |log10 LR| of one analysis
    cap_total: float = 6.0  # |log10 LR| of the combination
    # assumed correlation between families of one group: on real chat-model outputs the text
    # families' statistics correlate at r ~ 0.9 across models, so rho errs on the high side
    rho: float = 0.8
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _catalogue_groups())

    def to_dict(self) -> dict:
        """JSON-ready constants."""
        d = asdict(self)
        d["groups"] = {k: list(v) for k, v in self.groups.items()}
        d["null_mass_by_family"] = dict(self.null_mass_by_family)
        return d

    def null_mass_of(self, family: str) -> float:
        """P(no trace in this analysis | H1) for a family."""
        return float(self.null_mass_by_family.get(family, self.null_mass))

    def group_of(self, family: str) -> str:
        """The dependence group of a family (a family outside every group is its own group)."""
        return next((g for g, fams in self.groups.items() if family in fams), family)


def verbal_scale(lr: float) -> tuple[int, str]:
    """ENFSI band of a likelihood ratio >= 0: (level 1-7, label); edges belong to the upper band."""
    for edge, level, label in BANDS:
        if lr < edge * (1.0 - _REL_TOL):
            return level, label
    return BANDS[-1][1], BANDS[-1][2]


def wording(log10_lr: float) -> tuple[int, str]:
    """Signed level (negative = support for H2) and the ENFSI sentence for a log10 LR."""
    if not np.isfinite(log10_lr):
        return 1, "The findings provide no support for H1 rather than H2."
    if log10_lr >= 0:
        level, label = verbal_scale(10.0 ** log10_lr)
        return level, f"The findings provide {label} support for H1 rather than H2."
    level, label = verbal_scale(10.0 ** -log10_lr)
    if level == 1:
        return 1, "The findings provide no support for H1 rather than H2 (nor for H2 rather than H1)."
    return -level, f"The findings provide {label} support for H2 rather than H1."


def _analysis_floor(res: AnalysisResult) -> float:
    """Sampling-noise floor of the null SD: the statistic's known SD under H2 where the catalogue
    gives one (e.g. a z-score whose CI is on another scale), else the SE implied by the 95% CI."""
    from forensics.analysis.catalogue import analysis_info

    info = analysis_info(res.name)
    if info is not None and info.null_sd is not None:
        return float(info.null_sd)
    width = res.ci_high - res.ci_low
    return float(width / (2 * 1.96)) if np.isfinite(width) and width > 0 else 0.0


def _sd_known(res: AnalysisResult) -> bool:
    """Whether the catalogue gives the statistic's exact SD under H2 (then it is not estimated)."""
    from forensics.analysis.catalogue import analysis_info

    info = analysis_info(res.name)
    return info is not None and info.null_sd is not None


def _analysis_log10_lr(statistic: float, control_stats: Sequence[float], floor: float,
                      model: LRModel, family: str = "", sd_known: bool = False) -> float:
    """Capped log10 LR of one analysis."""
    raw = log10_bayes_factor(statistic, control_stats, floor=floor, tau=model.tau,
                             null_mass=model.null_mass_of(family), sd_known=sd_known)
    return float(np.clip(raw, -model.cap_analysis, model.cap_analysis))


def _combine(rows: pd.DataFrame, model: LRModel) -> tuple[float, pd.Series, pd.DataFrame]:
    """Combine per-analysis log10 LRs (columns analysis, family, log10_lr) into the total.

    Returns the capped total, each analysis' contribution (summing to the uncapped total) and a
    per-family table.
    """
    if rows.empty:
        return 0.0, pd.Series(dtype=float), pd.DataFrame(columns=["family", "group", "log10_lr"])
    fam = rows.groupby("family", sort=True)["log10_lr"].agg(["mean", "size"])
    fam["group"] = [model.group_of(f) for f in fam.index]
    weights = {}
    for group, members in fam.groupby("group"):
        m = len(members)
        n_eff = m / (1.0 + (m - 1) * model.rho)
        for f, size in members["size"].items():
            weights[f] = n_eff / (m * size)
    contrib = rows["log10_lr"] * rows["family"].map(weights)
    total = float(np.clip(contrib.sum(), -model.cap_total, model.cap_total))
    fam_table = pd.DataFrame({"family": fam.index, "group": fam["group"].to_numpy(),
                              "n_analyses": fam["size"].to_numpy(), "log10_lr": fam["mean"].to_numpy(),
                              "weight": [weights[f] * s for f, s in fam["size"].items()]})
    fam_table["contribution"] = fam_table["log10_lr"] * fam_table["weight"]
    return total, contrib, fam_table.reset_index(drop=True)


def _total_for(results: Sequence[tuple[AnalysisResult, str]], model: LRModel,
              drop: str | None = None, as_suspect: str | None = None) -> float:
    """Combined log10 LR, optionally without control `drop`, or with control `as_suspect` as S."""
    rows = []
    for res, family in results:
        ctrl = dict(res.control_statistics)
        stat = res.statistic
        if as_suspect is not None:
            stat = ctrl.pop(as_suspect, np.nan)
        if drop is not None:
            ctrl.pop(drop, None)
        known = _sd_known(res)
        if len(ctrl) < (1 if known else 2) or not np.isfinite(stat):
            continue  # an estimated null SD needs two controls, a known one a single control
        rows.append({"analysis": res.name, "family": family,
                     "log10_lr": _analysis_log10_lr(stat, list(ctrl.values()), _analysis_floor(res),
                                                   model, family, known)})
    return _combine(pd.DataFrame(rows), model)[0] if rows else 0.0


def _null_summary(res: AnalysisResult) -> tuple[float, float, float]:
    """Mean, SD (floored) of the control statistics and S's standardised distance from them."""
    c = np.asarray([v for v in res.control_statistics.values() if np.isfinite(v)], dtype=float)
    if c.size < 2:
        return float("nan"), float("nan"), float("nan")
    sd = null_scale(c, _analysis_floor(res))
    return float(c.mean()), sd, float((res.statistic - c.mean()) / sd)
