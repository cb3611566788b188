"""The one shape every analysis returns, so `forensics.evidence` can combine them."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# The responses DataFrame every analysis takes (one row per stored response):
RESPONSE_COLUMNS = (
    "model",  # str: model name in the run
    "probe_id",  # str: unique probe id
    "sample",  # int: index of a repeated answer, 0..n-1
    "suite",  # str
    "category",  # str: identity | error_trap | style | refusal | reasoning | knowledge | adhoc
    "language",  # str: ISO 639-1 code, e.g. "en"
    "prompt",  # str: the last user turn
    "text",  # str: the model's response (hostile, any length)
    "answer",  # str | None: JSON of the expected answer for scorable probes, else None
)


@dataclass
class AnalysisResult:
    """A single analysis of suspect S against reference R, judged against controls C1..Ck.

    `statistic` is the analysis' score for the pair (S, R), oriented so larger means "S looks
    more like R than the controls do". `control_statistics` holds the same score computed with
    each control in S's place (that control's own closeness to R, other controls as its
    controls), which `evidence` uses as the null distribution under H2.
    """

    name: str
    statistic: float
    effect: float  # effect size, e.g. mean paired difference or Cohen's d
    ci_low: float
    ci_high: float
    p_value: float  # one-sided, H0: S is no closer to R than the controls are
    n: int  # number of probes (or items) the statistic rests on
    control_statistics: dict[str, float] = field(default_factory=dict)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    exhibits: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applicable: bool = True  # False when the data cannot support this analysis (reason in notes)

    def summary_row(self) -> dict:
        return {
            "analysis": self.name,
            "statistic": self.statistic,
            "effect": self.effect,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "p_value": self.p_value,
            "n": self.n,
            "applicable": self.applicable,
        }
