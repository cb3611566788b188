"""Likelihood under R's weights, on score columns with known answers."""

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from forensics.analysis import likelihood_under_reference

SCORERS = ("ref", "other-1", "other-2")


def _frame(own: dict[str, dict[str, float]], n_probes: int = 30, seed: int = 0, noise: float = 0.05):
    """Responses whose mean log-prob per token under each scorer is `own[model][scorer]` + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for model, means in own.items():
        for p in range(n_probes):
            row = {"model": model, "probe_id": f"p{p:02d}", "sample": 0, "text": "x"}
            for s in SCORERS:
                row[f"logprob:{s}"] = means[s] + rng.normal(0, noise)
            rows.append(row)
    return pd.DataFrame(rows)


BASE = {  # each control's text is likelier under its own weights, average under the others
    "other-1": {"ref": -2.5, "other-1": -0.8, "other-2": -2.4},
    "other-2": {"ref": -2.6, "other-1": -2.3, "other-2": -0.9},
    "indep-a": {"ref": -2.4, "other-1": -2.2, "other-2": -2.3},
    "indep-b": {"ref": -2.6, "other-1": -2.5, "other-2": -2.4},
}
CONTROLS = ["other-1", "other-2", "indep-a", "indep-b"]


def test_the_statistic_is_largest_for_text_the_reference_wrote():
    models = dict(BASE, copy={"ref": -0.7, "other-1": -2.4, "other-2": -2.5},
                  student={"ref": -1.6, "other-1": -2.3, "other-2": -2.4})
    df = _frame(models)
    copy = likelihood_under_reference(df, "copy", "ref", CONTROLS)
    student = likelihood_under_reference(df, "student", "ref", CONTROLS)
    assert copy.applicable and copy.statistic > student.statistic > max(copy.control_statistics.values())
    assert copy.p_value < 1e-4 and copy.ci_low < copy.statistic < copy.ci_high
    assert "highest likelihood on 30 of 30 probes" in copy.notes[0] and "could fit better" in copy.notes[0]


def test_a_terse_suspect_does_not_raise_it():
    """'OK.' is likely under every model (each scorer's surprisal a fraction of its usual): it must
    not count as lineage."""
    models = dict(BASE, terse={"ref": -0.36, "other-1": -0.33, "other-2": -0.345})
    res = likelihood_under_reference(_frame(models), "terse", "ref", CONTROLS)
    ctrl = np.array(list(res.control_statistics.values()))
    assert res.statistic < ctrl.mean() + 2 * ctrl.std(ddof=1)
    assert res.p_value > 0.01


def test_a_models_own_weights_never_normalise_its_text():
    """other-1 scored as a control is normalised by other-2 only, not by its own weights."""
    df = _frame(dict(BASE, s={"ref": -2.0, "other-1": -2.0, "other-2": -2.0}))
    res = likelihood_under_reference(df, "s", "ref", CONTROLS)
    assert math.isclose(res.control_statistics["other-1"], math.log(2.4 / 2.5), abs_tol=0.03)


def test_without_the_references_scores_it_says_why():
    df = _frame(BASE).drop(columns=["logprob:ref"])
    res = likelihood_under_reference(df, "indep-a", "ref", ["other-1", "other-2", "indep-b"])
    assert not res.applicable and "forensics score" in res.notes[0]
    res = likelihood_under_reference(df.drop(columns=[c for c in df.columns if c.startswith("logprob")]),
                                     "indep-a", "ref", ["indep-b"])
    assert not res.applicable


@pytest.mark.slow
def test_p_values_are_uniform_when_the_suspect_is_one_more_independent():
    ps = []
    for seed in range(200):
        models = {f"m{k}": {s: -2.4 for s in SCORERS} for k in range(5)}
        df = _frame(models, n_probes=20, seed=seed, noise=0.3)
        ps.append(likelihood_under_reference(df, "m0", "ref", ["m1", "m2", "m3", "m4"]).p_value)
    assert scipy.stats.kstest(ps, "uniform").pvalue > 0.01


def test_the_fingerprint_answers_are_left_out():
    """Few-token greedy answers belong to the greedy family: scored or not, they do not move this one."""
    df = _frame(dict(BASE, s={"ref": -2.0, "other-1": -2.0, "other-2": -2.0})).assign(category="style")
    fp = _frame(dict(BASE, s={"ref": -0.1, "other-1": -3.0, "other-2": -3.0}), n_probes=10, seed=1)
    fp = fp.assign(category="fingerprint", probe_id="fp-" + fp["probe_id"])
    alone = likelihood_under_reference(df, "s", "ref", CONTROLS)
    both = likelihood_under_reference(pd.concat([df, fp]), "s", "ref", CONTROLS)
    assert both.n == alone.n == 30 and both.statistic == alone.statistic
