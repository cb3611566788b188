"""Per-family evidence to one log10 LR: a learned fusion, then lir's logistic calibration, bounded
by ELUB counted in sources (models), not pairs.

Each pair (S, R) judged against its controls has, per family, a feature: for similarity and
stylometry a z, how far S's statistics stand from the controls' (each control scored as if it
were the suspect); for attribution S's own score under R's panel-trained classifier, which only
a labelled panel in the run can compute (so calibration files fuse `TRANSPORTABLE_FEATURES`).
`family_features` averages each family's statistics (`FAMILY_STATISTICS`; statistics of one
family read the same evidence, so they are averaged, not fused), bounded at ±Z_CLIP. The fusion
is an L2-regularised logistic regression over the family features (Brümmer's FoCal style; its
weights kept >= 0, since every family is oriented towards H1), with each class weighted equally
and each model weighted equally within its class: pairs that share a suspect are not independent.
The fused score is then calibrated by the NFI `lir` package's `LogitCalibrator` and clipped to
the ELUB bounds of the calibrated training LRs. A `Fusion` is plain numbers: it is stored as
JSON and applied without refitting.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._validation_metrics import apply_elub, elub_bounds

FORMAT = "distill-forensics/fusion/1"
FAMILY_STATISTICS: dict[str, tuple[str, ...]] = {
    "similarity": ("embedding.cohort_z", "word_tfidf.cohort_z", "char_tfidf.cohort_z",
                   "char_tfidf.nearest"),
    "stylometry": ("profile.distinct", "profile.char_distinct"),
    "attribution": ("attribution.score",),  # S's mean log-odds of R under R's panel-trained classifier
}
FEATURES = tuple(f"family.{f}" for f in FAMILY_STATISTICS)
# what a calibration file fuses: z's against the case's own controls, which carry to a case with
# other controls; the attribution score's scale depends on who R's background was (the panel)
TRANSPORTABLE_FEATURES = ("family.similarity", "family.stylometry")
Z_CLIP = 5.0  # bound on a family's z: same-weights pairs reach 15, and must not set the fusion's slope
C_FUSION = 0.1  # inverse L2 strength: few labelled sources, so the weights are shrunk hard
MIN_SOURCES = 2  # a fit needs at least this many H1 and H2 suspects
_LN10 = math.log(10.0)


def family_features(table: pd.DataFrame) -> pd.DataFrame:
    """One column per family (`family.<name>`): the mean of its statistics' z present in `table`,
    clipped to ±Z_CLIP (NaN where the pair has none of them)."""
    out = pd.DataFrame(index=table.index)
    for fam, stats in FAMILY_STATISTICS.items():
        cols = [c for c in stats if c in table.columns]
        out[f"family.{fam}"] = (table[cols].astype(float).mean(axis=1, skipna=True).clip(-Z_CLIP, Z_CLIP)
                                if cols else np.nan)
    return out


def source_weights(sources: Sequence[str], is_h1: np.ndarray) -> np.ndarray:
    """Per pair 1 / (pairs of its class sharing its suspect): each class's weights sum to its count
    of distinct suspects."""
    key = pd.Series([f"{bool(h)}\0{s}" for s, h in zip(sources, is_h1)])
    return (1.0 / key.map(key.value_counts())).to_numpy(float)


@dataclass
class Fusion:
    """A fitted fusion and calibration: log10 LR = clip((a + b * (w . x + c)) / ln 10, ELUB)."""

    features: list[str]
    weights: list[float]
    intercept: float
    cal_intercept: float
    cal_slope: float
    elub: tuple[float, float]
    n_sources: dict[str, int]
    n_pairs: dict[str, int]
    provenance: dict = field(default_factory=dict)

    def score(self, x: np.ndarray) -> np.ndarray:
        """The fused score of each row of `x` (columns `features`; NaN counts as 0, the controls' mean)."""
        x = np.nan_to_num(np.atleast_2d(np.asarray(x, float)), nan=0.0)
        return x @ np.asarray(self.weights, float) + self.intercept

    def log10_lr(self, x: np.ndarray, bounded: bool = True) -> np.ndarray:
        """Calibrated log10 LRs of the rows of `x`, clipped to the ELUB bounds unless `bounded` is False."""
        llr = (self.cal_intercept + self.cal_slope * self.score(x)) / _LN10
        return apply_elub(llr, self.elub) if bounded else llr

    def frame_lr(self, features: pd.DataFrame) -> np.ndarray:
        """`log10_lr` of a frame holding the `features` columns."""
        return self.log10_lr(features.reindex(columns=self.features).to_numpy(float))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["elub"] = list(self.elub)
        return {"format": FORMAT, **d}

    @classmethod
    def from_dict(cls, d: dict) -> "Fusion":
        if d.get("format") != FORMAT:
            raise ValueError(f"not a fusion file (format {d.get('format')!r}, expected {FORMAT!r})")
        body = {k: v for k, v in d.items() if k != "format"}
        body["elub"] = tuple(body["elub"])
        return cls(**body)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Fusion":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _can_fit(is_h1: np.ndarray, sources: Sequence[str]) -> bool:
    """Whether the training pairs hold at least MIN_SOURCES distinct suspects of each class."""
    src = np.asarray(list(sources), dtype=object)
    h1 = np.asarray(is_h1, bool)
    return len(set(src[h1])) >= MIN_SOURCES and len(set(src[~h1])) >= MIN_SOURCES


def _nonnegative_logistic(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray,
                         c: float) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression (sklearn's objective: C * sum w * loss + |coef|^2 / 2) with every
    coefficient >= 0. Each family's z is oriented (higher: more like R), so a family may add to the
    evidence for H1 or be ignored, never count against it: collinear families otherwise get
    weights of opposite signs that fit noise."""
    from scipy.optimize import minimize

    sign = np.where(y, 1.0, -1.0)
    k = x.shape[1]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        margin = sign * (x @ theta[:k] + theta[k])
        slope = -sign * sample_weight / (1.0 + np.exp(margin))
        value = c * float(sample_weight @ np.logaddexp(0.0, -margin)) + 0.5 * float(theta[:k] @ theta[:k])
        return value, np.r_[c * (x.T @ slope) + theta[:k], c * slope.sum()]

    res = minimize(objective, np.zeros(k + 1), jac=True, method="L-BFGS-B",
                   bounds=[(0.0, None)] * k + [(None, None)], options={"maxiter": 1000, "gtol": 1e-10})
    return res.x[:k], float(res.x[k])


def fit_fusion(x: np.ndarray, is_h1: np.ndarray, sources: Sequence[str], *,
               features: Sequence[str] = FEATURES, c: float = C_FUSION,
               provenance: dict | None = None) -> Fusion:
    """Fit the fusion weights, lir's logistic calibration and the source-counted ELUB bounds."""
    from lir.algorithms.logistic_regression import LogitCalibrator

    x = np.nan_to_num(np.asarray(x, float), nan=0.0)
    y = np.asarray(is_h1, bool)
    if not _can_fit(y, sources):
        raise ValueError(f"a fusion needs >= {MIN_SOURCES} H1 and H2 suspects")
    w = source_weights(sources, y)
    w = np.where(y, w / w[y].sum(), w / w[~y].sum())  # equal class weight, equal model weight
    coef, intercept = _nonnegative_logistic(x, y, w * len(y), c)
    fused = x @ coef + intercept
    cal = LogitCalibrator().fit(fused, y.astype(int))
    a, b = float(cal._logit.intercept_[0]), float(cal._logit.coef_[0][0])
    bounds = elub_bounds((a + b * fused) / _LN10, y, weights=source_weights(sources, y))
    src = np.asarray(list(sources), dtype=object)
    return Fusion(list(features), [float(v) for v in coef], float(intercept), a, b,
                  (float(bounds[0]), float(bounds[1])),
                  {"h1": len(set(src[y])), "h2": len(set(src[~y]))},
                  {"h1": int(y.sum()), "h2": int((~y).sum())}, dict(provenance or {}))
