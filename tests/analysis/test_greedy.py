"""Greedy agreement on fingerprint answers: known answers, the best-versus-rest test, uniform p."""

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from forensics.analysis import best_versus_rest, first_words, greedy_agreement

WORDS = [f"w{k}" for k in range(12)]


def _frame(models: dict[str, list[str]]) -> pd.DataFrame:
    rows = []
    for model, answers in models.items():
        for p, text in enumerate(answers):
            rows.append({"model": model, "probe_id": f"fp-{p:03d}", "sample": 0, "category": "fingerprint",
                         "text": text, "tokens_in": 20, "tokens_out": 4})
    return pd.DataFrame(rows)


def _draw(rng, n: int, pref: np.ndarray) -> list[str]:
    """n greedy answers: per probe, a word drawn from that probe's preference over WORDS."""
    return [f"{WORDS[rng.choice(len(WORDS), p=pref[p])]} and more" for p in range(n)]


def _near_copy(rng, ref: list[str], pref: np.ndarray, keep: float = 0.9) -> list[str]:
    """A model that gives the reference's answer on a share `keep` of the probes."""
    return [r if rng.random() < keep else _draw(rng, 1, pref[[p]])[0] for p, r in enumerate(ref)]


def test_first_words_ignore_case_punctuation_and_markup():
    assert first_words("**Apple!** is red", 1) == "apple"
    assert first_words("Hello, World. Again", 3) == "hello world again"
    assert first_words(None, 2) == "" and first_words("...", 1) == ""


def test_a_copy_agrees_with_its_reference_and_independents_do_not():
    rng = np.random.default_rng(0)
    n = 120
    pref = rng.dirichlet(np.ones(len(WORDS)) * 0.5, n)
    ref = _draw(rng, n, pref)
    copy = _near_copy(rng, ref, pref)
    models = {"R": ref, "S": copy, **{f"c{k}": _draw(rng, n, pref) for k in range(4)}}
    first, three = greedy_agreement(_frame(models), "S", "R", ["c0", "c1", "c2", "c3"])
    assert first.name == "greedy.first_word" and three.name == "greedy.first_3_words"
    assert first.statistic > 0.85 > max(first.control_statistics.values())
    assert first.p_value < 1e-6 and first.ci_low < first.statistic < first.ci_high
    assert "closest match" in first.notes[0] and "Cost: 120 queries to S, 2880 tokens" in first.notes[1]


def test_best_versus_rest_is_holm_corrected():
    agree = pd.DataFrame({"S": [1.0] * 50, "R": [1.0] * 40 + [0.0] * 10, "a": [1.0] * 20 + [0.0] * 30,
                          "b": [1.0] * 39 + [0.0] * 11})
    out = best_versus_rest(agree, "S", "R").set_index("other")
    assert out.loc["a", "p"] < 1e-4 and out.loc["b", "p"] > 0.3
    assert (out["p_holm"] >= out["p"]).all()


def test_without_fingerprint_answers_it_says_why():
    df = _frame({"S": ["x"] * 30, "R": ["x"] * 30, "c": ["y"] * 30}).assign(category="style")
    res = greedy_agreement(df, "S", "R", ["c"])
    assert not any(r.applicable for r in res) and "fingerprint" in res[0].notes[0]


@pytest.mark.slow
def test_p_values_are_uniform_for_exchangeable_models():
    ps = []
    for seed in range(300):
        rng = np.random.default_rng(seed)
        n = 60
        pref = rng.dirichlet(np.ones(len(WORDS)), n)
        models = {m: _draw(rng, n, pref) for m in ("R", "S", "c0", "c1", "c2", "c3")}
        ps.append(greedy_agreement(_frame(models), "S", "R", ["c0", "c1", "c2", "c3"])[0].p_value)
    assert scipy.stats.kstest(ps, "uniform").pvalue > 0.01
    assert 0.02 < np.mean(np.asarray(ps) < 0.05) < 0.09


def test_best_versus_rest_compares_the_suspects_matches():
    """R is S's closest match only when S agrees with R more than with every other model."""
    rng = np.random.default_rng(3)
    n = 100
    pref = rng.dirichlet(np.ones(len(WORDS)) * 0.5, n)
    ref = _draw(rng, n, pref)
    twin = _near_copy(rng, ref, pref)
    models = {"R": ref, "S": _draw(rng, n, pref), "twin": twin, "c0": _draw(rng, n, pref), "c1": _draw(rng, n, pref)}
    # S is independent: it agrees with R no more than with the others, so R is not its closest match
    first, _ = greedy_agreement(_frame(models), "S", "R", ["twin", "c0", "c1"])
    assert "not significantly closer" in first.notes[0]
    assert set(first.table["other"]) == {"twin", "c0", "c1"}
