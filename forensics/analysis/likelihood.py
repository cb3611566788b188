"""Likelihood under R's weights: a student's text is unusually likely under its teacher's weights.

Input: score columns `logprob:<scorer>` in the responses frame, each the mean natural-log
probability per token of a response (given the probe's prompt) under that scorer's weights
(`forensics score`). A text's lineage score against R is the log ratio of its per-token
surprisal under the other scorers N (never R, never the text's own model) to that under R:

    d = ln(mean over N of -logprob:N)  -  ln(-logprob:R)

Surprisal scales with how hard a text is (short, generic text is easy for every model) and with
how good a scorer is; the ratio cancels the first, and the controls, scored the same way, carry
the second. So terse text does not count as lineage: only what R's weights favour *more than the
other candidates' weights do*. The statistic is S's mean d over the
shared probes; each control gets the same statistic with its own texts, which is the null. The
fingerprint suite's few-token greedy answers are left out (the greedy family reads them).

The per-probe paired test asks whether S's d exceeds the controls' mean d prompt by prompt
(Wilcoxon signed rank, one-sided). The share of probes on which R's weights give S's text the
highest likelihood among the scorers is closed-set attribution: a model outside the scorers
could fit better, and the result says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._result import AnalysisResult
from .greedy import CATEGORY as FINGERPRINT

PREFIX = "logprob:"
NAME = "likelihood.under_reference"
_MIN_SURPRISAL = 1e-3  # nats per token: a text every model predicts perfectly scores 0, not inf


def score_columns(df: pd.DataFrame) -> dict[str, str]:
    """Scorer name -> its column, for every `logprob:<scorer>` column of the frame."""
    return {c[len(PREFIX):]: c for c in df.columns if str(c).startswith(PREFIX)}


def _not_applicable(why: str) -> AnalysisResult:
    nan = float("nan")
    return AnalysisResult(NAME, nan, nan, nan, nan, nan, 0, notes=[why], applicable=False)


def _per_probe_d(df: pd.DataFrame, model: str, reference: str, cols: dict[str, str]) -> pd.Series:
    """Per probe (first sample): ln of the text's surprisal under the other scorers over that under R."""
    norm = [c for name, c in cols.items() if name not in (reference, model)]
    if not norm:
        return pd.Series(dtype=float)
    sub = df[df["model"] == model].sort_values("sample", kind="mergesort").drop_duplicates("probe_id")
    own = np.maximum(-sub[cols[reference]].astype(float), _MIN_SURPRISAL)
    others = np.maximum(-sub[norm].astype(float).mean(axis=1, skipna=False), _MIN_SURPRISAL)
    d = np.log(others) - np.log(own)
    return pd.Series(d.to_numpy(), index=sub["probe_id"].to_numpy()).dropna()


def likelihood_under_reference(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str], *,
                               seed: int = 0, n_boot: int = 1000) -> AnalysisResult:
    """S's mean lineage score d under R's weights, judged against the controls' own (see module)."""
    cols = score_columns(df)
    if "category" in df.columns:
        df = df[df["category"] != FINGERPRINT]
    if reference not in cols:
        return _not_applicable(
            f"no scores under {reference}'s weights: this family needs a reference whose weights can "
            f"score text (run `forensics score RUN_DIR --scorer {reference}`)")
    per = {m: _per_probe_d(df, m, reference, cols) for m in (suspect, *controls)}
    if per[suspect].empty:
        return _not_applicable(f"no second scorer besides {reference} to normalise {suspect}'s scores by")
    usable = [c for c in controls if not per[c].empty]
    probes = set(per[suspect].index)
    for c in usable:
        probes &= set(per[c].index)
    probes = sorted(probes)
    if len(probes) < 2 or len(usable) < 1:
        return _not_applicable(f"too few scored probes ({len(probes)}) or controls ({len(usable)}) in common")
    s = per[suspect].loc[probes].to_numpy(float)
    ctrl = {c: float(per[c].loc[probes].mean()) for c in usable}
    ctrl_mean = np.mean([per[c].loc[probes].to_numpy(float) for c in usable], axis=0)
    rng = np.random.default_rng(seed)
    boot = s[rng.integers(0, len(s), (n_boot, len(s)))].mean(axis=1)
    diff = s - ctrl_mean
    p = float(stats.wilcoxon(diff, alternative="greater").pvalue) if np.any(diff != 0) else 1.0
    statistic = float(s.mean())
    notes = [_attribution_note(df, suspect, reference, cols, probes)]
    dropped = [c for c in controls if c not in usable]
    if dropped:
        notes.append(f"controls without a second scorer to normalise by, left out: {', '.join(dropped)}")
    table = pd.DataFrame({"probe_id": probes, "d_suspect": s, "d_controls_mean": ctrl_mean})
    return AnalysisResult(NAME, statistic, statistic - float(np.mean(list(ctrl.values()))),
                          float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975)), p, len(probes),
                          control_statistics=ctrl, table=table, notes=notes)


def _attribution_note(df: pd.DataFrame, suspect: str, reference: str, cols: dict[str, str],
                      probes: list[str]) -> str:
    sub = df[(df["model"] == suspect) & df["probe_id"].isin(probes)]
    sub = sub.sort_values("sample", kind="mergesort").drop_duplicates("probe_id")
    names = list(cols)
    best = np.nan_to_num(sub[[cols[n] for n in names]].astype(float).to_numpy(), nan=-np.inf).argmax(axis=1)
    wins = int(np.sum(np.asarray(names)[best] == reference))
    return (f"Closed-set attribution among the scorers ({', '.join(names)}): {reference}'s weights give "
            f"{suspect}'s text the highest likelihood on {wins} of {len(sub)} probes. A model outside "
            "this set could fit better; this ranks the candidates, it does not prove one of them.")
