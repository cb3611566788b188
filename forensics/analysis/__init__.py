"""What the answers show: pure analyses, DataFrame of responses in, AnalysisResult out.

Every analysis scores suspect S against reference R and judges it against controls C1..Ck (each
control scored as if it were the suspect, the other controls as its controls, never S).
`catalogue` lists them all. Analysis functions are imported lazily, so that importing the
result types stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._corpus import one_blas_thread, prepare_corpus
from ._result import EXHIBIT_KINDS, RESPONSE_COLUMNS, AnalysisResult, Exhibit
from ._stats import holm, log10_bayes_factor, null_scale

# The imports below are what linters and type checkers see; _LAZY is what runs, and
# tests/test_architecture.py checks that both name the same names from the same modules.
if TYPE_CHECKING:
    from ._panel_attribution import AttributionScores
    from ._population import ATTRIBUTION, ATTRIBUTION_SCORE, MEASURES, Population, pair_statistics, population_scores, population_similarities
    from ._profile import (Profiles, distinctive_agreement, distinctive_features, leave_one_out_agreements,
                           model_profiles)
    from .attribution import attribution_analysis
    from .catalogue import (
        CATALOGUE,
        FAMILIES,
        AnalysisInfo,
        Family,
        analysis_info,
        family_info,
        family_of,
        runners,
    )
    from .errors import error_consistency, error_patterns, shared_wrong_answers
    from .greedy import best_versus_rest, first_words, greedy_agreement
    from .identity import IdentityReading, extract_identity_claims, identity_test, implied_vendors, read_identity
    from .likelihood import likelihood_under_reference, score_columns
    from .radioactivity import radioactivity_test
    from .similarity import similarity_analyses
    from .stylometry import stylometry_analyses

_LAZY = {
    "ATTRIBUTION": "._population",
    "ATTRIBUTION_SCORE": "._population",
    "AttributionScores": "._panel_attribution",
    "MEASURES": "._population",
    "Population": "._population",
    "pair_statistics": "._population",
    "population_scores": "._population",
    "population_similarities": "._population",
    "Profiles": "._profile",
    "distinctive_agreement": "._profile",
    "distinctive_features": "._profile",
    "leave_one_out_agreements": "._profile",
    "model_profiles": "._profile",
    "attribution_analysis": ".attribution",
    "CATALOGUE": ".catalogue",
    "FAMILIES": ".catalogue",
    "AnalysisInfo": ".catalogue",
    "Family": ".catalogue",
    "analysis_info": ".catalogue",
    "family_info": ".catalogue",
    "family_of": ".catalogue",
    "runners": ".catalogue",
    "error_consistency": ".errors",
    "error_patterns": ".errors",
    "shared_wrong_answers": ".errors",
    "best_versus_rest": ".greedy",
    "first_words": ".greedy",
    "greedy_agreement": ".greedy",
    "IdentityReading": ".identity",
    "extract_identity_claims": ".identity",
    "identity_test": ".identity",
    "implied_vendors": ".identity",
    "read_identity": ".identity",
    "likelihood_under_reference": ".likelihood",
    "score_columns": ".likelihood",
    "radioactivity_test": ".radioactivity",
    "similarity_analyses": ".similarity",
    "stylometry_analyses": ".stylometry",
}

__all__ = ["EXHIBIT_KINDS", "RESPONSE_COLUMNS", "AnalysisResult", "Exhibit", "holm", "log10_bayes_factor",
           "null_scale", "one_blas_thread", "prepare_corpus", *_LAZY]


def __getattr__(name: str):
    """Import an analysis function (or the catalogue) on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
