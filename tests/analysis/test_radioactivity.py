"""Watermark radioactivity: known answers on a hand-made score frame, the not-applicable cases, notes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from forensics.analysis import analysis_info, family_info, log10_bayes_factor, radioactivity_test
from forensics.analysis.radioactivity import MIN_TUPLES, NO_KEY
from forensics.evidence import LRModel, assess
from forensics.watermark import WatermarkScore, random_key

KEY = random_key(7)
SETTINGS = {**KEY.settings(), "reference": "R", "tokenizer": "llamacpp:qwen2.5-coder-0.5b"}
COUNTS = {"S": (400, 140), "R": (600, 330), "c1": (300, 78), "c2": (500, 120), "c3": (200, 52)}


def _frame(counts: dict[str, tuple[int, int]] = COUNTS, gamma: float = 0.25) -> pd.DataFrame:
    rows = []
    for model, (n, green) in counts.items():
        d = WatermarkScore(n_tokens=n + 10, n_scored=n, n_green=green, gamma=gamma).as_dict()
        rows.append({"model": model, "n_texts": 20, **{k: v for k, v in d.items() if k != "gamma"}})
    return pd.DataFrame(rows)


def _run(frame=None, reference="R", owner="R", settings=SETTINGS, controls=("c1", "c2", "c3")):
    return radioactivity_test(pd.DataFrame(), "S", reference, list(controls), radioactivity=frame,
                              radioactivity_reference=owner, radioactivity_settings=settings)


def _z(n: int, green: int, gamma: float = 0.25) -> float:
    return (green - gamma * n) / math.sqrt(n * gamma * (1 - gamma))


def test_known_answers():
    res = _run(_frame())
    assert res.applicable and res.name == "radioactivity.green_bias"
    assert res.statistic == pytest.approx(_z(400, 140)) == pytest.approx(40 / math.sqrt(75))
    assert res.p_value == pytest.approx(stats.binom.sf(139, 400, 0.25)) and res.p_value < 1e-4
    assert res.n == 400
    assert res.control_statistics == pytest.approx({"c1": _z(300, 78), "c2": _z(500, 120), "c3": _z(200, 52)})
    assert res.effect == pytest.approx(140 / 400 - 0.25)
    lo, hi = stats.binomtest(140, 400).proportion_ci(0.95, method="exact")
    assert (res.ci_low, res.ci_high) == pytest.approx((lo - 0.25, hi - 0.25))
    assert res.ci_low < res.effect < res.ci_high
    assert list(res.table["model"]) == ["S", "R", "c1", "c2", "c3"]
    assert dict(zip(res.table["model"], res.table["role"]))["R"] == "reference"


def test_an_unmarked_suspect_is_not_significant():
    res = _run(_frame({**COUNTS, "S": (400, 101)}))
    assert res.applicable and res.p_value > 0.4 and abs(res.statistic) < 0.2


def test_not_applicable_without_a_key():
    res = _run(None, owner=None, settings=None)
    assert not res.applicable and res.notes == [NO_KEY] and math.isnan(res.statistic)


def test_not_applicable_for_another_models_key():
    res = _run(_frame(), reference="R", owner="Other")
    assert not res.applicable and "Other's, not R's" in res.notes[0]
    assert not _run(None, reference="R", owner="Other").applicable


def test_not_applicable_with_too_few_tuples():
    res = _run(_frame({**COUNTS, "S": (MIN_TUPLES - 1, 40)}))
    assert not res.applicable and f"needs {MIN_TUPLES}" in res.notes[0]
    assert not _run(_frame({k: v for k, v in COUNTS.items() if k != "S"})).applicable  # S not scored


def test_controls_with_too_few_tuples_leave_the_null():
    res = _run(_frame({**COUNTS, "c3": (10, 9)}))
    assert set(res.control_statistics) == {"c1", "c2"} and any("c3" in n for n in res.notes)


def test_notes_state_settings_exactness_independence_and_caveat_never_the_key():
    res = _run(_frame())
    text = " ".join(res.notes)
    assert KEY.key_sha256[:16] in text and "γ = 0.25" in text and "llamacpp:qwen2.5-coder-0.5b" in text
    assert "exact" in text and "independently of the text" in text
    assert "independent of them" in text and "under H1 both grow" in text
    assert "Gu et al., ICLR 2024" in text and "Pan et al., ACL 2025" in text
    assert "not evidence of independence" in text
    assert KEY.secret.hex() not in text and str(KEY.secret) not in text and str(KEY.seed64) not in text
    assert "R's own texts in this run: z = " in text


def test_catalogue_and_lr_model_treat_the_family_sensibly():
    info = analysis_info("radioactivity.green_bias")
    assert info.family == "radioactivity" and info.null_sd == 1.0
    fam = family_info("radioactivity")
    assert fam.group is None and fam.null_mass == 0.7
    model = LRModel()
    assert model.group_of("radioactivity") == "radioactivity" and model.null_mass_of("radioactivity") == 0.7
    few = assess([_run(_frame())], suspect="S", reference="R", controls=["c1", "c2", "c3"])
    wide_counts = {**COUNTS, "c1": (500, 95), "c2": (500, 125), "c3": (500, 155)}  # z -3.1, 0, +3.1
    wide = assess([_run(_frame(wide_counts))], suspect="S", reference="R", controls=["c1", "c2", "c3"])
    miss = assess([_run(_frame({**COUNTS, "S": (400, 101)}))], suspect="S", reference="R",
                  controls=["c1", "c2", "c3"])
    lr = {k: ev.summary.set_index("analysis").loc["radioactivity.green_bias", "log10_lr"]
          for k, ev in (("few", few), ("wide", wide), ("miss", miss))}
    z_s, z_c = _z(400, 140), [_z(300, 78), _z(500, 120), _z(200, 52)]
    # the z-score's SD under H2 is known (1): three controls near 0 and S at z = 4.6 give strong
    # support, capped per analysis; estimating the SD from the three would bound it below 1
    assert lr["few"] == pytest.approx(model.cap_analysis)
    assert log10_bayes_factor(z_s, z_c, floor=1.0, null_mass=0.7, sd_known=True) > model.cap_analysis
    assert log10_bayes_factor(z_s, z_c, floor=1.0, null_mass=0.7) < 1.0
    # controls spread far wider than the exact null: their spread is used, and the LR falls
    assert lr["wide"] < 1.0 < lr["few"]
    # a non-detection is weak evidence for H2 at most: bounded by the family's null mass
    assert math.log10(0.7) - 1e-9 <= lr["miss"] < 0.0


def test_the_lr_floors_the_controls_spread_at_the_exact_null_sd():
    # three controls with nearly equal z: without the floor S's modest z would look extreme
    near = _frame({**COUNTS, "S": (400, 112), "c1": (300, 75), "c2": (500, 125), "c3": (200, 50)})
    ev = assess([_run(near)], suspect="S", reference="R", controls=["c1", "c2", "c3"])
    row = ev.summary.set_index("analysis").loc["radioactivity.green_bias"]
    assert row["control_sd"] == pytest.approx(1.0) and row["log10_lr"] < 1.0


def test_with_two_controls_dropping_one_still_scores_the_known_sd_statistic():
    """The leave-one-out check keeps the radioactivity analysis on the one control left (its null SD
    is known), so a strong watermark with two controls is not called "controls disagree"."""
    two = assess([_run(_frame(), controls=("c1", "c2"))], suspect="S", reference="R", controls=["c1", "c2"],
                 n_probes=200)
    loo = two.tables["robustness"]
    assert two.verdict.log10_lr == pytest.approx(LRModel().cap_analysis)
    assert not any("controls disagree" in r.text for r in two.verdict.reasons)
    z_s, z = _z(400, 140), {"c1": _z(300, 78), "c2": _z(500, 120)}
    for c, other in (("c1", "c2"), ("c2", "c1")):  # without c, the other is the null sample
        want = min(LRModel().cap_analysis, log10_bayes_factor(z_s, [z[other]], floor=1.0, null_mass=0.7,
                                                              sd_known=True))
        assert loo.set_index("control").loc[c, "log10_lr_without_control"] == pytest.approx(want)
        assert want > 1.0
