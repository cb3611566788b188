"""Known-answer tests for forensics.analysis._stats."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from forensics.analysis import holm, log10_bayes_factor
from forensics.analysis._stats import _bootstrap_ci, _excess_closeness, _loo_statistics, _median_heuristic, _mmd2, _mmd_test, _mmd_test_grouped, _per_probe_differences, _predictive_pvalue, _sign_flip_test


def test_sign_flip_p_values_are_uniform_on_exchangeable_data():
    ps = np.array([_sign_flip_test(np.random.default_rng(s).normal(size=25), n_perm=199, seed=s)
                   for s in range(400)])
    assert 0.02 <= np.mean(ps < 0.05) <= 0.085
    assert 0.06 <= np.mean(ps < 0.10) <= 0.15
    assert stats.kstest(ps, "uniform").pvalue > 0.01


def test_sign_flip_detects_a_shift_and_is_seeded():
    d = np.random.default_rng(1).normal(1.0, 1.0, size=40)
    assert _sign_flip_test(d, n_perm=999, seed=3) == pytest.approx(1 / 1000)
    assert _sign_flip_test(-d, n_perm=999, seed=3) > 0.99
    x = np.random.default_rng(2).normal(0.2, 1, 30)
    assert _sign_flip_test(x, 500, seed=7) == _sign_flip_test(x, 500, seed=7)
    assert _sign_flip_test([], 100) == 1.0


def test_bootstrap_ci_covers_the_mean():
    hits = 0
    for s in range(200):
        x = np.random.default_rng(s).normal(0.0, 1.0, size=60)
        lo, hi = _bootstrap_ci(x, n_boot=400, seed=s)
        assert lo <= x.mean() <= hi
        hits += lo <= 0.0 <= hi
    assert 0.88 <= hits / 200 <= 0.99


def test_holm_hand_worked():
    # sorted: .005*4 = .02, .01*3 = .03, .03*2 = .06, .04*1 = .04 -> running max .06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    out = holm([0.2, np.nan, 0.6])
    assert out[0] == pytest.approx(0.4) and np.isnan(out[1]) and out[2] == pytest.approx(0.6)
    assert holm([0.9, 0.3]) == pytest.approx([0.9, 0.6])


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(0).uniform(size=12) ** 3
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1])


def test_mmd_is_zero_for_equal_samples_and_detects_a_shift():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 5))
    assert abs(_mmd2(x, x.copy())) < 0.1
    y = rng.normal(1.0, 1.0, size=(30, 5))
    stat, p = _mmd_test(x, y, n_perm=200, seed=1)
    assert stat > 0 and p < 0.01
    assert _median_heuristic(x) > 0


def test_mmd_permutation_p_values_are_roughly_uniform_under_h0():
    ps = []
    for s in range(60):
        rng = np.random.default_rng(100 + s)
        _, p = _mmd_test(rng.normal(size=(15, 3)), rng.normal(size=(15, 3)), n_perm=99, seed=s)
        ps.append(p)
    assert np.mean(np.array(ps) < 0.05) <= 0.12


def test_grouped_mmd_permutes_within_probes():
    rng = np.random.default_rng(3)
    xs = [rng.normal(i, 1, size=(3, 2)) for i in range(10)]
    ys_same = [rng.normal(i, 1, size=(3, 2)) for i in range(10)]
    ys_diff = [rng.normal(i + 2, 1, size=(3, 2)) for i in range(10)]
    assert _mmd_test_grouped(xs, ys_same, n_perm=100, seed=0)[1] > 0.05
    assert _mmd_test_grouped(xs, ys_diff, n_perm=100, seed=0)[1] < 0.05


def test_predictive_pvalue_is_uniform_for_exchangeable_models():
    rng = np.random.default_rng(0)
    ps = [_predictive_pvalue(v[0], v[1:]) for v in rng.normal(size=(3000, 5))]
    assert 0.04 <= np.mean(np.array(ps) < 0.05) <= 0.06


def test_bayes_factor_densities_integrate_to_one_and_are_bounded():
    c = [0.0, 1.0, -0.5, 0.3]
    k, nu, tau = 4, 3, 3.0
    sd = np.std(c, ddof=1)
    a, om = np.sqrt(1 + 1 / k), np.sqrt(1 + 1 / k + tau**2)

    def f1(d):
        y = d / (sd * om)
        return 2 * stats.t.pdf(y, nu) / (sd * om) * stats.t.cdf(
            tau / a * y * np.sqrt((nu + 1) / (nu + y * y)), nu + 1)

    assert integrate.quad(f1, -np.inf, np.inf)[0] == pytest.approx(1.0, abs=1e-6)
    lrs = [log10_bayes_factor(np.mean(c) + z * sd, c, tau=tau) for z in (-2, 0, 1, 2, 4, 8, 1e6)]
    assert all(np.diff(lrs) > 0) and lrs[1] < 0
    bound = np.log10(2 * (om / a) ** nu)
    assert lrs[-1] == pytest.approx(bound, abs=0.01)
    assert log10_bayes_factor(1e9, c, tau=tau, null_mass=0.5) < bound
    assert log10_bayes_factor(1.0, [0.0]) == 0.0


def test_a_known_null_sd_gives_the_normal_and_skew_normal_predictives():
    c, tau = [0.2, -0.4, 0.1], 3.0
    k, sd = 3, 1.0  # the controls' SD (0.32) is below the known SD, which is used
    a, om = np.sqrt(1 + 1 / k), np.sqrt(1 + 1 / k + tau**2)
    for s in (-1.0, 0.0, 2.0, 5.0):
        d = s - np.mean(c)
        f0 = stats.norm.pdf(d, scale=sd * a)
        f1 = stats.skewnorm.pdf(d, tau / a, scale=sd * om)
        assert log10_bayes_factor(s, c, floor=sd, tau=tau, sd_known=True) == pytest.approx(np.log10(f1 / f0))
    # no (omega/a)^nu bound with an exact null, and a wider spread of the controls is still used
    assert log10_bayes_factor(6.0, c, floor=1.0, sd_known=True) > 4 > log10_bayes_factor(6.0, c, floor=1.0)
    wide = [-3.0, 0.0, 3.0]
    assert log10_bayes_factor(6.0, wide, floor=1.0, sd_known=True) < 1.0
    # many controls: the estimated-SD (Student t) model approaches the known-SD one
    many = list(np.random.default_rng(0).normal(size=4000))
    sd_many = float(np.std(many, ddof=1))
    assert log10_bayes_factor(3.0, many, floor=0.0) == pytest.approx(
        log10_bayes_factor(3.0, many, floor=sd_many, sd_known=True), abs=0.01)


def test_a_known_null_sd_needs_one_control_and_an_estimated_one_two():
    tau, sd, c = 3.0, 1.0, 0.4
    a, om = np.sqrt(2.0), np.sqrt(2.0 + tau**2)  # k = 1: mu from the one control
    for s in (-1.0, 1.5, 4.0):
        f0 = stats.norm.pdf(s - c, scale=sd * a)
        f1 = stats.skewnorm.pdf(s - c, tau / a, scale=sd * om)
        assert log10_bayes_factor(s, [c], floor=sd, tau=tau, sd_known=True) == pytest.approx(np.log10(f1 / f0))
    assert log10_bayes_factor(4.0, [c], floor=sd) == 0.0  # no SD can be estimated from one control
    assert log10_bayes_factor(4.0, [], floor=sd, sd_known=True) == 0.0


def test_excess_and_loo_statistics_exclude_the_suspect_from_controls():
    probes = ["a", "b"]
    sims = {("S", "R"): np.array([0.9, 0.8]), ("S", "C1"): np.array([0.5, 0.5]),
            ("S", "C2"): np.array([0.4, 0.4]), ("R", "C1"): np.array([0.3, 0.3]),
            ("R", "C2"): np.array([0.2, 0.2]), ("C1", "C2"): np.array([0.6, 0.6])}
    e = _excess_closeness(sims, "S", "R", ["C1", "C2"])
    assert e == pytest.approx([0.9 - 0.5 * (0.45 + 0.25), 0.8 - 0.5 * (0.45 + 0.25)])
    table = _per_probe_differences(sims, probes, "S", "R", ["C1", "C2"])
    # C1's excess uses only C2 as its control, never S
    assert table["excess[C1]"].iloc[0] == pytest.approx(0.3 - 0.5 * (0.6 + 0.2))
    assert table["d"].mean() == pytest.approx(table["excess_s"].mean() - table["excess_controls_mean"].mean())
    seen = []
    s, ctrl = _loo_statistics(lambda x, others: seen.append((x, tuple(others))) or len(others),
                             "S", ["C1", "C2", "C3"])
    assert s == 2 and ctrl == {"C1": 2, "C2": 2, "C3": 2}
    assert all("S" not in others for _, others in seen)
