"""Calibration: cross-validated by lineage group, ELUB-bounded, never on the pair it scores."""

import numpy as np
import pandas as pd

from forensics.evidence import cross_validated_lrs


def table(seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(8):  # 8 lineage groups, each with H1 and H2 pairs
        for k in range(3):
            rows.append({"suspect": f"s{g}-{k}", "reference": f"r{g}", "label": "h1", "score": rng.normal(2, 1)})
            rows.append({"suspect": f"i{g}-{k}", "reference": f"r{g}", "label": "h2", "score": rng.normal(0, 1)})
    return pd.DataFrame(rows)


def group(name: str) -> str:
    return name[1:].split("-")[0]


def test_no_pair_is_scored_by_a_calibration_that_saw_its_group():
    t = table()
    base = cross_validated_lrs(t, group)
    assert (base["train_h1"] == 3 * 7).all() and (base["train_h2"] == 3 * 7).all()
    k0 = int(t.index[t["reference"] == "r3"][0])
    # scramble every other pair of k0's lineage group: k0's calibration never saw them
    t2 = t.copy()
    rest = (t2["reference"] == "r3") & (t2.index != k0)
    t2.loc[rest, "score"] = -10 * t2.loc[rest, "score"] + 7
    moved = cross_validated_lrs(t2, group)
    assert moved.loc[k0, "log10_lr"] == base.loc[k0, "log10_lr"]
    # ... while pairs of other groups, whose calibrations did see group 3, move
    others = t["reference"] != "r3"
    assert not np.allclose(moved.loc[others, "log10_lr"], base.loc[others, "log10_lr"])


def test_lrs_are_monotone_within_a_fold_and_bounded_by_elub():
    t = table(1)
    out = cross_validated_lrs(t, group)
    assert out["log10_lr"].notna().all()
    assert ((out["log10_lr"] >= out["elub_low"] - 1e-12) & (out["log10_lr"] <= out["elub_high"] + 1e-12)).all()
    fold = out[out["reference"] == "r0"].sort_values("score")
    assert fold["log10_lr"].is_monotonic_increasing
    h1 = out.loc[out["label"] == "h1", "log10_lr"].median()
    h2 = out.loc[out["label"] == "h2", "log10_lr"].median()
    assert h1 > 0 > h2


def test_too_few_training_pairs_give_no_lr():
    t = table().iloc[:8]  # two groups only: each fold trains on one group's 3 + 3 pairs
    t = t[t["reference"] == "r0"]  # one group: nothing left to train on
    out = cross_validated_lrs(t, group)
    assert out["log10_lr"].isna().all() and (out["train_h1"] == 0).all()
