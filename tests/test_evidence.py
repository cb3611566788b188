"""Tests for forensics.evidence: verbal scale, LR combination, inconclusive rules, JSON, API."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from forensics.evidence import LRModel, verbal_scale, wording
from forensics.evidence import analyze_pairs
from forensics.analysis import (AnalysisResult, Exhibit, attribution_analysis, similarity_analyses,
                                stylometry_analyses)
from forensics.analysis import holm
from forensics.evidence import hashing_embed
from forensics.evidence import (CANNOT_SEPARATE, Evidence, analyze_responses, assess,
                                rank_references)
from tests.synthetic import make_responses

FAST = {"n_perm": 200, "n_boot": 100, "embed": hashing_embed}
MY_ANALYSES = [("similarity", similarity_analyses), ("stylometry", stylometry_analyses),
               ("attribution", attribution_analysis)]


@pytest.mark.parametrize("lr,level,label", [
    (0.5, 1, "no"), (1.99, 1, "no"), (2, 2, "weak"), (9.99, 2, "weak"), (10, 3, "moderate"),
    (99.9, 3, "moderate"), (100, 4, "moderately strong"), (1000, 5, "strong"),
    (9999, 5, "strong"), (1e4, 6, "very strong"), (999_999, 6, "very strong"),
    (1e6, 7, "extremely strong"), (1e12, 7, "extremely strong")])
def test_verbal_scale_band_edges(lr, level, label):
    assert verbal_scale(lr) == (level, label)
    lvl, text = wording(math.log10(lr))
    if lr >= 1:
        assert lvl == level and text == f"The findings provide {label} support for H1 rather than H2."


def test_wording_for_h2_is_symmetric():
    assert wording(-1.0) == (-3, "The findings provide moderate support for H2 rather than H1.")
    assert wording(-math.log10(2)) == (-2, "The findings provide weak support for H2 rather than H1.")
    assert wording(-0.2)[0] == 1 and "no support" in wording(-0.2)[1]
    assert wording(math.log10(2))[0] == 2


def _result(name, stat, ctrl, p=0.01, width=0.02, applicable=True):
    return AnalysisResult(name=name, statistic=stat, effect=stat - np.mean(list(ctrl.values())),
                          ci_low=stat - width, ci_high=stat + width, p_value=p, n=100,
                          control_statistics=ctrl, applicable=applicable, notes=["test"])


CTRL = {"C1": 0.0, "C2": 0.1, "C3": -0.1, "C4": 0.05, "C5": -0.05}


def test_assess_strong_suspect_supports_h1_and_holm_is_applied():
    results = [_result("similarity.a", 2.0, CTRL, p=0.01), _result("similarity.b", 2.0, CTRL, p=0.02),
               _result("stylometry.a", 2.0, CTRL, p=0.04), _result("attribution.a", 2.0, CTRL, p=0.03),
               _result("identity", 0.0, {c: 0.0 for c in CTRL}, applicable=False)]
    ev = assess(results, suspect="S", reference="R", controls=list(CTRL), n_probes=200)
    v = ev.verdict
    assert not v.inconclusive and v.level >= 4 and v.log10_lr > 2
    used = ev.summary[ev.summary["applicable"]]
    assert used["p_holm"].to_numpy() == pytest.approx(holm([0.01, 0.02, 0.04, 0.03]))
    assert ev.summary["log10_lr_contribution"].sum() == pytest.approx(v.log10_lr)
    assert ev.summary.loc[ev.summary["analysis"] == "identity", "applicable"].item() is False
    assert all(any(c in r for r in v.reasons_of("cannot_separate")) for c in CANNOT_SEPARATE)
    assert all(r.startswith("Assumption") for r in v.reasons_of("assumption")) and v.reasons_of("assumption")
    assert set(v.propositions) == {"H1", "H2"}


def test_family_members_are_averaged_not_multiplied():
    one = assess([_result("similarity.a", 2.0, CTRL)], suspect="S", reference="R",
                 controls=list(CTRL), n_probes=200)
    many = assess([_result(f"similarity.m{i}", 2.0, CTRL) for i in range(6)], suspect="S",
                  reference="R", controls=list(CTRL), n_probes=200)
    assert many.verdict.log10_lr == pytest.approx(one.verdict.log10_lr)
    model = LRModel()
    assert one.verdict.log10_lr <= model.cap_analysis + 1e-12


def test_inconclusive_below_minimums():
    few_controls = assess([_result("similarity.a", 2.0, {"C1": 0.0})], suspect="S", reference="R",
                          controls=["C1"], n_probes=200)
    assert few_controls.verdict.inconclusive and few_controls.verdict.level == 0
    assert few_controls.verdict.wording.startswith("Inconclusive")
    few_probes = assess([_result("similarity.a", 2.0, CTRL)], suspect="S", reference="R",
                        controls=list(CTRL), n_probes=12)
    assert few_probes.verdict.inconclusive
    nothing = assess([], suspect="S", reference="R", controls=list(CTRL), n_probes=200)
    assert nothing.verdict.inconclusive


def test_inconclusive_when_controls_disagree():
    # one control is as close to R as the suspect: dropping it changes the conclusion
    ctrl = {"C1": 0.0, "C2": 0.01, "C3": -0.01, "C4": 2.1}
    results = [_result(f"{f}.a", 2.0, ctrl) for f in ("similarity", "stylometry", "attribution")]
    ev = assess(results, suspect="S", reference="R", controls=list(ctrl), n_probes=200)
    assert ev.verdict.inconclusive
    assert "robustness" in ev.tables and len(ev.tables["robustness"]) == 4


def test_uninformative_analysis_is_skipped():
    flat = _result("stylometry.flat", 0.0, {c: 0.0 for c in CTRL}, width=0.0)
    ev = assess([flat, _result("similarity.a", 2.0, CTRL)], suspect="S", reference="R",
                controls=list(CTRL), n_probes=200)
    row = ev.summary.set_index("analysis").loc["stylometry.flat"]
    assert not row["applicable"] and "uninformative" in row["note"]


@pytest.fixture(scope="module")
def synthetic_evidence() -> Evidence:
    df, s, r, controls = make_responses(11, n_probes=30, distilled=0.6)
    return analyze_responses(df, s, r, controls, analyses=MY_ANALYSES, **FAST)


def test_json_round_trip(synthetic_evidence):
    ev, s = synthetic_evidence, "S"
    back = Evidence.from_dict(json.loads(json.dumps(ev.to_dict(), allow_nan=False)))
    assert back.verdict == ev.verdict or (back.verdict.reasons == ev.verdict.reasons
                                          and back.verdict.log10_lr == ev.verdict.log10_lr)
    pd.testing.assert_frame_equal(back.summary, ev.summary)
    assert set(back.tables) == set(ev.tables)
    pd.testing.assert_frame_equal(back.tables["null"], ev.tables["null"])
    assert back.exhibits == ev.exhibits and all(isinstance(e, Exhibit) for e in back.exhibits)
    assert {r.kind for r in back.verdict.reasons} >= {"combination", "robustness", "assumption"}
    assert back.settings["suspect"] == s


def test_analyses_get_only_the_options_they_declare():
    calls = []

    def fake(df, suspect, reference, controls, *, seed=0):
        calls.append(seed)
        return _result("custom.fake", 1.0, {c: 0.0 + 0.1 * i for i, c in enumerate(controls)})

    df, s, r, controls = make_responses(3, n_probes=30)
    ev = analyze_responses(df, s, r, controls, analyses=[("custom", fake)], seed=9, **FAST)
    assert calls == [9]
    assert ev.settings["analyses_run"] == [fake.__qualname__]
    assert list(ev.summary["analysis"]) == ["custom.fake"]
    assert ev.summary.set_index("analysis").loc["custom.fake", "family"] == "custom"


def test_analyze_and_rank_references_on_synthetic_models():
    df, s, r, controls = make_responses(21, n_probes=40, distilled=0.7)
    other = make_responses(22, n_probes=40)[0]
    other = other[other["model"] == "R"].assign(model="R2", probe_id=lambda d: d["probe_id"])
    df = pd.concat([df, other], ignore_index=True)
    ranked = rank_references(df, s, [r, "R2"], controls, analyses=MY_ANALYSES, **FAST)
    assert list(ranked["reference"]) == [r, "R2"]
    top = ranked.iloc[0]
    assert top["log10_lr"] >= 1 and not top["inconclusive"]
    assert "R2" in top["controls"] and s not in top["controls"]
    assert ranked.iloc[1]["log10_lr"] < top["log10_lr"]


@pytest.mark.slow
def test_analyze_pairs_gives_the_same_numbers_on_several_processes():
    df, s, r, controls = make_responses(23, n_probes=30, distilled=0.6)
    models = [s, r, *controls]
    triples = [(a, b, [c for c in models if c not in (a, b)]) for a, b in
               [(s, r), (r, s), (controls[0], r), (controls[1], s)]]
    serial = analyze_pairs(df, triples, jobs=1, **FAST)
    forked = analyze_pairs(df, triples, jobs=2, **FAST)
    assert [e.verdict.log10_lr for e in serial] == [e.verdict.log10_lr for e in forked]
    for a, b in zip(serial, forked):
        pd.testing.assert_frame_equal(a.summary, b.summary)
    fresh = analyze_responses(df, *triples[2], **FAST)  # no shared cache: still the same
    pd.testing.assert_frame_equal(fresh.summary, serial[2].summary)
    assert analyze_pairs(df, [], jobs=2) == []


@pytest.mark.slow
def test_analyze_pairs_never_embeds_in_a_worker():
    """Even when the first triple skips the embeddings (one control), the parent embeds before forking."""
    import os

    df, s, r, controls = make_responses(24, n_probes=20)
    parent = os.getpid()

    def guarded(texts):
        assert os.getpid() == parent, "the embedding model ran in a forked worker"
        return hashing_embed(texts)

    triples = [(s, r, controls[:1]), (s, r, controls), (r, s, controls)]
    evs = analyze_pairs(df, triples, jobs=2, embed=guarded, n_perm=100, n_boot=50)
    assert len(evs) == 3 and evs[1].summary["applicable"].any()


def test_analyze_rejects_bad_roles():
    df, s, r, controls = make_responses(3, n_probes=30)
    with pytest.raises(ValueError):
        analyze_responses(df, s, s, controls, **FAST)
    with pytest.raises(ValueError):
        analyze_responses(df, s, r, ["nope", *controls], **FAST)


def test_plots_return_figures(synthetic_evidence):
    """Each figure draws what the evidence says: the LR bars are the summary's per-analysis
    contributions, the null plot puts each applicable analysis' S statistic among its controls'
    (standardised by the controls), the scatter has one point per probe of the similarity table."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from forensics.report import plot_lr_contributions, plot_null_distributions, plot_probe_scatter
    from forensics.report._style import CONTROL, SUSPECT

    ev = synthetic_evidence
    summary, null = ev.summary, ev.tables["null"]
    figs, pyplot_figures = [], plt.get_fignums()
    try:
        # LR contributions: one horizontal bar per analysis with a contribution, sorted ascending
        figs.append(fig := plot_lr_contributions(ev))
        [ax] = fig.axes
        want = summary.dropna(subset=["log10_lr_contribution"]).sort_values("log10_lr_contribution")
        assert len(want) == 12 and "similarity.embedding_mmd" not in set(want["analysis"])  # n/a: no bar
        assert [t.get_text() for t in ax.get_yticklabels()] == list(want["analysis"])
        bars = sorted(ax.patches, key=lambda b: b.get_y())
        assert len(bars) == len(want)
        assert [b.get_width() for b in bars] == want["log10_lr_contribution"].tolist()  # exact
        assert [b.get_x() for b in bars] == [0.0] * len(bars)
        assert [b.get_y() + b.get_height() / 2 for b in bars] == pytest.approx(ax.get_yticks())
        assert sum(b.get_width() for b in bars) == pytest.approx(ev.verdict.log10_lr)
        signs = [b.get_width() > 0 for b in bars]
        assert True in signs and False in signs  # both colours are exercised
        assert [b.get_facecolor() for b in bars] == [to_rgba(SUSPECT if s else CONTROL) for s in signs]
        assert ax.get_title() == f"log10 LR {ev.verdict.log10_lr:+.2f}: {ev.verdict.wording}"
        assert ev.verdict.wording.startswith("The findings provide weak support for H1")
        assert "log10 LR" in ax.get_xlabel()

        # null distributions: row i = applicable analysis i; its controls then S, in SDs of the controls
        figs.append(fig := plot_null_distributions(ev))
        [ax] = fig.axes
        names = list(summary.loc[summary["applicable"], "analysis"])
        assert len(names) == 12 and set(names) == set(null["analysis"])
        assert [t.get_text() for t in ax.get_yticklabels()] == names
        assert list(ax.get_yticks()) == list(range(len(names)))
        assert len(ax.collections) == 2 * len(names)
        n_controls = len(ev.settings["controls"])
        for i, name in enumerate(names):
            rows = null[null["analysis"] == name]
            ctrl = rows.loc[rows["role"] == "control", "statistic"].to_numpy(float)
            assert list(rows.loc[rows["role"] == "control", "model"]) == ev.settings["controls"]
            [sus] = rows.loc[rows["role"] == "suspect", "statistic"]
            assert sus == summary.set_index("analysis").loc[name, "statistic"]
            mu, sd = ctrl.mean(), ctrl.std(ddof=1)
            c_pts = np.asarray(ax.collections[2 * i].get_offsets())
            s_pts = np.asarray(ax.collections[2 * i + 1].get_offsets())
            assert c_pts.shape == (n_controls, 2) and s_pts.shape == (1, 2)
            assert (c_pts[:, 1] == i).all() and s_pts[0, 1] == i
            assert c_pts[:, 0] == pytest.approx((ctrl - mu) / sd, abs=1e-12)
            assert s_pts[0, 0] == pytest.approx((sus - mu) / sd, rel=1e-12)
            assert s_pts[0, 0] * sd + mu == pytest.approx(sus, abs=1e-12)  # S's own statistic
            assert to_rgba(ax.collections[2 * i].get_facecolor()[0]) == to_rgba(CONTROL)
            assert to_rgba(ax.collections[2 * i + 1].get_facecolor()[0]) == to_rgba(SUSPECT)
        z = {n: np.asarray(ax.collections[2 * i + 1].get_offsets())[0, 0] for i, n in enumerate(names)}
        assert z["similarity.tfidf_word"] > 5 and z["stylometry.imposters"] > 5  # S far beyond its controls
        assert ax.get_legend_handles_labels()[1] == ["controls", "suspect"]
        assert ax.get_title() == "S vs controls, reference R"
        assert "SDs of the controls" in ax.get_xlabel()

        # per-probe scatter: x = S's similarity to its nearest control, y = S's similarity to R
        table = ev.tables["similarity.tfidf_word"]
        figs.append(fig := plot_probe_scatter(table))
        [ax] = fig.axes
        assert len(ax.collections) == 2
        near_c, near_r = (np.asarray(c.get_offsets()) for c in ax.collections)
        above = table["sim_sr"] > table["sim_sc_max"]
        assert 0 < above.sum() < len(table)  # both groups are drawn
        assert near_r.tolist() == table.loc[above, ["sim_sc_max", "sim_sr"]].to_numpy().tolist()
        assert near_c.tolist() == table.loc[~above, ["sim_sc_max", "sim_sr"]].to_numpy().tolist()
        assert len(near_c) + len(near_r) == len(table) == 30
        assert to_rgba(ax.collections[0].get_facecolor()[0])[:3] == to_rgba(CONTROL)[:3]
        assert to_rgba(ax.collections[1].get_facecolor()[0])[:3] == to_rgba(SUSPECT)[:3]
        assert ax.get_title() == f"{int(above.sum())} of 30 probes nearer R"
        assert ax.get_legend_handles_labels()[1] == ["nearer a control", "nearer the reference"]
        assert ax.get_xlabel() == "similarity of S to its nearest control"
        assert ax.get_ylabel() == "similarity of S to R"
        [diag] = ax.lines  # the y = x line over the data's range
        lo = min(table["sim_sc_max"].min(), table["sim_sr"].min())
        hi = max(table["sim_sc_max"].max(), table["sim_sr"].max())
        assert list(diag.get_xdata()) == list(diag.get_ydata()) == [lo, hi]
        figs.append(fig := plot_probe_scatter(table, title="mine"))
        assert fig.axes[0].get_title() == "mine"
        assert plt.get_fignums() == pyplot_figures  # plain Agg figures: pyplot's state is untouched
    finally:
        for fig in figs:
            plt.close(fig)


def test_bit_for_bit_reproducible(synthetic_evidence):
    df, s, r, controls = make_responses(11, n_probes=30, distilled=0.6)
    again = analyze_responses(df, s, r, controls, analyses=MY_ANALYSES, **FAST)
    pd.testing.assert_frame_equal(again.summary, synthetic_evidence.summary, check_exact=True)
    assert again.verdict == synthetic_evidence.verdict
    for name, table in synthetic_evidence.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], table, check_exact=True)
