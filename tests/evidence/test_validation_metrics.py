"""Known-answer tests for the LR-system validation metrics (Cllr, PAV, EER, AUC, ELUB, Tippett, ECE)."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from forensics.evidence._validation_metrics import (apply_elub, cllr, cllr_cal, cllr_min, ece, eer,
                                                    elub_bounds, misleading_rates, roc_auc, tippett,
                                                    validation_summary)

INF = math.inf


def _data(h1, h2):
    """log10 LRs and labels (H1 first)."""
    h1, h2 = np.asarray(h1, float), np.asarray(h2, float)
    return np.concatenate([h1, h2]), np.r_[np.ones(h1.size, bool), np.zeros(h2.size, bool)]


def _random_systems(n: int = 40, seed: int = 7):
    """Random, partly rounded (tied), partly miscalibrated systems."""
    rng = np.random.default_rng(seed)
    for k in range(n):
        n1, n2 = rng.integers(2, 60, 2)
        h1 = rng.normal(rng.uniform(-1, 3), rng.uniform(0.2, 2), n1)
        h2 = rng.normal(rng.uniform(-3, 1), rng.uniform(0.2, 2), n2)
        if k % 2:
            h1, h2 = np.round(h1, 1), np.round(h2, 1)
        yield _data(h1, h2)


# ---------------------------------------------------------------- Cllr


def test_cllr_hand_worked_example():
    # H1 LRs 10 and 1, H2 LRs 0.1 and 1 (log10: 1, 0 | -1, 0).
    # H1 terms log2(1 + 1/LR): log2(1.1) and log2(2) = 1  -> mean (log2(1.1) + 1) / 2
    # H2 terms log2(1 + LR):   log2(1.1) and log2(2) = 1  -> mean (log2(1.1) + 1) / 2
    # Cllr = 1/2 (both means) = (log2(1.1) + 1) / 2 = 0.56875176...
    llr, y = _data([1, 0], [-1, 0])
    assert abs(cllr(llr, y) - (math.log2(1.1) + 1) / 2) < 1e-12


def test_cllr_of_an_uninformative_system_is_exactly_one():
    llr, y = _data(np.zeros(7), np.zeros(3))
    assert cllr(llr, y) == 1.0


def test_cllr_of_a_perfect_system_is_near_zero():
    llr, y = _data(np.full(5, 10.0), np.full(5, -10.0))
    assert 0 < cllr(llr, y) < 1e-9  # log2(1 + 1e-10) = 1.44e-10
    llr, y = _data([INF, INF], [-INF])
    assert cllr(llr, y) == 0.0


def test_cllr_handles_infinities_and_extremes():
    # a misleading infinite LR costs infinitely much; no NaN, no warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cllr(*_data([-INF, 1], [0])) == INF
        assert cllr(*_data([1], [INF])) == INF
        # beyond float range of the LR itself (10**400) the cost stays finite and exact:
        # H2 term log2(1 + 1e400) = 400 log2(10); H1 term log2(1 + 1e-400) ~ 0
        assert cllr(*_data([400], [400])) == pytest.approx(0.5 * 400 * math.log2(10), rel=1e-12)


def test_cllr_min_of_a_separated_but_miscalibrated_system_is_zero():
    # H1 all log10 LR -1 (LR 0.1), H2 all -2 (LR 0.01): perfectly ordered, badly calibrated.
    # Cllr = 1/2 [log2(1 + 10) + log2(1 + 0.01)] = 1.7369; PAV gives H1 -> +inf, H2 -> -inf.
    llr, y = _data(np.full(5, -1.0), np.full(5, -2.0))
    assert cllr(llr, y) == pytest.approx(0.5 * (math.log2(11) + math.log2(1.01)), abs=1e-12)
    assert cllr_min(llr, y) == pytest.approx(0.0, abs=1e-12)
    assert cllr_cal(llr, y) == pytest.approx(cllr(llr, y), abs=1e-12)


def test_cllr_min_hand_worked_pav():
    # H1 at scores 0 and 2, H2 at score 1. Sorted: 0 (H1), 1 (H2), 2 (H1): 0 < 1 is a violation,
    # so PAV pools {0, 1}. A bin's LR is P(bin | H1) / P(bin | H2): {0, 1}: (1/2) / (1/1) = 1/2;
    # {2}: (1/2) / 0 = inf. Cllr_min = 1/2 [ mean_H1(log2(1 + 2), log2(1 + 0)) + log2(1 + 1/2) ]
    #                                 = 1/2 [ log2(3) / 2 + log2(1.5) ]
    llr, y = _data([0, 2], [1])
    assert cllr_min(llr, y) == pytest.approx(0.5 * (math.log2(3) / 2 + math.log2(1.5)), abs=1e-12)
    # ties are pooled: H1 1, 0 and H2 -1, 0 -> bins {-1}: LR 0, {0, 0}: LR 1, {1}: inf -> 1/2
    assert cllr_min(*_data([1, 0], [-1, 0])) == pytest.approx(0.5, abs=1e-12)


def test_cllr_min_is_at_most_cllr_and_at_most_one():
    for llr, y in _random_systems():
        c, c_min = cllr(llr, y), cllr_min(llr, y)
        assert 0 <= c_min <= c + 1e-12
        assert c_min <= 1 + 1e-12  # pooling all into one bin (LR 1) costs exactly 1
        assert cllr_cal(llr, y) == pytest.approx(c - c_min, abs=1e-12)


def test_cllr_and_cllr_min_agree_with_lir():
    metrics = pytest.importorskip("lir.metrics")
    from lir.data.models import LLRData

    for llr, y in _random_systems():
        data = LLRData(features=llr.copy(), labels=y.astype(int))
        assert cllr(llr, y) == pytest.approx(metrics.cllr(data), abs=1e-12)
        assert cllr_min(llr, y) == pytest.approx(metrics.cllr_min(data), abs=1e-12)


# ---------------------------------------------------------------- EER, AUC, misleading evidence


def test_eer_hand_cases():
    # H1 1, 0; H2 -1, 0. ROC (FA, hit): (0,0) (0,.5) (.5,1) (1,1). Between (0,.5) and (.5,1) the
    # miss rate falls 0.5 -> 0 while false alarms rise 0 -> 0.5: they meet halfway, at 0.25.
    assert eer(*_data([1, 0], [-1, 0])) == pytest.approx(0.25, abs=1e-12)
    assert eer(*_data([2, 3], [-1, 0])) == 0.0  # separated
    assert eer(*_data([-1, -1], [1, 1])) == 1.0  # inverted
    assert eer(*_data([0, 0], [0, 0])) == pytest.approx(0.5, abs=1e-12)  # all tied
    # H1 3, 1; H2 2, 0: threshold between 2 and 1 misses 1 of 2 and accepts 1 of 2 -> 0.5
    # (on the ROC itself; the convex hull's EER would be 1/3)
    assert eer(*_data([3, 1], [2, 0])) == pytest.approx(0.5, abs=1e-12)
    assert eer(*_data([INF, 1], [-INF, 2])) == pytest.approx(0.5, abs=1e-12)


def test_roc_auc_hand_cases():
    # pairs (H1, H2): (1,-1) (1,0) (0,-1) win, (0,0) tie -> (3 + 1/2) / 4
    assert roc_auc(*_data([1, 0], [-1, 0])) == pytest.approx(0.875, abs=1e-12)
    # infinities keep their order: (inf,-inf) (inf,1) (0,-inf) win, (0,1) loses -> 3/4
    assert roc_auc(*_data([INF, 0], [-INF, 1])) == pytest.approx(0.75, abs=1e-12)
    assert roc_auc(*_data([-1], [1])) == 0.0


def test_misleading_rates_hand_case():
    # H2 with LR > 1: 1 and 0.1 of 5; H1 with LR < 1: -1 and -0.5 of 4; LR = 1 misleads nobody
    rates = misleading_rates(*_data([2, -1, -0.5, 0], [1, -2, 0, -3, 0.1]))
    assert rates == {"rate_misleading_for_h1": 2 / 5, "n_misleading_for_h1": 2,
                     "rate_misleading_for_h2": 2 / 4, "n_misleading_for_h2": 2}


def test_validation_summary():
    llr, y = _data([1, 0, 3], [-1, 0])
    s = validation_summary(llr, y)
    assert set(s) == {"cllr", "cllr_min", "cllr_cal", "eer", "roc_auc", "rate_misleading_for_h1",
                      "n_misleading_for_h1", "rate_misleading_for_h2", "n_misleading_for_h2",
                      "n_h1", "n_h2"}
    assert (s["n_h1"], s["n_h2"]) == (3, 2)
    assert s["cllr"] == cllr(llr, y) and s["cllr_min"] == cllr_min(llr, y)
    assert s["cllr_cal"] == pytest.approx(s["cllr"] - s["cllr_min"], abs=1e-15)
    assert s["eer"] == eer(llr, y) and s["roc_auc"] == roc_auc(llr, y)


@pytest.mark.parametrize("llr,y", [
    ([0.0, np.nan], [True, False]),  # NaN
    ([0.0, 1.0], [True, True]),  # no H2
    ([0.0, 1.0], [False, False]),  # no H1
    ([0.0, 1.0, 2.0], [True, False]),  # lengths differ
    ([0.0, 1.0], [1, 2]),  # not labels
])
def test_bad_input_is_refused(llr, y):
    with pytest.raises(ValueError):
        cllr(llr, y)


def test_inputs_are_not_changed_and_plain_lists_work():
    llr, y = _data([INF, 5.0, 0.3], [-INF, -5.0, 0.5])
    before = llr.copy()
    validation_summary(llr, y), elub_bounds(llr, y), ece(llr, y), tippett(llr, y)
    np.testing.assert_array_equal(llr, before)
    assert cllr(list(llr), [int(v) for v in y]) == cllr(pd.Series(llr), pd.Series(y))


# ---------------------------------------------------------------- ELUB


def test_elub_bounds_of_a_perfectly_separated_system():
    # n1 H1 LRs far above and n2 H2 LRs far below every threshold theta = 10**t considered.
    # lir/Vergeer: add one misleading LR per side (an H1 always rejected, an H2 always accepted);
    # expected utility EU(theta) = P(reject | H1) + theta P(accept | H2) must not exceed that of
    # the neutral system, EU0 = theta for theta < 1 (accepts all) and 1 for theta >= 1.
    # For every threshold between the two groups: EU = 1/(n1+1) + theta/(n2+1).
    # Upper: 1/(n1+1) + theta/(n2+1) <= 1   <=>  theta <= n1 (n2+1)/(n1+1)
    # Lower: 1/(n1+1) + theta/(n2+1) <= theta <=> theta >= (n2+1) / ((n1+1) n2)
    # n1 = 4, n2 = 19: upper log10(16) = 1.204, lower -log10(95/20) = -0.677. On lir's 0.01 grid
    # the bound is the last grid point still acceptable: 1.20 and -0.67.
    llr, y = _data(np.full(4, 5.0), np.full(19, -5.0))
    assert 1.20 <= math.log10(4 * 20 / 5) < 1.21 and -0.68 < math.log10(20 / (5 * 19)) <= -0.67
    assert elub_bounds(llr, y) == pytest.approx((-0.67, 1.20), abs=1e-9)
    # infinite LRs are handled as the extreme LRs they are
    assert elub_bounds(*_data(np.full(4, INF), np.full(19, -INF))) == pytest.approx((-0.67, 1.20), abs=1e-9)
    # symmetric n1 = n2 = 9: theta <= 9 and theta >= 1/9 -> +-log10(9) = +-0.954 -> +-0.95
    assert elub_bounds(*_data(np.full(9, 3.0), np.full(9, -3.0))) == pytest.approx((-0.95, 0.95), abs=1e-9)


def test_elub_bounds_of_an_uninformative_system_are_zero():
    # all LR = 1: at theta = 1 the system rejects all, EU = 1 + 1/(n2+1) > 1 -> bounds (0, 0)
    assert elub_bounds(*_data(np.zeros(10), np.zeros(10))) == (0.0, 0.0)


def test_elub_bounds_agree_with_lir():
    bayeserror = pytest.importorskip("lir.algorithms.bayeserror")  # imports pyplot; fine in a test
    for llr, y in _random_systems(60, seed=11):
        lower, upper = bayeserror.elub(llr.copy(), y.astype(int))
        assert elub_bounds(llr, y) == (float(lower), float(upper))


def test_apply_elub_clips():
    out = apply_elub([-5.0, 0.3, 5.0, INF, -INF], (-0.67, 1.2))
    np.testing.assert_array_equal(out, [-0.67, 0.3, 1.2, 1.2, -0.67])
    with pytest.raises(ValueError):
        apply_elub([0.0], (1.0, -1.0))


# ---------------------------------------------------------------- Tippett, ECE


def test_tippett_hand_case():
    t = tippett(*_data([1, 0], [-1, 0]))
    assert list(t.columns) == ["log10_lr", "share_h1", "share_h2"]
    np.testing.assert_allclose(t["log10_lr"], [-1.5, -1, 0, 1, 1.5])
    np.testing.assert_allclose(t["share_h1"], [1, 1, 1, 0.5, 0])
    np.testing.assert_allclose(t["share_h2"], [1, 1, 0.5, 0, 0])
    # an infinite H1 LR is >= every threshold; a -inf H2 LR below every one
    t = tippett(*_data([INF, 0], [-INF, 0]))
    assert t["share_h1"].iloc[-1] == 0.5 and t["share_h2"].iloc[0] == 0.5


def test_tippett_curves_are_non_increasing():
    for llr, y in _random_systems(10):
        t = tippett(llr, y)
        assert t["log10_lr"].is_monotonic_increasing
        for col in ("share_h1", "share_h2"):
            assert (np.diff(t[col]) <= 0).all()
            assert t[col].iloc[0] == 1.0 and t[col].iloc[-1] == 0.0
    t = tippett(*_data([1, 2], [0]), thresholds=[3.0, 0.5, 1.5])
    np.testing.assert_allclose(t["share_h1"], [1, 0.5, 0])


def test_ece_shapes_and_known_values():
    llr, y = _data([1, 0, 2, -0.5], [-1, 0, 0.5])
    e = ece(llr, y)
    assert list(e.columns) == ["prior_log10_odds", "ece_system", "ece_pav", "ece_neutral"]
    assert len(e) == 51
    # the neutral system's ECE is the prior's entropy
    p = 1 / (1 + 10.0 ** -e["prior_log10_odds"])
    np.testing.assert_allclose(e["ece_neutral"], -p * np.log2(p) - (1 - p) * np.log2(1 - p), rtol=1e-12)
    # at even prior odds the ECE is Cllr, and after PAV, Cllr_min
    at0 = ece(llr, y, [0.0]).iloc[0]
    assert at0["ece_system"] == pytest.approx(cllr(llr, y), abs=1e-12)
    assert at0["ece_pav"] == pytest.approx(cllr_min(llr, y), abs=1e-12)
    assert at0["ece_neutral"] == pytest.approx(1.0, abs=1e-15)


def test_pav_ece_is_never_above_the_system_or_the_neutral_reference():
    for llr, y in _random_systems(15):
        e = ece(llr, y)
        assert (e["ece_pav"] <= e["ece_system"] + 1e-12).all()
        assert (e["ece_pav"] <= e["ece_neutral"] + 1e-12).all()


def test_ece_agrees_with_lir():
    ece_module = pytest.importorskip("lir.plotting.expected_calibration_error")
    priors = np.linspace(-2.5, 2.5, 11)
    for llr, y in _random_systems(10):
        theirs = ece_module.calculate_ece(10.0 ** llr, y.astype(int), 1 / (1 + 10.0 ** -priors))
        np.testing.assert_allclose(ece(llr, y, priors)["ece_system"], theirs, rtol=1e-9)


@pytest.mark.slow
def test_metrics_never_import_matplotlib():
    code = ("import sys, numpy as np\n"
            "from forensics.evidence import _validation_metrics as m\n"
            "x = np.r_[np.linspace(-1, 3, 20), np.linspace(-3, 1, 20)]; y = np.arange(40) < 20\n"
            "m.validation_summary(x, y); m.ece(x, y); m.tippett(x, y); m.apply_elub(x, m.elub_bounds(x, y))\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_weighted_elub_counts_sources():
    from forensics.evidence import elub_bounds

    rng = np.random.default_rng(5)
    llr = np.r_[rng.normal(1, 1, 20), rng.normal(-1, 1, 30)]
    lab = np.r_[np.ones(20, bool), np.zeros(30, bool)]
    assert elub_bounds(llr, lab, weights=np.ones(50)) == elub_bounds(llr, lab)
    # every comparison repeated three times, each copy weighing a third: the same sources
    assert elub_bounds(np.repeat(llr, 3), np.repeat(lab, 3), weights=np.full(150, 1 / 3)) == \
        elub_bounds(llr, lab)
    # ... whereas counted as pairs, the copies would widen the bounds
    wide = elub_bounds(np.repeat(llr, 3), np.repeat(lab, 3))
    assert wide[0] <= elub_bounds(llr, lab)[0] and wide[1] >= elub_bounds(llr, lab)[1]
    with pytest.raises(ValueError, match="positive"):
        elub_bounds(llr, lab, weights=np.zeros(50))


def test_clopper_pearson_and_misleading_sources():
    from forensics.evidence import clopper_pearson_upper, misleading_sources

    assert clopper_pearson_upper(0, 15) == pytest.approx(1 - 0.05 ** (1 / 15))
    assert clopper_pearson_upper(3, 3) == 1.0 and clopper_pearson_upper(0, 0) == 1.0
    from scipy.stats import binomtest

    assert clopper_pearson_upper(4, 15) == pytest.approx(binomtest(4, 15).proportion_ci(0.90).high)
    m = misleading_sources([0.5, -1, -1, 2.0, -0.2, 0.1], ["a", "a", "b", "c", "c", "d"], 0.0)
    assert (m["k_sources"], m["n_sources"], m["n_pairs"]) == (3, 4, 6)
    assert m["pair_rate"] == pytest.approx(3 / 6) and m["source_rate"] == 0.75
    h1 = misleading_sources([0.5, -1.5, 2.0], ["a", "b", "c"], 1.0, for_h1=False)
    assert h1["k_sources"] == 1 and h1["upper_95"] == pytest.approx(clopper_pearson_upper(1, 3))
