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

import pandas as pd
import pytest

from forensics.backends import load_tokenizer, qwen_path
from forensics.evidence import WatermarkEvidence, radioactivity_scores, rank, watermarked_contexts
from forensics.store import load_run, verify_run
from forensics.watermark import load_key, score_tokens

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


def test_the_labs_radioactivity_results_on_its_ground_truth():
    """What the committed lab measured (benchmarks/RESULTS.md section 14): the students of the
    watermarked teacher are detected on the logged prompts, the 10% student on the prompts whose
    watermarked answers it trained on; nothing independent of the key is detected at p < 0.01."""
    rows = {(r["setting"], r["model"], r["filter"]): r["p_value"] for r in _results()["radioactivity"]["scored"]}
    assert rows[("logged", "student-a", True)] < 1e-5  # 100% watermarked answers
    assert rows[("logged, (b)'s watermarked prompts", "student-b", True)] < 1e-5  # 10%, on its prompts
    for model in ("student-c", *UNTOUCHED):  # independent of the key: not detected
        assert rows[("bundled", model, False)] > 0.01 and rows[("bundled", model, True)] > 0.01
    for model in ("student-c", TEACHER, OTHER):
        assert rows[("logged", model, True)] > 0.01
    fp = [r["share_p_below_0.01"] for r in _results()["radioactivity"]["random_keys"]]
    assert len(fp) == 11 and max(fp) <= 0.05  # 200 random keys per model and setting


@pytest.mark.slow
@pytest.mark.parametrize(("run", "section"), [("judge", "evidence"),
                                              ("judge-logged", "evidence_with_logged_prompts")])
def test_the_evidence_recomputed_from_the_fixtures_equals_the_labs(lab, run, section):
    """The evidence of every student against each candidate teacher, bit for bit from the stored
    transcripts, on the bundled suites and with the logged prompts; the independent student (c)
    gets no support for H1 at "moderate" or above in either."""
    want = {(r["suspect"], r["reference"]): r for r in _results()[section]}
    phi = watermarked_contexts(load_run(lab["teacher"]), lab["key"], lab["tokenize"])
    wm = WatermarkEvidence(TEACHER, lab["key"], lab["tokenize"], f"llamacpp:{qwen_path().name}", phi)
    for s in STUDENTS:
        table = rank(lab[run], s, [TEACHER, GEMMA], [OTHER], watermark=wm, store=False)
        for r in table.itertuples():
            assert r.log10_lr == pytest.approx(want[(s, r.reference)]["log10_lr"], abs=1e-9)
            assert r.rank == want[(s, r.reference)]["rank"]
            assert r.wording == want[(s, r.reference)]["verdict"]
            # the untouched models, each scored as if it were the suspect: no support for H1
            as_s = r.evidence.tables["robustness"].set_index("control")["log10_lr_control_as_suspect"]
            assert as_s.round(3).to_dict() == want[(s, r.reference)]["controls_as_suspect"]
            assert (as_s < 1).all()
    c = {r["reference"]: r for r in _results()[section] if r["suspect"] == "student-c"}
    assert c[TEACHER]["level"] < 3 and c[TEACHER]["log10_lr"] < 1  # signed level 3: "moderate"


def test_with_the_logged_prompts_the_true_teacher_ranks_first_for_its_students():
    """Sander et al.'s supervised setting (RESULTS section 15): with the prompts the teacher's API
    logged, students (a) and (b) rank the true teacher first; (c) does not get "moderate"."""
    first = {r["suspect"]: r["reference"] for r in _results()["evidence_with_logged_prompts"] if r["rank"] == 1}
    assert first["student-a"] == TEACHER and first["student-b"] == TEACHER
    c = next(r for r in _results()["evidence_with_logged_prompts"]
             if r["suspect"] == "student-c" and r["reference"] == TEACHER)
    assert c["level"] < 3 and c["log10_lr"] < 1
