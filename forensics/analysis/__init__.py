"""What the answers show: pure analyses, DataFrame of responses in, AnalysisResult out.

Every analysis scores suspect S against reference R and judges it against controls C1..Ck (each
control scored as if it were the suspect, the other controls as its controls, never S).
`catalogue` lists them all. Analysis functions are imported lazily, so that importing the
result types stays light.
"""

from __future__ import annotations

import importlib

from ._corpus import one_blas_thread, prepare_corpus
from ._result import EXHIBIT_KINDS, RESPONSE_COLUMNS, AnalysisResult, Exhibit
from ._stats import holm, log10_bayes_factor, null_scale

_LAZY = {
    "similarity_analyses": ".similarity",
    "stylometry_analyses": ".stylometry",
    "attribution_analysis": ".attribution",
    "error_consistency": ".errors",
    "shared_wrong_answers": ".errors",
    "error_patterns": ".errors",
    "identity_test": ".identity",
    "best_versus_rest": ".greedy",
    "first_words": ".greedy",
    "greedy_agreement": ".greedy",
    "likelihood_under_reference": ".likelihood",
    "score_columns": ".likelihood",
    "radioactivity_test": ".radioactivity",
    "extract_identity_claims": ".identity",
    "read_identity": ".identity",
    "IdentityReading": ".identity",
    "implied_vendors": ".identity",
    "CATALOGUE": ".catalogue",
    "FAMILIES": ".catalogue",
    "AnalysisInfo": ".catalogue",
    "Family": ".catalogue",
    "analysis_info": ".catalogue",
    "family_info": ".catalogue",
    "family_of": ".catalogue",
    "runners": ".catalogue",
    "MEASURES": "._population",
    "Population": "._population",
    "pair_statistics": "._population",
    "population_scores": "._population",
    "population_similarities": "._population",
    "Profiles": "._profile",
    "distinctive_agreement": "._profile",
    "distinctive_features": "._profile",
    "model_profiles": "._profile",
}

__all__ = ["EXHIBIT_KINDS", "RESPONSE_COLUMNS", "AnalysisResult", "Exhibit", "holm", "log10_bayes_factor",
           "null_scale", "one_blas_thread", "prepare_corpus", *_LAZY]


def __getattr__(name: str):
    """Import an analysis function (or the catalogue) on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
