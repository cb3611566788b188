"""Cross-validated fusion: never fitted on a pair of the suspect's lineage, ELUB-bounded, both schemes."""

import numpy as np
import pandas as pd
import pytest

from forensics.evidence import FEATURES, cross_validated_fusion
from forensics.evidence._calibration import held_out_groups, _training_mask


def table(seed=0, groups=8, refs=2):
    """Per lineage group g: 3 students of reference r{g % refs} and 3 independents against it."""
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(groups):
        ref = f"r{g % refs}"
        for k in range(3):
            rows.append({"suspect": f"s{g}-{k}", "reference": ref, "label": "h1", "kind": "student_teacher",
                         **dict(zip(FEATURES, rng.normal(2, 1, len(FEATURES))))})
            rows.append({"suspect": f"i{g}-{k}", "reference": ref, "label": "h2",
                         "kind": "independent_reference", **dict(zip(FEATURES, rng.normal(0, 1, len(FEATURES))))})
    return pd.DataFrame(rows)


def group(name: str) -> str:
    return name if name.startswith("r") else name[1:].split("-")[0]


def test_no_pair_is_scored_by_a_calibration_that_saw_its_lineage():
    t = table()
    base, _ = cross_validated_fusion(t, group)
    assert (base["train_h1_sources"] == 3 * 7).all() and (base["train_h2_sources"] == 3 * 7).all()
    k0 = int(t.index[t["suspect"] == "s3-0"][0])
    # scramble every other pair of k0's lineage group: k0's calibration never saw them
    t2 = t.copy()
    rest = t2["suspect"].str[1:].str.startswith("3-") & (t2.index != k0)
    t2.loc[rest, list(FEATURES)] = -10 * t2.loc[rest, list(FEATURES)].to_numpy() + 7
    moved, _ = cross_validated_fusion(t2, group)
    assert moved.loc[k0, "log10_lr"] == base.loc[k0, "log10_lr"]
    # ... while pairs of other groups, whose calibrations did see group 3, move
    others = ~t["suspect"].str[1:].str.startswith("3-")
    assert not np.allclose(moved.loc[others, "log10_lr"], base.loc[others, "log10_lr"])


def test_the_reference_scheme_also_holds_out_the_reference_family():
    t = table()
    held = held_out_groups("s3-0", "r1", group, "reference")
    assert held == {"3", "r1"}
    mask = _training_mask(t, held, group)
    assert not (t.loc[mask, "reference"] == "r1").any() and (t.loc[mask, "reference"] == "r0").any()
    out, fits = cross_validated_fusion(t, group, "reference")
    assert out["log10_lr"].notna().all() and len(fits) == 8
    assert (out["train_h1_sources"] == 3 * 4).all()  # the four groups of the other reference
    with pytest.raises(ValueError, match="unknown scheme"):
        held_out_groups("s3-0", "r1", group, "nope")


def test_lrs_are_monotone_within_a_fold_and_bounded_by_elub():
    out, _ = cross_validated_fusion(table(1), group)
    assert out["log10_lr"].notna().all()
    assert ((out["log10_lr"] >= out["elub_low"] - 1e-12) & (out["log10_lr"] <= out["elub_high"] + 1e-12)).all()
    h1 = out.loc[out["label"] == "h1", "log10_lr"].median()
    h2 = out.loc[out["label"] == "h2", "log10_lr"].median()
    assert h1 > 0 > h2


def test_too_few_training_sources_give_no_lr():
    t = table(groups=2, refs=1)  # each fold may train on the other group's 3 + 3 sources
    out, _ = cross_validated_fusion(t, group, "reference")  # ... unless the one reference is held out
    assert out["log10_lr"].isna().all() and (out["train_h1_sources"] == 0).all()
    out, _ = cross_validated_fusion(t, group, "suspect")
    assert out["log10_lr"].notna().all() and (out["train_h1_sources"] == 3).all()
