"""Probes: what to ask. Suite and probe types, loading and hashing, the bundled suites
(`suites/*.yaml`; the opt-in `fingerprint/` and `alpaca_eval/` suites), and scoring a response
against a probe's answer."""

from ._scoring import extract_answer, score_frame, score_response
from ._suite import (
                     CATEGORIES,
                     Answer,
                     ExactAnswer,
                     Message,
                     NumericAnswer,
                     OneOfAnswer,
                     Probe,
                     RegexAnswer,
                     Suite,
                     alpaca_eval_suite,
                     bundled_suite_dir,
                     bundled_suites,
                     check_unique_ids,
                     fingerprint_suite,
                     load_suite,
                     opt_in_suites,
                     resolve_suites,
                     suite_json_schema,
                     unique_suites,
)

__all__ = [
    "Answer",
    "CATEGORIES",
    "ExactAnswer",
    "Message",
    "NumericAnswer",
    "OneOfAnswer",
    "Probe",
    "RegexAnswer",
    "Suite",
    "alpaca_eval_suite",
    "bundled_suite_dir",
    "bundled_suites",
    "check_unique_ids",
    "extract_answer",
    "fingerprint_suite",
    "load_suite",
    "opt_in_suites",
    "resolve_suites",
    "score_frame",
    "score_response",
    "suite_json_schema",
    "unique_suites",
]
