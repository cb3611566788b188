"""What the analyses prove: tests against controls, Holm, a calibrated likelihood ratio, a verdict.

H1: "S was trained on R's outputs"; H2: "S was developed independently of R". Every analysis
scores S's closeness to R against the controls' (each control scored as if it were the suspect,
against the other controls); those control scores are the null sample under H2. The LR model,
its assumptions and the caps are in `forensics._likelihood`; they are repeated in the reasons of
every Verdict. A verdict is "inconclusive" below explicit minimums or when the controls disagree.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from ._evidence_io import evidence_from_dict, evidence_to_dict
from ._likelihood import (LRModel, analysis_floor, analysis_log10_lr, combine, null_summary,
                          total_for, wording)
from .analysis._corpus import one_blas_thread
from .analysis._result import AnalysisResult
from .analysis._stats import holm

# The analyses `analyze_responses` runs: (family, function or "module:function"). A function takes
# (df, suspect, reference, controls, **options) and returns an AnalysisResult or a list of them;
# options it does not declare are not passed. Missing modules are skipped (noted in settings).
REGISTRY: list[tuple[str, Callable | str]] = [
    ("similarity", "forensics.analysis.similarity:similarity_analyses"),
    ("stylometry", "forensics.analysis.stylometry:stylometry_analyses"),
    ("attribution", "forensics.analysis.attribution:attribution_analysis"),
    ("errors", "forensics.analysis.errors:error_patterns"),
    ("identity", "forensics.analysis.identity:identity_test"),
]

# Families of analyses whose names carry no "family." prefix.
KNOWN_FAMILIES = {"error_consistency": "errors", "shared_wrong_answers": "errors",
                  "identity": "identity"}

CANNOT_SEPARATE = (
    "S being R itself, re-hosted or lightly fine-tuned from R's weights (this looks like, or "
    "stronger than, distillation)",
    "S and R sharing a base model or model family",
    "S and R trained on the same public data, including public datasets of R's outputs that S's "
    "developers may have used without distilling R deliberately",
)


@dataclass(frozen=True)
class Minimums:
    """Below these the verdict is inconclusive (scorable probes only gate the error analyses)."""

    controls: int = 2
    probes: int = 30
    scorable_probes: int = 20


@dataclass
class Verdict:
    """The conclusion: ENFSI level (negative = support for H2, 0 = inconclusive) and wording."""

    level: int
    log10_lr: float
    wording: str
    reasons: list[str]
    propositions: dict[str, str]
    inconclusive: bool


@dataclass
class Evidence:
    """Everything `assess` concluded, JSON round-trippable with `to_dict` / `from_dict`."""

    verdict: Verdict
    summary: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    exhibits: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-safe dict (NaN as null)."""
        return evidence_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Evidence:
        """Inverse of `to_dict`."""
        return evidence_from_dict(cls, Verdict, data)


def _propositions(suspect: str, reference: str, controls: Sequence[str]) -> dict[str, str]:
    """H1 and H2 in words."""
    return {"H1": f"{suspect} was trained on outputs of {reference} (distillation).",
            "H2": f"{suspect} was developed independently of {reference}: it resembles "
                  f"{reference} no more than independent models ({', '.join(controls)}) do."}


def _assumptions(model: LRModel) -> list[str]:
    """The LR model's assumptions, in words."""
    return [
        "Assumption: per analysis, the suspect's and the controls' statistics are normal with a "
        "common unknown spread under H2; under H1 the suspect is shifted toward R by a "
        f"half-normal(scale {model.tau:g}) number of between-model SDs, except that with "
        f"probability {model.null_mass:g} (" + ", ".join(
            f"{f} {v:g}" for f, v in model.null_mass_by_family.items()) + ") distillation "
        "leaves no trace in that analysis. The controls' spread is "
        "floored at the analysis' sampling SE, so few controls bound the LR.",
        f"Assumption: each analysis' log10 LR is capped at ±{model.cap_analysis:g}; analyses of one "
        "family are averaged (treated as fully dependent).",
        "Assumption: families reading the same texts (" + ", ".join(
            f"{g}: {'/'.join(f)}" for g, f in model.groups.items()) + f") are correlated "
        f"(rho = {model.rho:g}, effective count m/(1+(m-1)rho)); other groups are treated as "
        f"independent given H1 or H2; the total is capped at ±{model.cap_total:g}.",
    ]


def assess(results: Sequence[AnalysisResult], *, suspect: str, reference: str,
           controls: Sequence[str], minimums: Minimums = Minimums(),
           families: dict[str, str] | None = None, n_probes: int | None = None,
           n_scorable: int | None = None, model: LRModel = LRModel(),
           settings: dict | None = None) -> Evidence:
    """Holm across analyses, the combined LR, and a verdict with its reasons and caveats."""
    controls = list(controls)
    families = dict(families or {})
    fam = {r.name: families.get(r.name, KNOWN_FAMILIES.get(r.name, r.name.split(".")[0]))
           for r in results}
    reasons: list[str] = []
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
        mean, sd, z = null_summary(r) if r.name not in skipped else (np.nan,) * 3
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
    llr = {r.name: analysis_log10_lr(r.statistic, list(r.control_statistics.values()),
                                     analysis_floor(r), model, f) for r, f in usable}
    summary["log10_lr"] = summary["analysis"].map(llr).astype(float)
    lr_rows = pd.DataFrame([{"analysis": r.name, "family": f, "log10_lr": llr[r.name]}
                            for r, f in usable], columns=["analysis", "family", "log10_lr"])
    total, contrib, fam_table = combine(lr_rows, model)
    summary["log10_lr_contribution"] = summary["analysis"].map(
        dict(zip(lr_rows["analysis"], contrib)) if len(lr_rows) else {}).astype(float)

    if n_probes is None:  # called without the frame: the largest analysis sample stands in
        n_probes = max((r.n for r, _ in usable), default=0)
    # Robustness: drop each control; score each control as if it were the suspect.
    loo = {c: total_for(usable, model, drop=c) for c in controls}
    as_s = {c: total_for(usable, model, as_suspect=c) for c in controls}
    inconclusive = _inconclusive_reasons(total, usable, controls, loo, as_s, minimums, n_probes,
                                         suspect, reference)
    reasons += inconclusive
    level, text = wording(total)
    if inconclusive:
        level, text = 0, ("Inconclusive: " + inconclusive[0] + f" (the computed log10 LR {total:+.2f} "
                          "is not interpretable).")
    reasons.append(f"Combined log10 LR {total:+.2f} from {len(usable)} analyses in "
                   f"{len(fam_table)} families: " + ", ".join(
                       f"{f} {v:+.2f}" for f, v in zip(fam_table["family"], fam_table["log10_lr"])))
    reasons.append("Controls scored as if each were the suspect reach log10 LR "
                   + ", ".join(f"{c} {v:+.2f}" for c, v in as_s.items())
                   + "; this is what an independent model looks like here.")
    for name, why in skipped.items():
        reasons.append(f"Not used: {name}: {why}")
    reasons += _assumptions(model)
    reasons += [f"Cannot separate distillation from: {c}." for c in CANNOT_SEPARATE]
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


def _resolve(target: Callable | str) -> Callable | None:
    """A registry entry's function, or None when its module or attribute does not exist."""
    if callable(target):
        return target
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return None


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


_DEFAULT_EMBEDDER = None


def default_embed() -> Callable[[list[str]], np.ndarray]:
    """The bundled all-MiniLM-L6-v2 embedder (memory cache only), created once per process."""
    global _DEFAULT_EMBEDDER
    if _DEFAULT_EMBEDDER is None:
        from .embeddings import Embedder

        _DEFAULT_EMBEDDER = Embedder(None)
    return _DEFAULT_EMBEDDER.embed


def _shared_counts(df: pd.DataFrame, models: Sequence[str]) -> tuple[int, int]:
    """Probes answered by every model, and how many of them are scorable (have an answer)."""
    sub = df[df["model"].isin(list(models))]
    per = sub.groupby("probe_id")["model"].nunique()
    shared = set(per.index[per == len(set(models))])
    if "answer" not in df.columns:
        return len(shared), 0
    scor = set(sub.loc[sub["answer"].notna() & sub["probe_id"].isin(shared), "probe_id"])
    return len(shared), len(scor)


@one_blas_thread
def analyze_responses(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str], *,
                      embed: Callable[[list[str]], np.ndarray] | None | bool = None, seed: int = 0,
                      minimums: Minimums = Minimums(), model: LRModel = LRModel(),
                      n_perm: int = 2000, n_boot: int = 1000, cache: dict | None = None,
                      registry: Sequence[tuple[str, Callable | str]] | None = None) -> Evidence:
    """Run every registered analysis of S against R and the controls, then `assess`.

    `embed`: a texts → unit-vector function; None uses the bundled MiniLM (`default_embed`),
    False skips the embedding measures. `cache`: a dict reused across calls on the same frame
    (e.g. by `rank_references`) so texts are embedded and vectorised once.
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
    options = {"embed": embed_fn, "seed": seed, "cache": cache, "n_perm": n_perm, "n_boot": n_boot}
    results: list[AnalysisResult] = []
    families: dict[str, str] = {}
    ran, absent = [], []
    for family, target in (REGISTRY if registry is None else registry):
        fn = _resolve(target)
        if fn is None:
            absent.append(str(target))
            continue
        ran.append(getattr(fn, "__qualname__", str(target)))
        for res in _call(fn, df, suspect, reference, controls, options):
            families[res.name] = family
            results.append(res)
    n_probes, n_scorable = _shared_counts(df, [suspect, reference, *controls])
    settings = {"seed": seed, "n_perm": n_perm, "n_boot": n_boot, "analyses_run": ran,
                "analyses_unavailable": absent, "embedding": getattr(embed_fn, "__qualname__", None)}
    return assess(results, suspect=suspect, reference=reference, controls=controls,
                  minimums=minimums, families=families, n_probes=n_probes, n_scorable=n_scorable,
                  model=model, settings=settings)


def rank_references(df: pd.DataFrame, suspect: str, references: Sequence[str],
                    controls: Sequence[str], *, others_as_controls: bool = True, jobs: int = 1,
                    **kwargs) -> pd.DataFrame:
    """Evidence for each candidate reference Rk; its controls are the controls plus the other
    references (never S). Sorted by log10 LR, most supported first; column `evidence` holds each
    Evidence. `others_as_controls=False` keeps the other candidates out of Rk's controls.
    `jobs` > 1 assesses the candidates on that many processes (same numbers).
    Keyword arguments go to `analyze_responses`."""
    from ._parallel import analyze_pairs

    triples = []
    for ref in references:
        pool = [*controls, *references] if others_as_controls else list(controls)
        triples.append((suspect, ref, [c for c in dict.fromkeys(pool) if c not in (suspect, ref)]))
    rows = []
    for (_, ref, ctrl), ev in zip(triples, analyze_pairs(df, triples, jobs=jobs, **kwargs)):
        p = ev.summary["p_holm"].dropna()
        rows.append({"suspect": suspect, "reference": ref, "level": ev.verdict.level,
                     "log10_lr": ev.verdict.log10_lr, "wording": ev.verdict.wording,
                     "inconclusive": ev.verdict.inconclusive,
                     "min_p_holm": float(p.min()) if len(p) else np.nan,
                     "controls": ", ".join(ctrl), "evidence": ev})
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values("log10_lr", ascending=False, kind="mergesort").reset_index(drop=True)
        out.insert(2, "rank", np.arange(1, len(out) + 1))
    return out
