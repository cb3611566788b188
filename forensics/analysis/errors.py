"""Error patterns: does S fail where R fails (error consistency), and fail the SAME way?

Both analyses use scorable probes (non-null `answer`) answered by every model, one answer per
model and probe: the majority verdict over samples (ties: sample 0's), and among samples with that
verdict the most common extracted answer (ties: the earliest sample).

error_consistency -- do S and R fail on the same probes, beyond what shared difficulty explains?
Geirhos et al. (2020) error-consistency kappa (c_obs = share of probes both right or both wrong,
c_exp = p1 p2 + (1-p1)(1-p2), kappa = (c_obs - c_exp)/(1 - c_exp), 0 when c_exp = 1) is reported
per pair in the table and notes, but it is NOT the statistic: under a shared latent difficulty,
kappa between two independent models rises as their accuracies approach each other, so
kappa(S,R) - mean kappa(S,Ci) flags any R whose accuracy matches S's better than the controls'
do (about half of null simulations with accuracy-mismatched controls gave p < 0.05). The
statistic is the same contrast on the tetrachoric correlation of the right/wrong vectors, which is
invariant to accuracy under a latent-normal difficulty model: mean_j [atanh rho(S,R) -
atanh rho(S,Cj)] (Fisher z; 0.5-per-cell continuity correction). In the same simulations its
false-positive rate at p < 0.05 stayed between 3 and 8 %. effect = rho(S,R) - mean rho(S,Cj).
CI: percentile bootstrap over probes (all models resampled together); p: one-sided shifted
bootstrap (probe-sampling noise only; model-to-model variation is what `control_statistics`,
each Cj in S's place with the other controls as its controls, is for). It cannot tell a shared
error profile from shared training data or architecture; pick controls of comparable strength.

shared_wrong_answers -- identical wrong answers, judged by an accuracy-matched null.
Design choice: a CONDITIONAL PERMUTATION that keeps every model's per-probe error set fixed.
On a probe where both X (S, or a control in S's place) and R are wrong, H0 says X's wrong answer
is exchangeable with the wrong answers of the controls that are also wrong there (pool = X's
answer plus theirs). So P(X matches R) = (# of pool answers equal to R's) / |pool|. Summed over
probes this gives the expected count E; the observed count M is compared with the exact
Poisson-binomial tail P(X >= M). Why this handles the confounders:
* accuracy: only probes where both are wrong enter, so a stronger or weaker model has fewer or
  more chances but the same per-chance expectation;
* easy traps (everyone who errs says "2" for the r's in "strawberry"): the pool is dominated by
  that answer, so matching it is expected and earns nothing; an idiosyncratic shared error counts.
The test is exact under exchangeability and needs no fitted model. Its price is power: a probe
where no control is wrong has a pool of one (p = 1) and can add no evidence (error LOCATION there
is what the kappa analysis measures). Statistic = (M - E) / n probes; effect = (M+.5)/(E+.5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri

from forensics.probes import score_frame

from ._resample import (
    _bootstrap_means,
    _percentile_ci,
    _poisson_binomial_sf,
    _shifted_bootstrap_p,
)
from ._result import AnalysisResult, Exhibit

MIN_PROBES = 20
MAX_EXHIBITS = 100
_PROMPT_CHARS = 300


def error_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Error-consistency kappa of two right/wrong vectors (0 when chance agreement is 1)."""
    x, y = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    if x.size == 0:
        return float("nan")
    p1, p2 = x.mean(), y.mean()
    return float(_kappa(np.mean(x == y), p1 * p2 + (1 - p1) * (1 - p2)))


def _kappa(c_obs: np.ndarray | float, c_exp: np.ndarray | float) -> np.ndarray:
    """Vectorised kappa from observed and expected agreement."""
    c_obs, c_exp = np.asarray(c_obs, dtype=float), np.asarray(c_exp, dtype=float)
    den = 1.0 - c_exp
    safe = np.where(den > 1e-12, den, 1.0)
    return np.where(den > 1e-12, (c_obs - c_exp) / safe, 0.0)


def representative_answers(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (model, probe_id): majority verdict and its most common extracted answer."""
    s = df if {"correct", "extracted"} <= set(df.columns) else score_frame(df)
    s = s[s["correct"].notna()].copy()
    cols = ["model", "probe_id", "correct", "extracted", "prompt"]
    if s.empty:
        return pd.DataFrame(columns=cols)
    s["correct"] = s["correct"].astype(bool)
    s["extracted"] = s["extracted"].fillna("").astype(object)
    s = s.sort_values(["model", "probe_id", "sample"], kind="stable")
    g = s.groupby(["model", "probe_id"], sort=False)["correct"]
    frac, first = g.transform("mean").to_numpy(), g.transform("first").to_numpy()
    majority = np.where(frac > 0.5, True, np.where(frac < 0.5, False, first))
    s = s[s["correct"].to_numpy() == majority].copy()
    s["_n"] = s.groupby(["model", "probe_id", "extracted"], sort=False)["sample"].transform("size")
    s = s.sort_values(["model", "probe_id", "_n", "sample"], ascending=[True, True, False, True],
                      kind="stable")
    rep = s.drop_duplicates(["model", "probe_id"], keep="first")
    return rep[[c for c in cols if c in rep.columns]].reset_index(drop=True)


def _matrices(df: pd.DataFrame, models: list[str]
              ) -> tuple[list[str], np.ndarray, np.ndarray, dict]:
    """Common probes, right/wrong (m x n) and extracted answers (m x n) for `models`."""
    rep = representative_answers(df[df["model"].isin(models)])
    per = {m: rep[rep["model"] == m].set_index("probe_id") for m in models}
    common = set.intersection(*(set(p.index) for p in per.values())) if per else set()
    probes = sorted(common)
    correct = np.array([per[m].loc[probes, "correct"].to_numpy(bool) for m in models]).reshape(
        len(models), len(probes))
    extracted = np.array([per[m].loc[probes, "extracted"].to_numpy(object) for m in models],
                         dtype=object).reshape(len(models), len(probes))
    prompts = per[models[0]]["prompt"].to_dict() if models and "prompt" in per[models[0]] else {}
    return probes, correct, extracted, prompts


def _check(df: pd.DataFrame, suspect: str, reference: str, controls: list[str]) -> list[str]:
    """Reasons the analysis cannot run (empty when it can)."""
    if suspect == reference or suspect in controls or reference in controls:
        raise ValueError("suspect, reference and controls must be distinct models")
    if len(set(controls)) != len(controls):
        raise ValueError("controls must be distinct")
    present = set(df["model"].unique()) if "model" in df.columns else set()
    missing = [m for m in [suspect, reference, *controls] if m not in present]
    notes = [f"no responses for model(s): {', '.join(missing)}"] if missing else []
    if not controls:
        notes.append("no control models: nothing to judge S against")
    return notes


def _not_applicable(name: str, n: int, notes: list[str], controls: list[str]) -> AnalysisResult:
    """A result that carries no evidence."""
    nan = float("nan")
    return AnalysisResult(name=name, statistic=nan, effect=nan, ci_low=nan, ci_high=nan,
                          p_value=1.0, n=n, control_statistics={c: nan for c in controls},
                          notes=notes, applicable=False)


def _prepare(df, suspect, reference, controls, name):
    """Shared set-up: validation, matrices, and the not-applicable result when data is thin."""
    controls = list(controls)
    notes = _check(df, suspect, reference, controls)
    if notes:
        return None, _not_applicable(name, 0, notes, controls)
    models = [suspect, reference, *controls]
    probes, correct, extracted, prompts = _matrices(df, models)
    if len(probes) < MIN_PROBES:
        msg = (f"only {len(probes)} scorable probes answered by all models "
               f"(need {MIN_PROBES}); no error-pattern evidence")
        return None, _not_applicable(name, len(probes), [msg], controls)
    return (models, probes, correct, extracted, prompts), None


_GRID = np.linspace(-0.999, 0.999, 801)


def tetrachoric(p11: np.ndarray, p1: np.ndarray, p2: np.ndarray, n: int) -> np.ndarray:
    """Tetrachoric correlation from P(both right), P(right) each, with a 0.5-per-cell correction."""
    p11 = (np.asarray(p11, dtype=float) * n + 0.5) / (n + 2)
    p1 = (np.asarray(p1, dtype=float) * n + 1.0) / (n + 2)
    p2 = (np.asarray(p2, dtype=float) * n + 1.0) / (n + 2)
    h, k, r = ndtri(p1)[:, None], ndtri(p2)[:, None], _GRID[None, :]
    om = 1.0 - r * r
    dens = np.exp(-(h * h - 2 * r * h * k + k * k) / (2 * om)) / (2 * np.pi * np.sqrt(om))
    # Phi2(h, k; rho) - Phi(h) Phi(k) = integral of the bivariate density from 0 to rho
    cum = np.concatenate([np.zeros((dens.shape[0], 1)),
                          np.cumsum((dens[:, 1:] + dens[:, :-1]) / 2 * np.diff(_GRID), axis=1)],
                         axis=1)
    cum -= cum[:, [_GRID.size // 2]]
    target = p11 - p1 * p2
    return np.array([np.interp(t, row, _GRID) for t, row in zip(target, cum)])


def _z_stat(means: np.ndarray, k: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fisher-z tetrachoric of S with R and each control, from means of [acc.., both-right..]."""
    p_s = means[:, 0]
    z = np.column_stack([np.arctanh(tetrachoric(means[:, 2 + k + j], p_s, means[:, 1 + j], n))
                         for j in range(k + 1)])
    return z[:, 0] - z[:, 1:].mean(axis=1), z


def _pair_z(correct: np.ndarray, i: int, j: int) -> float:
    """Fisher-z tetrachoric correlation of two models' right/wrong vectors."""
    a, b = correct[i], correct[j]
    rho = tetrachoric(np.array([np.mean(a & b)]), np.array([a.mean()]), np.array([b.mean()]),
                      a.size)
    return float(np.arctanh(rho[0]))


def error_consistency(df: pd.DataFrame, suspect: str, reference: str, controls: list[str], *,
                      seed: int = 0, n_boot: int = 2000) -> AnalysisResult:
    """Fisher-z tetrachoric(S,R) minus its mean over (S,Ci); Geirhos kappas in the table."""
    name = "error_consistency"
    prep, bad = _prepare(df, suspect, reference, controls, name)
    if bad is not None:
        return bad
    models, probes, correct, _, prompts = prep
    k, n = len(controls), len(probes)
    rows = np.vstack([correct, correct[1:] & correct[0]]).astype(float)
    observed = float(_z_stat(rows.mean(axis=1)[None, :], k, n)[0][0])
    boot = _z_stat(_bootstrap_means(rows, n_boot, np.random.default_rng(seed)), k, n)[0]
    lo, hi = _percentile_ci(boot)
    pairs = [(i, j) for i in range(len(models)) for j in range(len(models)) if i != j]
    zs = {(models[i], models[j]): _pair_z(correct, i, j) for i, j in pairs}
    kap = {(models[i], models[j]): error_kappa(correct[i], correct[j]) for i, j in pairs}
    ctrl_stats, notes = {}, []
    for c in controls:
        others = [o for o in controls if o != c]
        ctrl_stats[c] = (zs[(c, reference)] - float(np.mean([zs[(c, o)] for o in others]))
                         if others else float("nan"))
    if k < 2:
        notes.append("control_statistics need at least 2 controls (NaN with one)")
    kappa_diff = kap[(suspect, reference)] - float(np.mean([kap[(suspect, c)] for c in controls]))
    notes.append(f"Geirhos kappa(S,R) - mean kappa(S,Ci) = {kappa_diff:.3f} (accuracy-sensitive; "
                 "the statistic uses tetrachoric correlations instead)")
    acc = correct.mean(axis=1)

    def col(d: dict, other: str) -> list[float]:
        """One table column: each model's value with `other` (NaN against itself)."""
        return [np.nan if m == other else d[(m, other)] for m in models]

    table = pd.DataFrame({
        "model": models, "role": ["suspect", "reference", *["control"] * k], "accuracy": acc,
        "kappa_with_reference": col(kap, reference), "kappa_with_suspect": col(kap, suspect),
        "tetrachoric_with_reference": np.tanh(col(zs, reference)),
        "tetrachoric_with_suspect": np.tanh(col(zs, suspect)),
    })
    both = ~correct[0] & ~correct[1] & correct[2:].all(axis=0)
    exhibits = [Exhibit("shared_failure", {"probe_id": p, "prompt": str(prompts.get(p, ""))[:_PROMPT_CHARS],
                                           "note": "suspect and reference wrong, every control right"})
                for p, flag in zip(probes, both) if flag][:MAX_EXHIBITS]
    rho_sr = float(np.tanh(zs[(suspect, reference)]))
    rho_sc = float(np.mean(np.tanh([zs[(suspect, c)] for c in controls])))
    return AnalysisResult(name=name, statistic=observed, effect=rho_sr - rho_sc, ci_low=lo,
                          ci_high=hi, p_value=_shifted_bootstrap_p(boot, observed), n=n,
                          control_statistics=ctrl_stats, table=table, exhibits=exhibits,
                          notes=notes)


def _match_probabilities(x: int, ref: int, pool: list[int], correct: np.ndarray,
                         extracted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per probe: eligible (both wrong, R answered), observed match, and null match probability."""
    n = correct.shape[1]
    elig = ~correct[x] & ~correct[ref] & (extracted[ref] != "")
    match = np.zeros(n, dtype=bool)
    prob = np.zeros(n)
    for i in np.flatnonzero(elig):
        r = extracted[ref, i]
        answers = [extracted[x, i]] + [extracted[c, i] for c in pool if not correct[c, i]]
        match[i] = extracted[x, i] == r
        prob[i] = sum(a == r for a in answers) / len(answers)
    return elig, match, prob


def shared_wrong_answers(df: pd.DataFrame, suspect: str, reference: str, controls: list[str], *,
                         seed: int = 0, n_boot: int = 2000) -> AnalysisResult:
    """Excess of identical wrong answers (S,R) over a conditional-permutation expectation."""
    name = "shared_wrong_answers"
    prep, bad = _prepare(df, suspect, reference, controls, name)
    if bad is not None:
        return bad
    models, probes, correct, extracted, prompts = prep
    n = len(probes)
    ctrl_idx = list(range(2, len(models)))
    rows, results = [], {}
    for x in [0, *ctrl_idx]:
        pool = [c for c in ctrl_idx if c != x]
        elig, match, prob = _match_probabilities(x, 1, pool, correct, extracted)
        m_obs, e_exp = int(match.sum()), float(prob.sum())
        var = float((prob * (1 - prob)).sum())
        results[x] = (elig, match, prob)
        rows.append({
            "model": models[x], "role": "suspect" if x == 0 else "control",
            "n_both_wrong": int(elig.sum()), "n_identical": m_obs,
            "identical_share": m_obs / elig.sum() if elig.any() else np.nan,
            "expected": e_exp, "excess": m_obs - e_exp,
            "z": (m_obs - e_exp) / np.sqrt(var) if var > 0 else 0.0,
            "p_value": _poisson_binomial_sf(prob[elig], m_obs),
            "statistic": (m_obs - e_exp) / n,
        })
    table = pd.DataFrame(rows)
    elig, match, prob = results[0]
    m_obs, e_exp = int(match.sum()), float(prob.sum())
    d = np.where(elig, match.astype(float) - prob, 0.0)
    boot = _bootstrap_means(d[None, :], n_boot, np.random.default_rng(seed))[:, 0]
    lo, hi = _percentile_ci(boot)
    notes = [f"{m_obs} identical wrong answers on {int(elig.sum())} probes both got wrong; "
             f"{e_exp:.2f} expected from the controls' wrong answers"]
    if len(controls) < 2:
        notes.append("with one control, a control in S's place has no pool: its statistic is 0")
    order = sorted(np.flatnonzero(match), key=lambda i: (prob[i], probes[i]))
    exhibits = [Exhibit("shared_wrong_answer", {
        "probe_id": probes[i], "prompt": str(prompts.get(probes[i], ""))[:_PROMPT_CHARS],
        "suspect_answer": extracted[0, i], "reference_answer": extracted[1, i],
        "control_answers": {models[c]: extracted[c, i] for c in ctrl_idx},
        "control_correct": {models[c]: bool(correct[c, i]) for c in ctrl_idx},
        "expected": float(prob[i]),
    }) for i in order[:MAX_EXHIBITS]]
    if len(order) > MAX_EXHIBITS:
        notes.append(f"exhibits capped at {MAX_EXHIBITS} of {len(order)}")
    return AnalysisResult(
        name=name, statistic=(m_obs - e_exp) / n, effect=(m_obs + 0.5) / (e_exp + 0.5),
        ci_low=lo, ci_high=hi, p_value=float(table.loc[0, "p_value"]), n=n,
        control_statistics={models[x]: float(table.loc[j + 1, "statistic"])
                            for j, x in enumerate(ctrl_idx)},
        table=table, exhibits=exhibits, notes=notes)


def error_patterns(df: pd.DataFrame, suspect: str, reference: str, controls: list[str], *,
                   seed: int = 0, n_boot: int = 2000) -> list[AnalysisResult]:
    """Both error analyses: [error_consistency, shared_wrong_answers]; scores the frame once."""
    scored = df if {"correct", "extracted"} <= set(df.columns) else score_frame(df)
    kw = {"seed": seed, "n_boot": n_boot}
    return [error_consistency(scored, suspect, reference, controls, **kw),
            shared_wrong_answers(scored, suspect, reference, controls, **kw)]
