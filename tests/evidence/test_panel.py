"""The run's population-trained attribution: who R's background is, and its cache in the run."""

import math

import numpy as np
import pytest

from forensics.evidence import load_labels, panel_background, run_attribution, store_attribution, validate_panel
from tests.evidence.test_validate import LABELS, panel


def _labels(tmp_path):
    p = tmp_path / "labels.yaml"
    p.write_text(LABELS)
    return load_labels(p)


def test_rs_background_never_holds_the_target_its_lineage_or_rs_relatives(tmp_path):
    labels = _labels(tmp_path)
    models = sorted(labels.models) + ["audited"]
    bg = panel_background(labels, models)
    # alpha-1's own weights (alpha-1_v) and its teacher's other student line are out; rb is ra's vendor
    assert bg("alpha-1", "ra") == ["delta-1", "eps-1", "eta-1", "gamma-1", "theta-1", "zeta-1"]
    # beta-1 learned from rb, a relative of ra (one vendor): never an independent of ra
    assert bg("gamma-1", "ra") == ["delta-1", "eps-1", "eta-1", "theta-1", "zeta-1"]
    assert bg("delta-1", "rb") == ["eps-1", "eta-1", "gamma-1", "theta-1", "zeta-1"]
    # a model the labels do not list (the audited one) is never background, and is scored against all
    assert bg("audited", "ra") == ["delta-1", "eps-1", "eta-1", "gamma-1", "theta-1", "zeta-1"]


@pytest.mark.slow  # validates the synthetic panel twice (4 s)
def test_validate_fuses_the_attribution_family_and_caches_its_classifiers(tmp_path):
    labels = _labels(tmp_path)
    df = panel()
    v = validate_panel(df, labels, cache_dir=tmp_path / "cache")
    assert "family.attribution" in v.pairs and v.settings["attribution"]
    st = v.pairs[v.pairs["kind"] == "student_teacher"]
    h2 = v.pairs[v.pairs["kind"] == "independent_reference"]
    assert np.isfinite(st["family.attribution"]).all()
    assert st["family.attribution"].median() > h2["family.attribution"].max()
    cached = list((tmp_path / "cache").glob("attribution-*.json"))
    assert len(cached) == 1
    att = run_attribution(df, cache_dir=tmp_path / "cache")  # read back: no classifier is fitted again
    again = validate_panel(df, labels, cache_dir=tmp_path / "cache")
    assert np.array_equal(again.pairs["log10_lr"].to_numpy(), v.pairs["log10_lr"].to_numpy(), equal_nan=True)
    bg = panel_background(labels, att.models)
    assert not math.isnan(att.score("alpha-2", "ra", bg("alpha-2", "ra"))) and att.n_fitted == 0
    store_attribution(att, df, tmp_path / "cache")  # nothing new: the file is not rewritten
    assert cached[0].stat().st_mtime_ns == list((tmp_path / "cache").glob("attribution-*.json"))[0].stat().st_mtime_ns
