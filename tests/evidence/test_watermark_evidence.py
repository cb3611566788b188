"""Radioactivity in the evidence: a real key, a tiny word tokenizer, texts that pick green words.

R writes with a strong green bias under its key, S (its 'student') with a weaker one, the controls
uniformly at random: S's radioactivity result must be applicable and strongly significant, the
controls' not, and the stored evidence must carry the key's settings but never the key.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from forensics.analysis import radioactivity_test
from forensics.evidence import (
    Evidence,
    WatermarkEvidence,
    analyze_responses,
    hashing_embed,
    rank_references,
)
from forensics.watermark import green_mask, random_key

KEY = random_key(11, gamma=0.25, context=1)
VOCAB = [f"w{i:03d}" for i in range(300)]
IDS = {w: i for i, w in enumerate(VOCAB)}
CONTROLS = ["C1", "C2", "C3", "C4"]
BIAS = {"R": 0.9, "S": 0.5}  # share of words drawn from the green list after the previous word
N_PROBES, N_WORDS = 40, 40
ONLY = [("radioactivity", radioactivity_test)]


def tokenize(text: str) -> list[int]:
    return [IDS[w] for w in text.split()]


def _text(rng: np.random.Generator, bias: float) -> str:
    ids = [int(rng.integers(len(VOCAB)))]
    for _ in range(N_WORDS - 1):
        if rng.random() < bias:
            green = np.flatnonzero(green_mask(KEY, np.array(ids), len(VOCAB)))
            ids.append(int(rng.choice(green)))
        else:
            ids.append(int(rng.integers(len(VOCAB))))
    return " ".join(VOCAB[i] for i in ids)


def make_frame(models=("S", "R", *CONTROLS), seed: int = 0) -> pd.DataFrame:
    rows = []
    for mi, model in enumerate(models):
        for p in range(N_PROBES):
            rng = np.random.default_rng([seed, mi, p])
            rows.append({"model": model, "probe_id": f"p{p:03d}", "sample": 0, "suite": "synthetic",
                         "category": "style", "language": "en", "prompt": f"Write about {VOCAB[p]}.",
                         "text": _text(rng, BIAS.get(model, 0.0)), "answer": None})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return make_frame()


def _watermark(reference: str = "R", tok=tokenize) -> WatermarkEvidence:
    return WatermarkEvidence(reference, KEY, tok, "words:test-vocabulary")


def _row(ev: Evidence) -> pd.Series:
    return ev.summary.set_index("analysis").loc["radioactivity.green_bias"]


def test_a_watermarked_student_is_detected_and_the_controls_are_not(frame):
    ev = analyze_responses(frame, "S", "R", CONTROLS, embed=False, analyses=ONLY, watermark=_watermark())
    row = _row(ev)
    assert row["applicable"] and row["p_value"] < 1e-10 and row["statistic"] > 8 and row["n"] > 1000
    table = ev.tables["radioactivity.green_bias"].set_index("model")
    controls = table[table["role"] == "control"]
    assert sorted(controls.index) == CONTROLS and (controls["p_value"] > 1e-3).all()
    assert (controls["z"].abs() < 4).all()
    assert table.loc["R", "z"] > table.loc["S", "z"]  # the reference's own texts: the positive check
    assert row["log10_lr"] > 0.5


def test_evidence_records_the_settings_and_never_the_key(frame):
    ev = analyze_responses(frame, "S", "R", CONTROLS, embed=False, analyses=ONLY, watermark=_watermark())
    assert ev.settings["watermark"] == {"reference": "R", "tokenizer": "words:test-vocabulary",
                                        **KEY.settings(), "filter_contexts": None}
    text = json.dumps(ev.to_dict(), ensure_ascii=False)
    assert KEY.key_sha256 in text
    for secret in (KEY.secret.hex(), KEY.secret.decode("latin-1"), str(KEY.seed64)):
        assert secret not in text
    back = Evidence.from_dict(json.loads(text))
    assert back.settings == ev.settings
    pd.testing.assert_frame_equal(back.tables["radioactivity.green_bias"],
                                  ev.tables["radioactivity.green_bias"], check_dtype=False)
    assert _row(back)["p_value"] == pytest.approx(_row(ev)["p_value"])


def test_without_a_key_or_for_another_reference_it_does_not_run(frame):
    calls = []

    def counting(text: str) -> list[int]:
        calls.append(text)
        return tokenize(text)

    ev = analyze_responses(frame, "S", "R", CONTROLS, embed=False, analyses=ONLY)
    assert not _row(ev)["applicable"] and "no watermark key" in _row(ev)["note"]
    assert "watermark" not in ev.settings
    ev = analyze_responses(frame, "S", "C1", ["R", *CONTROLS[1:]], embed=False, analyses=ONLY,
                           watermark=_watermark("R", counting))
    assert not _row(ev)["applicable"] and "R's, not C1's" in _row(ev)["note"] and not calls
    assert ev.settings["watermark"]["reference"] == "R"


def test_the_full_catalogue_runs_it_and_the_evidence_round_trips(frame):
    ev = analyze_responses(frame, "S", "R", CONTROLS, embed=hashing_embed, n_perm=50, n_boot=50,
                           watermark=_watermark())
    row = _row(ev)
    assert row["applicable"] and row["family"] == "radioactivity" and np.isfinite(row["log10_lr"])
    assert "radioactivity" in set(ev.tables["families"]["family"])
    back = Evidence.from_dict(json.loads(json.dumps(ev.to_dict())))
    assert back.verdict.log10_lr == pytest.approx(ev.verdict.log10_lr)


@pytest.mark.slow
def test_ranking_on_forked_workers_never_tokenizes_in_a_worker(frame):
    parent = os.getpid()

    def parent_only(text: str) -> list[int]:
        if os.getpid() != parent:
            raise AssertionError("the tokenizer ran in a forked worker")
        return tokenize(text)

    refs = ["C1", "R", "C2", "C3"]  # the key's reference is not the first: it runs in a worker
    wm = _watermark("R", parent_only)
    forked = rank_references(frame, "S", refs, ["C4"], jobs=2, embed=False, analyses=ONLY, watermark=wm)
    serial = rank_references(frame, "S", refs, ["C4"], jobs=1, embed=False, analyses=ONLY, watermark=wm)
    for table in (forked, serial):
        by_ref = {r["reference"]: _row(r["evidence"]) for _, r in table.iterrows()}
        assert by_ref["R"]["applicable"] and by_ref["R"]["p_value"] < 1e-10
        assert not any(by_ref[c]["applicable"] for c in ("C1", "C2", "C3"))
    a = forked.set_index("reference")["log10_lr"]
    b = serial.set_index("reference")["log10_lr"]
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index())


def test_the_filter_scores_only_contexts_of_the_reference_outputs(frame):
    from forensics.watermark import context_windows

    r_texts = [tokenize(t) for t in frame.loc[frame["model"] == "R", "text"]]
    few = frozenset(sorted(context_windows(r_texts, 1))[:30])
    wm = WatermarkEvidence("R", KEY, tokenize, "words:test-vocabulary", contexts=few)
    ev = analyze_responses(frame, "S", "R", CONTROLS, embed=False, analyses=ONLY, watermark=wm)
    plain = analyze_responses(frame, "S", "R", CONTROLS, embed=False, analyses=ONLY, watermark=_watermark())
    assert ev.settings["watermark"]["filter_contexts"] == 30
    got = ev.tables["radioactivity.green_bias"].set_index("model")
    full = plain.tables["radioactivity.green_bias"].set_index("model")
    assert (got["n_scored"] < full["n_scored"] / 5).all() and (got["n_scored"] > 0).all()
    # every kept tuple has one of the 30 contexts: recount S by hand
    from forensics.watermark import dedupe_tuples, filter_contexts, green_of, scorable_tuples

    s_texts = [tokenize(t) for t in frame.loc[frame["model"] == "S", "text"]]
    kept = dedupe_tuples(filter_contexts(scorable_tuples(s_texts, 1), few))
    assert got.loc["S", "n_scored"] == len(kept)
    assert got.loc["S", "n_green"] == int(green_of(KEY, kept[:, :1], kept[:, 1]).sum())
