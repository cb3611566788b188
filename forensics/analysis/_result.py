"""The one shape every analysis returns (so the evidence can combine them), and typed exhibits."""

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


EXHIBIT_KINDS = ("shared_text", "shared_wrong_answer", "shared_failure", "identity_claim",
                 "identity_persona_claim", "verbal_tic")


@dataclass(frozen=True)
class Exhibit:
    """One piece of evidence a reader can look at: its kind (one of EXHIBIT_KINDS) and its fields.

    shared_text: a probe where S's answer is much closer to R's than to any control's (`texts`);
    shared_wrong_answer: S and R give the same wrong answer; shared_failure: S and R wrong where
    every control is right; identity_claim: a quoted self-identification; identity_persona_claim: a
    quoted claim made while speaking as a role-play persona (never counted); verbal_tic: one of R's
    set phrases with each model's rate of use.
    """

    kind: str
    fields: dict

    def __post_init__(self) -> None:
        if self.kind not in EXHIBIT_KINDS:
            raise ValueError(f"unknown exhibit kind {self.kind!r}")

    def __getitem__(self, key: str):
        return self.fields[key]

    def get(self, key: str, default=None):
        return self.fields.get(key, default)


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
    exhibits: list[Exhibit] = field(default_factory=list)
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
