"""Turn per-probe similarities or model-level scores into an AnalysisResult with the shared tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ._corpus import _Corpus, _truncate
from ._result import AnalysisResult, Exhibit
from ._stats import (
    _bootstrap_replicates,
    _loo_statistics,
    _per_probe_differences,
    _percentile_ci,
    _predictive_pvalue,
    _sign_flip_test,
)

N_EXHIBITS = 5


def _not_applicable(name: str, reason: str, n: int = 0) -> AnalysisResult:
    """An AnalysisResult that says the data cannot support the analysis, and why."""
    nan = float("nan")
    return AnalysisResult(name=name, statistic=nan, effect=nan, ci_low=nan, ci_high=nan,
                          p_value=1.0, n=n, notes=[reason], applicable=False)


def _p_note(p_resample: float, kind: str, p_pred: float) -> str:
    """How the reported p-value was formed."""
    return (f"p = max({kind} across probes {p_resample:.3g}, controls-as-suspects Student-t "
            f"prediction {p_pred:.3g}): both the probe sample and the between-model spread must "
            "make S look closer to R than the controls are")


def _closeness_result(name: str, sims: Mapping[tuple[str, str], np.ndarray], probe_ids: Sequence[str],
                     suspect: str, reference: str, controls: Sequence[str], *, seed: int,
                     n_perm: int, n_boot: int, description: str,
                     corpus: _Corpus | None = None) -> AnalysisResult:
    """Per-probe closeness (larger = more alike) → excess of S over the controls, tests, exhibits."""
    table = _per_probe_differences(sims, probe_ids, suspect, reference, controls)
    res = _per_probe_result(name, table, controls, seed=seed, n_perm=n_perm, n_boot=n_boot,
                           description=description)
    if corpus is not None:
        res.exhibits = _exhibits(name, table, corpus, suspect, reference)
    return res


def _per_probe_result(name: str, table: pd.DataFrame, controls: Sequence[str], *, seed: int,
                     n_perm: int, n_boot: int, description: str) -> AnalysisResult:
    """Result from a per-probe table with `excess_s` and `excess[Cj]` columns (larger = nearer R)."""
    table = table.copy()
    if "excess_controls_mean" not in table:
        table["excess_controls_mean"] = table[[f"excess[{c}]" for c in controls]].mean(axis=1)
        table["d"] = table["excess_s"] - table["excess_controls_mean"]
    d = table["d"].to_numpy(dtype=float)
    s_stat = float(table["excess_s"].mean())
    ctrl = {c: float(table[f"excess[{c}]"].mean()) for c in controls}
    reps = _bootstrap_replicates(d, n_boot, seed)
    ci_low, ci_high = _percentile_ci(reps)
    se = float(np.nanstd(reps)) if reps.size else 0.0
    p_sf = _sign_flip_test(d, n_perm, seed + 1)
    p_pred = _predictive_pvalue(s_stat, list(ctrl.values()), floor=se)
    return AnalysisResult(
        name=name, statistic=s_stat, effect=float(np.mean(d)), ci_low=ci_low, ci_high=ci_high,
        p_value=max(p_sf, p_pred), n=len(d), control_statistics=ctrl, table=table,
        notes=[description, _p_note(p_sf, "sign-flip permutation", p_pred)])


def _exhibits(name: str, table: pd.DataFrame, corpus: _Corpus, suspect: str,
              reference: str) -> list[Exhibit]:
    """The probes where S↔R most exceeds S↔nearest control, with (truncated) texts and ids."""
    top = table[table["gap_nearest"] > 0].nlargest(N_EXHIBITS, "gap_nearest")
    out = []
    for _, row in top.iterrows():
        pid = row["probe_id"]
        texts = {}
        for role, model in (("suspect", suspect), ("reference", reference),
                            ("nearest_control", row["nearest_control"])):
            first = corpus.texts(model, [pid])[0]
            texts[role] = {"model": model, "probe_id": pid, "sample": 0,
                           "text": _truncate(first[0] if first else "")}
        out.append(Exhibit("shared_text", {
            "analysis": name, "probe_id": pid, "prompt": _truncate(corpus.prompt(pid), 500),
            "sim_sr": float(row["sim_sr"]), "sim_s_nearest_control": float(row["sim_sc_max"]),
            "gap": float(row["gap_nearest"]), "texts": texts}))
    return out


def _bootstrap_weights(n_probes: int, n_boot: int, seed: int) -> np.ndarray:
    """(1 + n_boot, n_probes) probe weights: row 0 all ones (the data), then bootstrap counts."""
    rng = np.random.default_rng(seed)
    w = np.ones((1 + n_boot, n_probes))
    for b in range(n_boot):
        w[b + 1] = np.bincount(rng.integers(0, n_probes, n_probes), minlength=n_probes)
    return w


def _model_level_result(name: str, stat: Callable[[str, Sequence[str], int], float],
                       suspect: str, reference: str, controls: Sequence[str], n_probes: int,
                       n_boot: int, *, description: str,
                       extra_notes: Sequence[str] = ()) -> AnalysisResult:
    """Scores that need whole-model profiles: `stat(x, others, b)`, b indexing `bootstrap_weights`.

    S and each control are scored against k-1 controls (`loo_statistics`); replicate b >= 1
    resamples probes and recomputes every model's score, giving the CI of statistic(S) - mean
    (control statistics) and a shifted-bootstrap one-sided p-value.
    """
    s_stat, ctrl = _loo_statistics(lambda x, o: stat(x, o, 0), suspect, controls)
    observed = s_stat - float(np.mean(list(ctrl.values())))
    diffs = []
    for b in range(1, n_boot + 1):
        s_b, c_b = _loo_statistics(lambda x, o: stat(x, o, b), suspect, controls)
        diffs.append(s_b - float(np.mean(list(c_b.values()))))
    diffs_a = np.asarray(diffs, dtype=float)
    ci_low, ci_high = _percentile_ci(diffs_a)
    se = float(np.nanstd(diffs_a)) if diffs_a.size else 0.0
    ok = diffs_a[np.isfinite(diffs_a)]
    p_boot = float((1 + np.count_nonzero(ok - observed >= observed - 1e-12)) / (ok.size + 1))
    p_pred = _predictive_pvalue(s_stat, list(ctrl.values()), floor=se)
    table = pd.DataFrame({"model": [suspect, *controls], "role": ["suspect"] + ["control"] * len(controls),
                          "statistic": [s_stat, *ctrl.values()]})
    return AnalysisResult(
        name=name, statistic=s_stat, effect=observed, ci_low=ci_low, ci_high=ci_high,
        p_value=max(p_boot, p_pred), n=n_probes, control_statistics=ctrl, table=table,
        notes=[description, *extra_notes, _p_note(p_boot, "shifted bootstrap", p_pred)])
