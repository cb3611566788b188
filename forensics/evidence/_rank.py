"""Rank candidate references for one suspect, each with its own evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ._parallel import analyze_pairs
from ._watermark import WatermarkEvidence


def rank_references(df: pd.DataFrame, suspect: str, references: Sequence[str],
                    controls: Sequence[str], *, others_as_controls: bool = True, jobs: int = 1,
                    controls_by_reference: Mapping[str, Sequence[str]] | None = None,
                    watermark: WatermarkEvidence | None = None, **kwargs) -> pd.DataFrame:
    """Evidence for each candidate reference Rk; its controls are the controls plus the other
    references (never S). Sorted by log10 LR, most supported first; column `evidence` holds each
    Evidence. `others_as_controls=False` keeps the other candidates out of Rk's controls.
    `jobs` > 1 assesses the candidates on that many processes (same numbers).
    `controls_by_reference` gives each candidate its own controls instead (e.g. from labels).
    `watermark`: one candidate's watermark key (`watermark.reference`): its comparison runs the
    radioactivity analysis, the others record that the key is not theirs.
    Keyword arguments go to `analyze_responses`."""
    triples = []
    for ref in references:
        if controls_by_reference is not None:
            pool = list(controls_by_reference[ref])
        elif others_as_controls:
            pool = [*controls, *references]
        else:
            pool = list(controls)
        triples.append((suspect, ref, [c for c in dict.fromkeys(pool) if c not in (suspect, ref)]))
    rows = []
    for (_, ref, ctrl), ev in zip(triples, analyze_pairs(df, triples, jobs=jobs, watermark=watermark, **kwargs)):
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
