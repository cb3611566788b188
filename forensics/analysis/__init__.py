"""What the answers show: pure analyses, DataFrame of responses in, AnalysisResult out.

Every analysis scores suspect S against reference R and judges it against controls C1..Ck (each
control scored as if it were the suspect, the other controls as its controls, never S). Names
are imported lazily so that `forensics.analysis._result` stays light to import.
"""

from __future__ import annotations

import importlib

from ._result import RESPONSE_COLUMNS, AnalysisResult

_LAZY = {
    "similarity_analyses": "similarity",
    "stylometry_analyses": "stylometry",
    "attribution_analysis": "attribution",
    "error_consistency": "errors",
    "shared_wrong_answers": "errors",
    "error_patterns": "errors",
    "identity_test": "identity",
}

__all__ = ["RESPONSE_COLUMNS", "AnalysisResult", *_LAZY]


def __getattr__(name: str):
    """Import an analysis function on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
