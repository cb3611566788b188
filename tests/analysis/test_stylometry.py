"""Known-answer tests for forensics.analysis.stylometry and the verbal-tic miner."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from forensics.analysis._text import HABIT_NAMES, _closer, _habit_features, _opener
from forensics.analysis import prepare_corpus
from forensics.analysis._tics import _mine_tics, _tics_analysis
from forensics.analysis import stylometry_analyses
from tests.synthetic import make_responses

NAMES = {"stylometry.function_word_delta", "stylometry.char_ngram_profile", "stylometry.habits",
         "stylometry.openers_closers", "stylometry.verbal_tics", "stylometry.imposters"}


def test_text_features():
    text = "Sure! Here is a list:\n- **one**, two; three\n- four?\n\n```py\nx\n```\nI hope this helps."
    f = _habit_features(text)
    assert f.shape == (len(HABIT_NAMES),) and np.all(np.isfinite(f))
    assert f[HABIT_NAMES.index("bullet_lines")] > 0 and f[HABIT_NAMES.index("code_blocks")] == 1
    assert _opener(text) == "sure ! here" and _closer(text) == "i hope this"
    assert np.all(np.isfinite(_habit_features(""))) and _opener("") == ""


def test_copy_of_reference_is_nearest_in_every_analysis():
    df, s, r, controls = make_responses(0, n_probes=20)
    copy = df[df["model"] == r].assign(model=s)
    df = pd.concat([df[df["model"] != s], copy], ignore_index=True)
    res = {x.name: x for x in stylometry_analyses(df, s, r, controls, n_perm=100, n_boot=100)}
    assert set(res) == NAMES
    for x in res.values():
        assert x.applicable and x.statistic > max(x.control_statistics.values()), x.name
    assert res["stylometry.imposters"].statistic == 1.0


def test_distilled_suspect_stands_out():
    df, s, r, controls = make_responses(7, n_probes=40, distilled=0.6)
    res = stylometry_analyses(df, s, r, controls, n_perm=200, n_boot=200)
    above = [x.statistic > max(x.control_statistics.values()) for x in res]
    assert sum(above) >= 4


def test_tics_are_cross_fitted_so_the_null_is_unbiased():
    diffs = []
    for seed in range(8):
        df, s, r, controls = make_responses(100 + seed, n_probes=30)
        corpus = prepare_corpus(df)
        probes = corpus.shared_probes([s, r, *controls])
        tics = _tics_analysis(corpus, s, r, controls, probes, seed=seed, n_perm=50, n_boot=50)
        diffs.append(tics.statistic - np.mean(list(tics.control_statistics.values())))
    diffs = np.array(diffs)
    assert abs(diffs.mean()) < 2.5 * diffs.std(ddof=1) / np.sqrt(len(diffs)) + 1e-9


def test_mine_tics_finds_the_reference_phrase():
    # column 0 = a phrase only R uses, column 1 = used by everyone
    x = sparse.csr_matrix(np.array([[1, 1]] * 10 + [[0, 1]] * 30, dtype=float))
    idx, z = _mine_tics(x, list(range(10)), list(range(10, 40)))
    assert list(idx) == [0] and z[0] > 3


def test_not_applicable_with_one_control():
    df, s, r, controls = make_responses(1, n_probes=15)
    assert not any(x.applicable for x in stylometry_analyses(df, s, r, controls[:1]))
