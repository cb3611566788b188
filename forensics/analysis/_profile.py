"""R's distinctive word choices, and how far a suspect repeats them: a lineage signal, not a genre one.

Each model's profile is the relative frequency of the panel's most frequent word 1-2-grams over
all its answers (Burrows' "most frequent words", as in authorship attribution). For a pair (S, R)
judged against controls C1..Ck, every feature is z-scored against the controls' profiles, so
what chat models in general write weighs nothing. R's *distinctive* features are those where
|z_R| > DISTINCT_Z: words R uses far more (or far less) than the controls do. The statistic is
the mean of sign(z_R) * z_S over them (z_S clipped to +-CLIP, so one word cannot dominate): a
student that took up its teacher's habits leans the same way; an independent model does not.
Character 3-gram profiles (`kind="char"`) read the same habits below the word: spelling,
punctuation and formatting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

N_FEATURES = 5000  # the panel's most frequent word 1-2-grams
DISTINCT_Z = 2.0  # |z| over the controls beyond which a feature is one of R's distinctive choices
CLIP = 5.0  # bound on one feature's z of S
_SD_FLOOR = 1e-9  # a feature no control uses has z = +-(its frequency / floor), then clipped


@dataclass
class Profiles:
    """Relative n-gram frequencies of every model over the panel: `freq[model, feature]`."""

    models: list[str]
    features: list[str]
    freq: np.ndarray

    def index(self, model: str) -> int:
        return self.models.index(model)


def model_profiles(models: Sequence[str], texts: Sequence[Sequence[str]],
                   n_features: int = N_FEATURES, kind: str = "word") -> Profiles:
    """Profiles of `models` from `texts[model][probe]`: `kind` "word" counts word 1-2-grams (case
    kept; punctuation marks are tokens), "char" counts character 3-grams (case kept)."""
    from sklearn.feature_extraction.text import CountVectorizer

    if kind not in ("word", "char"):
        raise ValueError(f"unknown profile kind {kind!r} (word or char)")
    docs = ["\n".join(row) for row in texts]
    try:
        if kind == "word":
            vec = CountVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b|[^\w\s]",
                                  lowercase=False, dtype=np.float64)
        else:
            vec = CountVectorizer(analyzer="char", ngram_range=(3, 3), lowercase=False, dtype=np.float64)
        x = vec.fit_transform(docs)
    except ValueError:  # no token anywhere
        return Profiles(list(models), [], np.zeros((len(models), 0)))
    totals = np.asarray(x.sum(0)).ravel()
    order = np.argsort(-totals, kind="stable")[:n_features]
    counts = x[:, order].toarray()
    sums = counts.sum(1, keepdims=True)
    freq = np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)
    names = vec.get_feature_names_out()
    return Profiles(list(models), [str(names[k]) for k in order], freq)


def _z_scores(prof: Profiles, suspect: str, reference: str,
              controls: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """(z_R, clipped z_S) of every feature against the controls' profiles; None if < 2 controls."""
    base = [prof.index(c) for c in controls if c not in (suspect, reference)]
    if len(base) < 2 or prof.freq.shape[1] == 0:
        return None
    f = prof.freq[base]
    mu, sd = f.mean(0), np.maximum(f.std(0), _SD_FLOOR)
    z_r = (prof.freq[prof.index(reference)] - mu) / sd
    z_s = np.clip((prof.freq[prof.index(suspect)] - mu) / sd, -CLIP, CLIP)
    return z_r, z_s


def _agreement(z_r: np.ndarray, z_s: np.ndarray) -> float:
    pick = np.abs(z_r) > DISTINCT_Z
    return float(np.mean(np.sign(z_r[pick]) * z_s[pick])) if pick.any() else float("nan")


def distinctive_agreement(prof: Profiles, suspect: str, reference: str, controls: Sequence[str]) -> float:
    """Mean sign(z_R) * clip(z_S) over R's distinctive features, z against `controls` (NaN if < 2
    controls or R has no distinctive feature)."""
    z = _z_scores(prof, suspect, reference, controls)
    return float("nan") if z is None else _agreement(*z)


def leave_one_out_agreements(prof: Profiles, reference: str, group: Sequence[str],
                             only: Sequence[str] | None = None) -> dict[str, float]:
    """`distinctive_agreement(prof, x, reference, group without x)` for every x of `group` (or of
    `only`), at once: each control scored as if it were the suspect. The leave-one-out means and
    SDs come from the group's by a stable downdate (equal to one call per x up to rounding)."""
    names = [g for g in dict.fromkeys(group) if g != reference]
    todo = [g for g in names if only is None or g in set(only)]
    k = len(names)
    if k < 3 or prof.freq.shape[1] == 0:
        return {g: float("nan") for g in todo}
    f = prof.freq[[prof.index(g) for g in names]]
    x = f[[names.index(g) for g in todo]]
    m = f.mean(0)
    m2 = ((f - m) ** 2).sum(0)
    mu = (k * m - x) / (k - 1)
    var = np.maximum(m2 - (x - m) * (x - mu), 0.0) / (k - 1)
    sd = np.maximum(np.sqrt(var), _SD_FLOOR)
    z_r = (prof.freq[prof.index(reference)][None] - mu) / sd
    z_s = np.clip((x - mu) / sd, -CLIP, CLIP)
    return {g: _agreement(z_r[i], z_s[i]) for i, g in enumerate(todo)}


def distinctive_features(prof: Profiles, suspect: str, reference: str, controls: Sequence[str],
                         top: int = 10) -> list[tuple[str, float, float]]:
    """The features that add most to the agreement: (feature, z_R clipped, z_S), largest first."""
    z = _z_scores(prof, suspect, reference, controls)
    if z is None:
        return []
    z_r, z_s = z
    pick = np.flatnonzero(np.abs(z_r) > DISTINCT_Z)
    gain = np.sign(z_r[pick]) * z_s[pick]
    best = pick[np.argsort(-gain, kind="stable")[:top]]
    return [(prof.features[k], float(np.clip(z_r[k], -CLIP, CLIP)), float(z_s[k])) for k in best]
