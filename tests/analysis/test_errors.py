"""Error consistency and shared wrong answers: hand-worked values, fixtures, null calibration."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal
from scipy.special import ndtr

from forensics.analysis.errors import (
    error_consistency,
    error_kappa,
    error_patterns,
    representative_answers,
    shared_wrong_answers,
    tetrachoric,
)

CONTROLS4 = ["C0", "C1", "C2", "C3"]


def _row(model, i, text, value, sample=0):
    return {"model": model, "probe_id": f"p{i:03d}", "sample": sample, "suite": "t",
            "category": "error_trap", "language": "en", "prompt": f"question {i}", "text": text,
            "answer": json.dumps({"type": "numeric", "value": float(value), "tolerance": 0.0})}


def _scored(answers: dict[str, np.ndarray], truth: np.ndarray) -> pd.DataFrame:
    """A pre-scored frame (correct/extracted given), so simulations skip text scoring."""
    frames = []
    for m, a in answers.items():
        frames.append(pd.DataFrame({
            "model": m, "probe_id": [f"p{i:04d}" for i in range(truth.size)], "sample": 0,
            "prompt": "q", "answer": "{}", "correct": a == truth,
            "extracted": [str(x) for x in a]}))
    return pd.concat(frames, ignore_index=True)


def _simulate(seed, n=150, copy=0.0, accs=(0.6, 0.6, 0.3, 0.9, 0.2, 0.95), sd=1.5):
    """Latent-difficulty right/wrong outcomes; wrong answers from a per-probe distribution."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(100, 1000, n)
    trap = rng.uniform(0, 0.8, n)  # share of wrong answers that hit the popular trap answer
    diff = rng.normal(0, sd, n)
    out = {}
    for m, a in zip(["S", "R", *CONTROLS4], accs):
        ok = rng.random(n) < 1 / (1 + np.exp(-(np.log(a / (1 - a)) - diff)))
        wrong = np.where(rng.random(n) < trap, truth + 1, truth + 2 + rng.integers(0, 5, n))
        out[m] = np.where(ok, truth, wrong)
    if copy:
        cp = (rng.random(n) < copy) & (out["R"] != truth)
        out["S"] = np.where(cp, out["R"], out["S"])
    return _scored(out, truth)


def test_kappa_hand_worked():
    s = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], bool)
    r = np.array([1, 1, 1, 1, 0, 0, 1, 0, 0, 0], bool)
    # p1 = 0.6, p2 = 0.5; agree on 4 both-right + 3 both-wrong -> c_obs = 0.7
    # c_exp = 0.6*0.5 + 0.4*0.5 = 0.5 -> kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    assert error_kappa(s, r) == pytest.approx(0.4)
    assert error_kappa(s, s) == pytest.approx(1.0)
    # s vs ~s: c_obs = 0, c_exp = 0.6*0.4 + 0.4*0.6 = 0.48 -> kappa = -0.48 / 0.52 = -12/13
    assert error_kappa(s, ~s) == pytest.approx(-12 / 13)
    assert error_kappa(np.ones(5, bool), np.ones(5, bool)) == 0.0  # no information


def test_tetrachoric_matches_bivariate_normal():
    for rho, h, k in [(0.5, 0.3, -0.2), (-0.3, 1.0, 0.5), (0.9, -1.2, -1.0)]:
        p11 = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf([h, k])
        est = tetrachoric(np.array([p11]), np.array([ndtr(h)]), np.array([ndtr(k)]), 10**9)
        assert est[0] == pytest.approx(rho, abs=1e-3)


def _fixture() -> pd.DataFrame:
    """25 probes, S/R/C1/C2; worked counts in test_shared_wrong_answers_fixture."""
    rows = []
    for i in range(25):
        v = 10 + i
        if i < 5:  # S, R share an idiosyncratic wrong answer; controls wrong differently
            ans = {"S": 999, "R": 999, "C1": v + 1, "C2": v + 2}
        elif i < 7:  # everyone falls for the same trap
            ans = {m: v + 1 for m in ("S", "R", "C1", "C2")}
        elif i == 7:  # both wrong, different answers
            ans = {"S": v + 3, "R": v + 4, "C1": v, "C2": v}
        elif i == 8:  # both wrong, same answer, controls right: no pool to judge by
            ans = {"S": 777, "R": 777, "C1": v, "C2": v}
        else:
            ans = {m: v for m in ("S", "R", "C1", "C2")}
        rows += [_row(m, i, f"Let me see... the answer is {a:,}.", v) for m, a in ans.items()]
    return pd.DataFrame(rows)


def test_shared_wrong_answers_fixture():
    res = shared_wrong_answers(_fixture(), "S", "R", ["C1", "C2"], n_boot=200)
    # p000-p004: pool {999, v+1, v+2} -> P(match) = 1/3 each; p005-6: pool all v+1 -> 1;
    # p007: no match, pool {v+3} -> 0; p008: pool {777} -> 1.  M = 8, E = 5/3 + 3
    row = res.table.set_index("model").loc["S"]
    assert row["n_both_wrong"] == 9 and row["n_identical"] == 8
    assert row["expected"] == pytest.approx(5 / 3 + 3)
    assert res.statistic == pytest.approx((8 - (5 / 3 + 3)) / 25)
    assert res.p_value == pytest.approx((1 / 3) ** 5)  # P(Binomial(5, 1/3) >= 5)
    assert res.n == 25 and res.applicable
    assert len(res.exhibits) == 8
    first = res.exhibits[0]
    assert first["probe_id"] == "p000" and first["suspect_answer"] == "999"
    assert first["reference_answer"] == "999" and first["expected"] == pytest.approx(1 / 3)
    assert first["control_answers"] == {"C1": "11", "C2": "12"}
    # a control in S's place matches R only on the universal trap, exactly as expected
    assert res.control_statistics == {"C1": pytest.approx(0.0), "C2": pytest.approx(0.0)}


def test_error_consistency_fixture_and_identical_copy():
    df = _fixture()
    res = error_consistency(df, "S", "R", ["C1", "C2"], n_boot=300)
    assert res.applicable and res.n == 25
    assert res.statistic > 0 and res.ci_low <= res.statistic <= res.ci_high
    kap = res.table.set_index("model")["kappa_with_reference"]
    assert kap["S"] == pytest.approx(1.0)  # identical right/wrong pattern
    assert set(res.control_statistics) == {"C1", "C2"}
    assert any(e["probe_id"] == "p008" for e in res.exhibits)


def test_error_patterns_reproducible():
    df = _fixture()
    a = error_patterns(df, "S", "R", ["C1", "C2"], seed=3, n_boot=200)
    b = error_patterns(df, "S", "R", ["C1", "C2"], seed=3, n_boot=200)
    assert [r.name for r in a] == ["error_consistency", "shared_wrong_answers"]
    for x, y in zip(a, b):
        assert x.summary_row() == y.summary_row()


def test_majority_answer_over_samples():
    rows = [_row("S", 0, "5", 5, 0), _row("S", 0, "7", 5, 1), _row("S", 0, "7", 5, 2),
            _row("S", 1, "8", 1, 0), _row("S", 1, "9", 1, 1)]
    rep = representative_answers(pd.DataFrame(rows)).set_index("probe_id")
    assert rep.loc["p000", "extracted"] == "7" and not rep.loc["p000", "correct"]
    assert rep.loc["p001", "extracted"] == "8"  # tie: earliest sample


def test_too_few_probes_not_applicable():
    df = pd.DataFrame([_row(m, i, "1", 1) for m in ("S", "R", "C1") for i in range(10)])
    for res in error_patterns(df, "S", "R", ["C1"]):
        assert not res.applicable and res.p_value == 1.0 and np.isnan(res.statistic)
        assert res.notes


def test_missing_model_and_bad_roles():
    df = _fixture()
    assert not shared_wrong_answers(df, "S", "R", ["C1", "nope"]).applicable
    with pytest.raises(ValueError):
        error_consistency(df, "S", "S", ["C1"])


def test_null_independent_errors_no_signal():
    """S's errors independent of R's (accuracy-mismatched controls): few false positives."""
    p_shared, p_cons = [], []
    for seed in range(30):
        df = _simulate(seed)
        p_shared.append(shared_wrong_answers(df, "S", "R", CONTROLS4, seed=seed, n_boot=50).p_value)
        p_cons.append(error_consistency(df, "S", "R", CONTROLS4, seed=seed, n_boot=200).p_value)
    assert np.mean(np.array(p_shared) < 0.05) <= 0.1
    assert np.mean(np.array(p_cons) < 0.05) <= 0.1


def test_copied_errors_detected():
    hits_shared, hits_cons = 0, 0
    for seed in range(10):
        df = _simulate(100 + seed, copy=0.6, accs=(0.6, 0.5, 0.45, 0.55, 0.6, 0.7), sd=1.0)
        hits_shared += shared_wrong_answers(df, "S", "R", CONTROLS4, n_boot=50).p_value < 0.05
        hits_cons += error_consistency(df, "S", "R", CONTROLS4, n_boot=200).p_value < 0.05
    assert hits_shared >= 8 and hits_cons >= 8
