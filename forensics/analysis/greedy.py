"""Greedy agreement on the fingerprint suite: does S pick R's first words, more than the controls do?

After Nikolic et al. 2025 ("Model provenance testing"): at temperature 0 a model's first tokens
on short open prompts are a fingerprint that its copies and students share. The bundled
`fingerprint` suite (opt-in; `forensics run --suite fingerprint --temperature 0 --max-tokens 8`)
asks 310 such prompts. Per probe, a model *agrees* with R when its first k words (lower-cased,
punctuation dropped) equal R's. Two analyses, k = 1 and k = 3:

- statistic: S's agreement rate with R; each control's own agreement rate with R is the null;
- p-value: paired over probes (S's agreement minus the controls' mean agreement, one-sided
  t-test), so a prompt every model answers alike counts for nobody;
- best-versus-rest (Nikolic): S's agreement with R against S's agreement with each other model,
  one-sided two-proportion z-tests, Holm-corrected, in the notes: is R S's closest match?
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from forensics.core import for_matching

from ._result import AnalysisResult
from ._stats import holm

CATEGORY = "fingerprint"
MIN_PROBES = 20
_WORD = re.compile(r"\w+")
RUN_HINT = "forensics run --suite fingerprint --temperature 0 --max-tokens 8"


def first_words(text: str | None, k: int) -> str:
    """The first k words of a text, lower-cased, punctuation and markup dropped ('' if none)."""
    return " ".join(_WORD.findall(for_matching(text or "").lower())[:k])


def _prefixes(df: pd.DataFrame, models: Sequence[str], k: int) -> pd.DataFrame:
    """probe x model table of first-k-words (first sample), on probes every model answered."""
    sub = df[(df["category"] == CATEGORY) & df["model"].isin(list(models))]
    sub = sub.sort_values("sample", kind="mergesort").drop_duplicates(["model", "probe_id"])
    table = sub.assign(w=[first_words(t, k) for t in sub["text"]]).pivot(index="probe_id", columns="model",
                                                                          values="w")
    return table.reindex(columns=list(models)).dropna()


def _not_applicable(name: str, why: str) -> AnalysisResult:
    nan = float("nan")
    return AnalysisResult(name, nan, nan, nan, nan, nan, 0, notes=[why], applicable=False)


def _wilson(x: int, n: int) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    z, p = 1.96, x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def best_versus_rest(agree: pd.DataFrame, suspect: str, reference: str) -> pd.DataFrame:
    """S's agreement with R against its agreement with each other model (`agree`: per probe, 1.0
    where that column's model gave S's first words): one-sided two-proportion z-tests (H0: R is
    no closer to S than that model), Holm-corrected across the others."""
    n = len(agree)
    others = [m for m in agree.columns if m not in (suspect, reference)]
    a_r = int(agree[reference].sum())
    rows = []
    for m in others:
        a_m = int(agree[m].sum())
        pooled = (a_r + a_m) / (2 * n)
        se = np.sqrt(2 * pooled * (1 - pooled) / n) if 0 < pooled < 1 else 0.0
        z = (a_r - a_m) / n / se if se > 0 else (np.inf if a_r > a_m else 0.0)
        rows.append({"other": m, "agree_reference": a_r / n, "agree_other": a_m / n, "z": z,
                     "p": float(stats.norm.sf(z))})
    out = pd.DataFrame(rows, columns=["other", "agree_reference", "agree_other", "z", "p"])
    out["p_holm"] = holm(out["p"].to_numpy()) if len(out) else []
    return out


def _one(df: pd.DataFrame, suspect: str, reference: str, controls: list[str], k: int) -> AnalysisResult:
    name = "greedy.first_word" if k == 1 else f"greedy.first_{k}_words"
    if not (df["category"] == CATEGORY).any():
        return _not_applicable(name, f"no fingerprint-suite answers in the run ({RUN_HINT}); on a panel "
                                     "without greedy outputs this family cannot run")
    table = _prefixes(df, [suspect, reference, *controls], k)
    table = table[table[reference] != ""]
    if len(table) < MIN_PROBES or not controls:
        return _not_applicable(name, f"only {len(table)} fingerprint probes answered by the suspect, the "
                                     f"reference and every control (needs {MIN_PROBES})")
    agree = pd.DataFrame({m: (table[m] == table[reference]).astype(float) for m in table.columns
                          if m != reference})
    s = agree[suspect].to_numpy()
    ctrl = {c: float(agree[c].mean()) for c in controls}
    diff = s - agree[controls].mean(axis=1).to_numpy()
    if np.allclose(diff, diff[0]):
        p = 1.0 if diff[0] <= 0 else 0.0
    else:
        p = float(stats.ttest_1samp(diff, 0.0, alternative="greater").pvalue)
    lo, hi = _wilson(int(s.sum()), len(s))
    with_s = pd.DataFrame({m: (table[m] == table[suspect]).astype(float) for m in table.columns if m != suspect})
    bvr = best_versus_rest(with_s, suspect, reference)
    closest = bool(len(bvr)) and bool((bvr["p_holm"] < 0.05).all())
    notes = [f"Best versus rest (Nikolic et al. 2025): {reference} agrees with {suspect} on "
             f"{s.mean():.0%} of {len(s)} probes; "
             + ("it is the closest match, beating every other model (Holm p < 0.05)." if closest else
                "it is not significantly closer than every other model.")
             + " Closed set: a model outside the run could be closer still.", _cost(df, suspect)]
    return AnalysisResult(name, float(s.mean()), float(s.mean() - np.mean(list(ctrl.values()))), lo, hi, p,
                          len(s), control_statistics=ctrl, table=bvr, notes=notes)


def _cost(df: pd.DataFrame, suspect: str) -> str:
    """What the verdict cost against the suspect's endpoint: queries and tokens (in + out)."""
    sub = df[(df["model"] == suspect) & (df["category"] == CATEGORY)]
    tokens = sum(pd.to_numeric(sub[c], errors="coerce").fillna(0).sum() for c in ("tokens_in", "tokens_out")
                 if c in sub.columns)
    return f"Cost: {len(sub)} queries to {suspect}, {int(tokens)} tokens in and out."


def greedy_agreement(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str]) -> list[AnalysisResult]:
    """First-word and first-3-words agreement of S with R on the fingerprint suite (see module)."""
    ctrl = [c for c in controls if c not in (suspect, reference)]
    return [_one(df, suspect, reference, ctrl, k) for k in (1, 3)]
