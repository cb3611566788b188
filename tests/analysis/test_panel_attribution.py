"""Population-trained attribution: R's classifier against a background that never holds the target."""

import math

import numpy as np
import pandas as pd

from forensics.analysis import ATTRIBUTION, ATTRIBUTION_SCORE, AttributionScores, population_scores, population_similarities

GENERIC = "the answer is that it depends on the question and the context of it".split()
HABITS = {"r": ["delve", "tapestry", "furthermore"], "s": ["delve", "tapestry", "furthermore"],
          "other": ["basically", "honestly", "stuff"]}
MODELS = ["r", "s", "other"] + [f"c{k}" for k in range(6)]
N_PROBES = 40


def _df(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for m in MODELS:
        own = HABITS.get(m, [_w(rng) for _ in range(3)])
        for p in range(N_PROBES):
            words = list(rng.choice(GENERIC, 40)) + list(rng.choice(own, 4))
            rows.append({"model": m, "probe_id": f"p{p:03d}", "sample": 0, "text": " ".join(words)})
    return pd.DataFrame(rows)


def _w(rng) -> str:
    return "".join(rng.choice(list("bdgkmnprstvz")) + rng.choice(list("aeiou")) for _ in range(3))


def test_a_suspect_with_the_references_habits_is_attributed_to_it_and_controls_are_not():
    att = AttributionScores(_df())
    controls = [f"c{k}" for k in range(6)]
    s = att.score("s", "r", controls)
    others = [att.score(c, "r", [x for x in controls if x != c]) for c in controls]
    assert s > 0 > max(others)  # log-odds of R on held-out answers
    assert att.score("other", "r", controls) < 0


def test_the_target_is_never_in_its_own_background_and_a_classifier_is_fitted_once():
    att = AttributionScores(_df())
    controls = [f"c{k}" for k in range(6)]
    a = att.score("c0", "r", controls)  # c0 is dropped from its own background ...
    assert att.score("c0", "r", controls[1:]) == a and att.n_fitted == 1  # ... so this is the same classifier
    att.score("s", "r", list(reversed(controls)))  # the background is a set: order does not matter
    assert att.n_fitted == 2 and len(att.table) == 2
    assert math.isnan(att.score("s", "r", ["c0"])) and math.isnan(att.score("nobody", "r", controls))


def test_scores_are_reproducible_and_the_matrix_is_built_only_when_a_score_is_missing():
    df = _df()
    a = AttributionScores(df)
    x = a.score("s", "r", ["c0", "c1", "c2"])
    b = AttributionScores(df, table=dict(a.table))
    assert b.score("s", "r", ["c2", "c1", "c0"]) == x and b._x is None and b.n_fitted == 0
    assert AttributionScores(df).score("s", "r", ["c0", "c1", "c2"]) == x


def test_population_scores_take_the_attribution_as_a_statistic_with_a_z_against_the_controls():
    df = _df()
    pop = population_similarities(df, measures=("word_tfidf",))
    att = AttributionScores(df)
    controls = [f"c{k}" for k in range(6)]
    scorer = att.scorer(lambda target, ref: [c for c in controls if c != target])
    table = population_scores(pop, [("s", "r"), ("other", "r")], lambda s, r: controls, attribution=scorer)
    z = dict(zip(table["suspect"], table[ATTRIBUTION]))
    assert z["s"] > 3 and z["other"] < 1
    assert att.n_fitted == 1 + len(controls)  # S against all controls; each control against the others
    own = dict(zip(table["suspect"], table[ATTRIBUTION_SCORE]))  # S's own score, beside its z
    assert own["s"] == att.score("s", "r", controls) > 0 > own["other"]


def test_a_scorer_asks_for_each_models_background_once():
    att = AttributionScores(_df())
    asked = []

    def background(target, ref):
        asked.append((target, ref))
        return [f"c{k}" for k in range(6) if f"c{k}" != target]
    score = att.scorer(background)
    assert score("s", "r") == score("s", "r") == att.score("s", "r", [f"c{k}" for k in range(6)])
    assert asked == [("s", "r")]
