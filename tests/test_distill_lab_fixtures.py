"""The distillation lab's ground truth, recomputed from its committed fixtures (issue 15).

`benchmarks/distill_lab.py` commits the judged run store, the teacher's watermarked training data,
the lab's key (a benchmark key that guards nothing) and `lab_results.json`. These tests reopen the
stores, check their hash chains, and recompute the radioactivity p-values and the evidence ranking
from the stored transcripts, without retraining: the numbers must equal the lab's, and the lab's
acceptance must hold on them.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forensics.backends import load_tokenizer, qwen_path
from forensics.evidence import WatermarkEvidence, radioactivity_scores, rank, watermarked_contexts
from forensics.store import load_run, verify_run
from forensics.watermark import load_key, random_key, score_tokens

FIXTURES = Path(__file__).resolve().parents[1] / "benchmarks" / "lab" / "fixtures"
TEACHER, OTHER, GEMMA = "Qwen2.5-Coder-0.5B", "SmolLM2-135M", "Gemma3-270M-base"
STUDENTS = ("student-a", "student-b", "student-c")
UNTOUCHED = (TEACHER, OTHER, GEMMA)


def _results() -> dict:
    return json.loads((FIXTURES / "lab_results.json").read_text())


def _unpack(name: str, dst: Path) -> Path:
    run_dir = dst / name
    run_dir.mkdir(parents=True)
    with gzip.open(FIXTURES / f"{name}.run.sqlite.gz", "rb") as f, open(run_dir / "run.sqlite", "wb") as g:
        shutil.copyfileobj(f, g)
    return run_dir


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    return {"judge": _unpack("judge", root), "teacher": _unpack("teacher-data", root),
            "judge-logged": _unpack("judge-logged", root),
            "key": load_key(FIXTURES / "lab-teacher.key"),
            "tokenize": load_tokenizer(f"llamacpp:{qwen_path()}")}


@pytest.mark.slow  # the `lab` fixture loads the real Qwen tokenizer
def test_the_committed_stores_are_intact_and_the_key_is_the_labs(lab):
    assert verify_run(lab["judge"]) == [] and verify_run(lab["teacher"]) == []
    assert verify_run(lab["judge-logged"]) == []
    assert lab["key"].key_sha256 == _results()["key_sha256"]
    judged = load_run(lab["judge"]).responses
    assert set(judged["model"]) == {*UNTOUCHED, *STUDENTS}
    # the supervised run: the same judged answers, and every model's answers to the logged prompts
    both = load_run(lab["judge-logged"]).responses
    logged = both[both["suite"] == "distill-lab-logged"]
    assert set(logged["model"]) == {*UNTOUCHED, *STUDENTS}
    key = ["model", "probe_id", "text"]
    assert both[both["suite"] != "distill-lab-logged"][key].sort_values(key).reset_index(drop=True).equals(
        judged[key].sort_values(key).reset_index(drop=True))


@pytest.mark.slow  # the `lab` fixture loads the real Qwen tokenizer
def test_radioactivity_recomputed_from_the_fixtures_equals_the_labs(lab):
    rad = _results()["radioactivity"]
    judged = load_run(lab["judge"]).responses
    table = radioactivity_scores(judged, lab["key"], lab["tokenize"])
    want = pd.DataFrame(rad["true_key"]).set_index("model")
    got = table.set_index("model").loc[want.index]
    assert (got["n_scored"] == want["n_scored"]).all()
    assert got["p_value"].tolist() == want["p_value"].tolist()  # bit for bit

    phi = watermarked_contexts(load_run(lab["teacher"]), lab["key"], lab["tokenize"])
    assert len(phi) == rad["filter_contexts"]
    df = judged[judged["category"] != "fingerprint"]
    for row in (r for r in rad["scored"] if r["setting"] == "bundled"):
        seqs = [lab["tokenize"](t) for t in df.loc[df["model"] == row["model"], "text"] if t]
        s = score_tokens(lab["key"], seqs, contexts=phi if row["filter"] else None)
        assert (s.n_scored, s.p_value) == (row["n_scored"], row["p_value"]), row


def _transcripts(name: str) -> pd.DataFrame:
    """A committed JSONL export, read with pandas; its texts must be the file's, exactly."""
    df = pd.read_json(FIXTURES / f"{name}.jsonl.gz", lines=True, compression="gzip")
    with gzip.open(FIXTURES / f"{name}.jsonl.gz", "rt", encoding="utf-8") as f:
        raw = [json.loads(line)["text"] for line in f]
    assert df["text"].tolist() == raw and all(isinstance(t, str) for t in raw)  # no None, no coercion
    return df


def _token_texts(df: pd.DataFrame, tokenize) -> dict[str, list[list[int]]]:
    """Per model, its non-fingerprint answers tokenized, empty ones dropped (as benchmarks/lab/measure.py)."""
    df = df[df["category"] != "fingerprint"]
    return {m: [tokenize(t) for t in g["text"] if t] for m, g in df.groupby("model")}


@pytest.mark.slow
def test_the_labs_radioactivity_results_on_its_ground_truth(lab):
    """What the committed lab measured (benchmarks/RESULTS.md section 14), recomputed from the committed
    transcripts as `benchmarks/lab/measure.py::radioactivity` does: the students of the watermarked
    teacher are detected on the logged prompts, the 10% student on the prompts whose watermarked
    answers it trained on; nothing independent of the key is detected at p < 0.01, and random keys
    give p < 0.01 no more often than chance allows."""
    rad = _results()["radioactivity"]
    key, tokenize = lab["key"], lab["tokenize"]
    phi = watermarked_contexts(load_run(lab["teacher"]), key, tokenize)
    assert len(phi) == rad["filter_contexts"]
    # the supervised setting: the logged prompts the teacher's API answered, every model's answers
    # to them (the untouched SmolLM2's from its own data, restricted to those prompts)
    logged, other = _transcripts("logged"), _transcripts("other-data")
    assert set(logged["model"]) == {TEACHER, *STUDENTS} and set(other["model"]) == {OTHER}
    other = other[other["probe_id"].isin(set(logged["probe_id"]))]
    assert len(other) == logged["probe_id"].nunique() == 60
    wm_b = set(rad["watermarked_prompts_b"])
    assert len(wm_b) == 12 and wm_b <= set(logged["probe_id"])
    settings = {"bundled": _token_texts(load_run(lab["judge"]).responses, tokenize),
                "logged": _token_texts(logged, tokenize) | _token_texts(other, tokenize),
                "logged, (b)'s watermarked prompts": _token_texts(logged[logged["probe_id"].isin(wm_b)], tokenize)}

    got = {}  # (setting, model, filter) -> recomputed p-value
    for row in rad["scored"]:
        seqs = settings[row["setting"]][row["model"]]
        s = score_tokens(key, seqs, contexts=phi if row["filter"] else None)
        assert (len(seqs), s.n_tokens, s.n_green) == (row["n_texts"], row["n_tokens"], row["n_green"]), row
        assert (s.n_scored, s.p_value) == (row["n_scored"], row["p_value"]), row  # bit for bit
        got[(row["setting"], row["model"], row["filter"])] = s.p_value
    models = {"bundled": (GEMMA, TEACHER, OTHER, *STUDENTS), "logged": (TEACHER, OTHER, *STUDENTS)}
    assert set(got) == {(st, m, f) for st, ms in models.items() for m in ms for f in (False, True)} | {
        ("logged, (b)'s watermarked prompts", m, True) for m in (TEACHER, *STUDENTS)}
    assert {st: set(by) for st, by in settings.items()} == {
        **{st: set(ms) for st, ms in models.items()}, "logged, (b)'s watermarked prompts": {TEACHER, *STUDENTS}}

    # the ground truth, on the recomputed p-values
    assert got[("logged", "student-a", True)] < 1e-5  # 100% watermarked answers
    assert got[("logged, (b)'s watermarked prompts", "student-b", True)] < 1e-5  # 10%, on its prompts
    for model in ("student-c", *UNTOUCHED):  # independent of the key: not detected
        assert got[("bundled", model, False)] > 0.01 and got[("bundled", model, True)] > 0.01
    for model in ("student-c", TEACHER, OTHER):
        assert got[("logged", model, True)] > 0.01

    # false positives: 200 random keys per model and setting (all 2200 scorings, ~15 s)
    fp = []
    for want in rad["random_keys"]:
        seqs = settings[want["setting"]][want["model"]]
        assert want["filter"] == (want["setting"] == "logged") and want["keys"] == 200
        ps = np.array([score_tokens(random_key(i), seqs, contexts=phi if want["filter"] else None).p_value
                       for i in range(want["keys"])])
        share = {"share_p_below_0.01": float((ps < 0.01).mean()), "share_p_below_0.05": float((ps < 0.05).mean())}
        assert share == {k: want[k] for k in share}, want
        fp.append(share["share_p_below_0.01"])
    assert [(r["setting"], r["model"]) for r in rad["random_keys"]] == [
        (st, m) for st in ("bundled", "logged") for m in sorted(settings[st])]
    assert len(fp) == 11 and max(fp) <= 0.05


@pytest.mark.slow
@pytest.mark.parametrize(("run", "section"), [("judge", "evidence"),
                                              ("judge-logged", "evidence_with_logged_prompts")])
def test_the_evidence_recomputed_from_the_fixtures_equals_the_labs(lab, run, section):
    """The evidence of every student against each candidate teacher, recomputed from the stored
    transcripts (benchmarks/lab/remeasure_evidence.py wrote the expected numbers), on the bundled suites and with the logged prompts; the independent student (c)
    gets no support for H1 at "moderate" or above in either. With the prompts the teacher's API
    logged (Sander et al.'s supervised setting, RESULTS section 15), students (a) and (b) rank the
    true teacher first."""
    want = {(r["suspect"], r["reference"]): r for r in _results()[section]}
    phi = watermarked_contexts(load_run(lab["teacher"]), lab["key"], lab["tokenize"])
    wm = WatermarkEvidence(TEACHER, lab["key"], lab["tokenize"], f"llamacpp:{qwen_path().name}", phi)
    tables = {}
    for s in STUDENTS:
        tables[s] = table = rank(lab[run], s, [TEACHER, GEMMA], [OTHER], watermark=wm, store=False)
        assert sorted(table["reference"]) == sorted([TEACHER, GEMMA])
        for r in table.itertuples():
            # bit for bit on one machine; across CPUs the BLAS kernels differ in the last digits
            # (4e-8 measured between an AVX-512 and an AVX2 machine), never in rank or wording
            assert r.log10_lr == pytest.approx(want[(s, r.reference)]["log10_lr"], abs=1e-6)
            assert r.rank == want[(s, r.reference)]["rank"]
            assert r.level == want[(s, r.reference)]["level"]
            assert r.wording == want[(s, r.reference)]["verdict"]
            # the untouched models, each scored as if it were the suspect: no support for H1
            as_s = r.evidence.tables["robustness"].set_index("control")["log10_lr_control_as_suspect"]
            assert as_s.round(3).to_dict() == want[(s, r.reference)]["controls_as_suspect"]
            assert (as_s < 1).all()
    # on the recomputed tables: (c), independent of the teacher, gets less than "moderate" (signed level 3)
    c = tables["student-c"].set_index("reference").loc[TEACHER]
    assert c["level"] < 3 and c["log10_lr"] < 1
    if run == "judge-logged":  # with the logged prompts the true teacher ranks first for (a) and (b)
        for s in ("student-a", "student-b"):
            first = tables[s].loc[tables[s]["rank"] == 1, "reference"].tolist()
            assert first == [TEACHER], (s, first)
