"""Cross-validated LRs of labelled pairs: each pair's fusion and calibration is fitted on the
labelled pairs that share no lineage with it, as casework would meet it.

Two schemes (issue 31):
- `suspect`: leave the suspect's lineage out. Training drops every pair whose suspect or
  reference is of S's lineage group; the reference's own family stays in the panel, as when a
  user audits a model against references the panel holds. This is the headline.
- `reference`: leave the reference's family out as well (a reference family new to the panel).

Training pairs: student→teacher and same-weights pairs (H1), independent→reference pairs (H2).
A row whose training set holds fewer than `MIN_SOURCES` H1 or H2 suspects gets no LR (NaN).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ._fusion import FEATURES, Fusion, _can_fit, fit_fusion

SCHEMES = ("suspect", "reference")
TRAIN_KINDS = ("student_teacher", "same_weights", "independent_reference")
H1_LABELS = ("h1", "same")


def held_out_groups(suspect: str, reference: str, group: Callable[[str], str], scheme: str) -> frozenset:
    """The lineage groups a pair's calibration may not see."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r} (one of {', '.join(SCHEMES)})")
    return frozenset({group(suspect)} | ({group(reference)} if scheme == "reference" else set()))


def _training_mask(table: pd.DataFrame, held: frozenset, group: Callable[[str], str]) -> np.ndarray:
    """Rows that may train a calibration that is blind to the `held` groups."""
    kinds = table["kind"].isin(TRAIN_KINDS).to_numpy()
    gs = np.array([group(s) in held for s in table["suspect"]], bool)
    gr = np.array([group(r) in held for r in table["reference"]], bool)
    return kinds & ~gs & ~gr


def _fit_on(table: pd.DataFrame, mask: np.ndarray, provenance: dict | None = None,
            features: Sequence[str] = FEATURES) -> Fusion | None:
    """A fusion of `features` fitted on the masked rows, or None when they hold too few sources."""
    train = table[mask]
    y = train["label"].isin(H1_LABELS).to_numpy()
    if not _can_fit(y, train["suspect"]):
        return None
    return fit_fusion(train[list(features)].to_numpy(float), y, list(train["suspect"]), features=features,
                      provenance=provenance)


def cross_validated_fusion(table: pd.DataFrame, group: Callable[[str], str], scheme: str = "suspect",
                           features: Sequence[str] = FEATURES
                           ) -> tuple[pd.DataFrame, dict[frozenset, Fusion | None]]:
    """Add `log10_lr`, `elub_low`/`elub_high` and the training counts (sources) to a table of
    (suspect, reference, label, kind, family features); also return the fitted fusions by held-out set."""
    out = table.copy()
    fits: dict[frozenset, Fusion | None] = {}
    llr, low, high, n1, n2 = [], [], [], [], []
    for s, r, k in zip(out["suspect"], out["reference"], range(len(out))):
        held = held_out_groups(s, r, group, scheme)
        if held not in fits:
            fits[held] = _fit_on(out, _training_mask(out, held, group), features=features)
        fus = fits[held]
        if fus is None:
            llr.append(np.nan)
            low.append(np.nan)
            high.append(np.nan)
            n1.append(0)
            n2.append(0)
            continue
        llr.append(float(fus.frame_lr(out.iloc[[k]])[0]))
        low.append(fus.elub[0])
        high.append(fus.elub[1])
        n1.append(fus.n_sources["h1"])
        n2.append(fus.n_sources["h2"])
    out["log10_lr"] = llr
    out["elub_low"], out["elub_high"] = low, high
    out["train_h1_sources"], out["train_h2_sources"] = n1, n2
    return out, fits
