"""The one table of analyses: each analysis' name, family, title, one-line description, function.

The evidence runs the functions in this order, the report takes titles and descriptions from
here, and the likelihood-ratio model takes each family's settings from `FAMILIES`. A function
may produce several analyses (the similarity measures share one pass over the texts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .attribution import attribution_analysis
from .errors import error_patterns
from .greedy import greedy_agreement
from .identity import identity_test
from .likelihood import likelihood_under_reference
from .radioactivity import radioactivity_test
from .similarity import similarity_analyses
from .stylometry import stylometry_analyses


@dataclass(frozen=True)
class Family:
    """A family of analyses that read the same evidence (their LRs are averaged)."""

    name: str
    about: str
    null_mass: float | None = None  # P(distillation leaves no trace here), where not the default
    group: str | None = None  # families of one group read the same texts (correlated)


@dataclass(frozen=True)
class AnalysisInfo:
    name: str  # the AnalysisResult name
    family: str
    title: str
    about: str
    function: Callable  # (df, suspect, reference, controls, **options) -> result(s)
    interval: str = "effect"  # which quantity the result's 95% CI bounds: "effect" or "statistic"
    # the statistic's SD under H2 where it is known exactly: the LR model then treats the SD as known
    # (normal predictives, not Student t), raised only by a wider spread of the controls
    null_sd: float | None = None


FAMILIES: tuple[Family, ...] = (
    Family("similarity", "How alike the suspect's and the reference's answers to the same probe are, "
           "compared with how alike each control's answers are to the reference's.", group="texts"),
    Family("stylometry", "Writing habits that do not depend on content (function words, punctuation, "
           "formatting, set phrases); a distilled model tends to inherit its teacher's.", group="texts"),
    Family("attribution", "A classifier learns to tell the reference's texts from the controls' texts; "
           "this measures how often it takes the suspect's texts for the reference's.", group="texts"),
    Family("errors", "Whether the suspect fails on the same questions as the reference, with the same "
           "wrong answers, more often than independent models do.", null_mass=0.5),
    Family("identity", "Whether the suspect names the reference (or its maker) when asked who it is.",
           null_mass=0.8),
    Family("likelihood", "How likely the suspect's texts are under the reference's own weights, beyond "
           "how likely the other candidates' weights find them (open-weights references only)."),
    Family("reasoning", "The similarity measures again, on the reasoning traces (`<think>` or "
           "`reasoning_content`) where the suspect and the reference both give one.", group="texts"),
    Family("greedy", "Whether the suspect picks the reference's first words on the fingerprint suite at "
           "temperature 0, more often than the controls do (Nikolic et al. 2025)."),
    # Own group: the key is independent of the texts' content and style, so under H2 the statistic is
    # independent of the text families. Null mass 0.7: under H1 the signal needs S's training data to be
    # R's outputs watermarked with this key, in quantity, and not paraphrased or fine-tuned away; so a
    # non-detection moves the LR by at most log10(0.7) = -0.15.
    Family("radioactivity", "Whether the suspect's own texts carry a green-list bias under the reference's "
           "watermark key, as a model trained on the reference's watermarked outputs does (Sander et al. "
           "2024); the controls' texts, scored under the same key, are the null.", null_mass=0.7),
)

_S, _Y, _A = similarity_analyses, stylometry_analyses, attribution_analysis
CATALOGUE: tuple[AnalysisInfo, ...] = (
    AnalysisInfo("similarity.embedding_cosine", "similarity", "Similarity of meaning (sentence embeddings)",
                 "Cosine of all-MiniLM-L6-v2 embeddings of the answers to the same probe.", _S),
    AnalysisInfo("similarity.tfidf_word", "similarity", "Shared words and phrases (word TF-IDF)",
                 "Cosine of word 1-2-gram TF-IDF vectors of the answers to the same probe.", _S),
    AnalysisInfo("similarity.tfidf_char", "similarity", "Shared character patterns (character TF-IDF)",
                 "Cosine of character 2-4-gram TF-IDF vectors (within words) of the answers to the same probe.", _S),
    AnalysisInfo("similarity.lcs_ratio", "similarity", "Longest common word sequence",
                 "Longest common subsequence of words, as a share of the shorter answer.", _S),
    AnalysisInfo("similarity.content_overlap", "similarity", "Shared content words beyond the prompt",
                 "Jaccard overlap of content words the prompt did not supply.", _S),
    AnalysisInfo("similarity.embedding_mmd", "similarity", "Distribution of meanings (embedding MMD)",
                 "MMD two-sample test on embeddings, with several samples per probe.", _S),
    AnalysisInfo("stylometry.function_word_delta", "stylometry", "Function-word profile (Burrows' Delta)",
                 "Burrows' Delta on function-word frequencies.", _Y),
    AnalysisInfo("stylometry.char_ngram_profile", "stylometry", "Character 3-gram profile",
                 "Distance between character 3-gram frequency profiles.", _Y),
    AnalysisInfo("stylometry.habits", "stylometry", "Length, punctuation and formatting habits",
                 "Length, sentence, punctuation and markdown habits.", _Y),
    AnalysisInfo("stylometry.openers_closers", "stylometry", "Openers and closers",
                 "How answers begin and end.", _Y),
    AnalysisInfo("stylometry.verbal_tics", "stylometry", "The reference's verbal tics",
                 "Phrases mined from the reference against the controls, held out.", _Y),
    AnalysisInfo("stylometry.imposters", "stylometry", "Imposters method",
                 "How often the reference beats random imposters as the suspect's nearest author.", _Y),
    AnalysisInfo("attribution.classifier", "attribution", "Authorship classifier",
                 "Share of the suspect's texts a reference-vs-controls classifier gives to the reference.",
                 _A),
    AnalysisInfo("error_consistency", "errors", "Error consistency (failing on the same probes)",
                 "Tetrachoric correlation of right/wrong on the scorable probes.", error_patterns,
                 interval="statistic"),
    AnalysisInfo("shared_wrong_answers", "errors", "Identical wrong answers beyond chance",
                 "Identical wrong answers against an accuracy-matched expectation.", error_patterns,
                 interval="statistic"),
    AnalysisInfo("identity", "identity", "Self-identification",
                 "Rate at which the suspect names the reference or its vendor as itself.", identity_test,
                 interval="statistic"),
    AnalysisInfo("likelihood.under_reference", "likelihood", "Likelihood under the reference's weights",
                 "Mean per-token log-probability of the answers under R's weights minus that under the "
                 "other scorers' weights (never the answer's own model).", likelihood_under_reference,
                 interval="statistic"),
    *(AnalysisInfo(f"reasoning.{m}", "reasoning", f"Reasoning traces: {t}",
                   f"{t}, computed on the reasoning traces instead of the answers.", _S)
      for m, t in (("embedding_cosine", "similarity of meaning"), ("tfidf_word", "shared words and phrases"),
                   ("tfidf_char", "shared character patterns"), ("lcs_ratio", "longest common word sequence"),
                   ("content_overlap", "shared content words"), ("embedding_mmd", "distribution of meanings"))),
    AnalysisInfo("greedy.first_word", "greedy", "Greedy agreement: first word",
                 "Share of fingerprint probes on which S's first word equals R's (temperature 0).",
                 greedy_agreement, interval="statistic"),
    AnalysisInfo("greedy.first_3_words", "greedy", "Greedy agreement: first three words",
                 "Share of fingerprint probes on which S's first three words equal R's (temperature 0).",
                 greedy_agreement, interval="statistic"),
    AnalysisInfo("radioactivity.green_bias", "radioactivity", "Watermark radioactivity (green-list bias)",
                 "z-score of the suspect's distinct green (context, token) tuples under the reference's "
                 "watermark key; the effect is its green share minus γ.", radioactivity_test, null_sd=1.0),
)

_BY_NAME = {a.name: a for a in CATALOGUE}
_FAMILY = {f.name: f for f in FAMILIES}


def runners() -> list[tuple[str, Callable]]:
    """(family, function) for each distinct function, in catalogue order: what the evidence runs."""
    seen: dict[Callable, str] = {}
    for a in CATALOGUE:
        seen.setdefault(a.function, a.family)
    return [(family, fn) for fn, family in seen.items()]


def analysis_info(name: str) -> AnalysisInfo | None:
    return _BY_NAME.get(name)


def family_of(name: str) -> str:
    """The family of an analysis; unknown names fall back to the part before the first dot."""
    info = _BY_NAME.get(name)
    return info.family if info else name.split(".")[0]


def family_info(name: str) -> Family | None:
    return _FAMILY.get(name)
