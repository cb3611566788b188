"""Known-answer tests for forensics.analysis.attribution."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forensics.analysis.attribution import _folds, attribution_analysis
from forensics.evidence import hashing_embed
from tests.synthetic import make_responses


def test_folds_group_probes():
    folds = _folds(23, seed=1)
    assert len(folds) == 23 and set(folds) == set(range(5))
    assert max(np.bincount(folds)) - min(np.bincount(folds)) <= 1
    assert (folds == _folds(23, seed=1)).all()


def test_distilled_suspect_is_attributed_to_reference():
    df, s, r, controls = make_responses(5, n_probes=30, distilled=0.7)
    res = attribution_analysis(df, s, r, controls, embed=hashing_embed, n_perm=200, n_boot=200)
    assert res.applicable and res.n == 30
    assert res.statistic > max(res.control_statistics.values())
    assert res.ci_low > 0
    assert {"excess_s", "reference_self", "fold"} <= set(res.table.columns)


def test_control_is_never_in_its_own_training_set():
    # C1 is a copy of R. Were C1 in the training set (labelled "not R") when scored, its
    # responses would look unlike R; left out, they look exactly like R's held-out responses.
    df, s, r, controls = make_responses(6, n_probes=25)
    copy = df[df["model"] == r].assign(model="C1")
    df = pd.concat([df[df["model"] != "C1"], copy], ignore_index=True)
    res = attribution_analysis(df, s, r, controls, n_perm=100, n_boot=100)
    others = [v for c, v in res.control_statistics.items() if c != "C1"]
    assert res.control_statistics["C1"] > max(others) + 0.2
    assert abs(res.control_statistics["C1"] - res.table["reference_self"].mean()) < 0.15


def test_reproducible():
    df, s, r, controls = make_responses(8, n_probes=20, distilled=0.5)
    a = attribution_analysis(df, s, r, controls, seed=3, n_perm=100, n_boot=100)
    b = attribution_analysis(df, s, r, controls, seed=3, n_perm=100, n_boot=100)
    assert a.statistic == b.statistic and a.control_statistics == b.control_statistics
    pd.testing.assert_frame_equal(a.table, b.table)
