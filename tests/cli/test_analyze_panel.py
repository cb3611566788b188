"""`forensics analyze|rank RUN --panel DIR --labels FILE`: the panel joins the run once, the labels'
references are the candidates, and each verdict names the calibration that gave its LR."""

import json

import pytest

import forensics
import forensics.evidence
from tests.evidence.test_validate import LABELS, panel
from tests.support.cli import run_cli as cli
from tests.support.panel import write_model_outputs, write_panel

SUSPECT = "beta-2"  # a student of rb: audited as "audited", outside the panel and the labels


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """A synthetic labelled panel in the AlpacaEval format (its labels without the suspect), and a run
    holding only the audited model's answers to the same instructions."""
    tmp = tmp_path_factory.mktemp("panel-case")
    frame = panel()
    folder = write_panel(tmp / "panel", frame, [m for m in frame["model"].unique() if m != SUSPECT])
    (tmp / "labels.yaml").write_text("\n".join(line for line in LABELS.splitlines() if SUSPECT not in line))
    write_panel(tmp / "suspect", frame, [SUSPECT])
    return tmp, folder


def _new_run(tmp_path, case):
    tmp, _ = case
    forensics.import_transcripts(tmp / "suspect" / f"{SUSPECT}.json", "audited", tmp_path / "run")
    return tmp_path / "run"


@pytest.fixture
def fake_rank(monkeypatch):
    seen = {}

    def fake(run_dir, suspect, references, controls, **kwargs):
        seen.update(kwargs, run_dir=run_dir, suspect=suspect, references=references, controls=controls)
        return __import__("pandas").DataFrame()

    monkeypatch.setattr(forensics.evidence, "rank", fake)
    return seen


def test_panel_joins_the_run_once_and_the_labels_name_the_candidates(tmp_path, case, fake_rank):
    _, folder = case
    run = _new_run(tmp_path, case)
    labels = case[0] / "labels.yaml"
    r = cli("rank", run, "-S", "audited", "--panel", folder, "--labels", labels, "--json")
    assert r.returncode == 0, r
    assert "12 models; 12 imported into the run, 0 already there" in r.stderr  # stdout stays JSON
    assert json.loads(r.stdout) == []
    assert fake_rank["references"] is None and fake_rank["labels"].references == ["ra", "rb"]
    models = set(forensics.load_run(run).responses["model"])
    assert len(models) == 13 and "audited" in models
    r = cli("analyze", run, "-S", "audited", "-R", "rb", "--panel", folder, "--labels", labels, "--json")
    assert r.returncode == 0, r
    assert "12 models; 0 imported into the run, 12 already there" in r.stderr
    assert fake_rank["references"] == ["rb"]
    assert forensics.verify_run(run) == []


@pytest.mark.parametrize("args, message", [
    (("--panel", "PANEL"), "--panel needs --labels"),
    ((), "give at least one --reference, or --labels"),
    (("--panel", "MISSING", "--labels", "LABELS"), "no such folder"),
    (("--panel", "EMPTY", "--labels", "LABELS"), "no *.json transcript files"),
    (("--panel", "PANEL", "--labels", "LABELS", "-S", "nobody"), "model 'nobody' is not in"),
])
def test_panel_errors_are_clear(tmp_path, case, fake_rank, args, message):
    run = _new_run(tmp_path, case)
    (tmp_path / "empty").mkdir()
    paths = {"PANEL": case[1], "LABELS": case[0] / "labels.yaml", "MISSING": tmp_path / "missing",
             "EMPTY": tmp_path / "empty"}
    argv = [paths.get(a, a) for a in args]
    suspect = [] if "-S" in args else ["-S", "audited"]
    r = cli("rank", run, *suspect, *argv)
    assert r.returncode == 2 and message in " ".join(r.stderr.split()), r
    assert fake_rank == {}  # nothing was analysed


def test_a_run_that_does_not_exist_is_refused(tmp_path, case, fake_rank):
    r = cli("rank", tmp_path / "nothing", "-S", "audited", "--panel", case[1], "--labels", case[0] / "labels.yaml")
    assert r.returncode == 2 and "not a run directory" in r.stderr and not (tmp_path / "nothing").exists()


def test_a_file_that_is_not_a_transcript_list_is_named(tmp_path, case, fake_rank):
    run = _new_run(tmp_path, case)
    bad = tmp_path / "bad-panel"
    bad.mkdir()
    write_model_outputs(bad / "ok.json", "ok", [("Hello?", "Hi.")])
    (bad / "zz.json").write_text('{"not": "a list"}')
    r = cli("rank", run, "-S", "audited", "--panel", bad, "--labels", case[0] / "labels.yaml")
    assert r.returncode == 2 and "zz.json: expected a JSON list" in r.stderr, r


@pytest.mark.slow
def test_rank_and_analyze_with_the_panel_give_calibrated_verdicts(tmp_path, case):
    """The whole flow on the synthetic panel: rank with no reference, analyze one, report."""
    _, folder = case
    run = _new_run(tmp_path, case)
    labels = case[0] / "labels.yaml"
    r = cli("rank", run, "-S", "audited", "--panel", folder, "--labels", labels)
    assert r.returncode == 0, r
    text = " ".join(r.stdout.split())
    assert "suspect: audited" in text and "LR system: calibrated on the run's labelled panel" in text
    r = cli("analyze", run, "-S", "audited", "-R", "rb", "--panel", folder, "--labels", labels, "--json")
    assert r.returncode == 0, r
    (ev,) = json.loads(r.stdout)
    assert ev["settings"]["lr_system"]["source"] == "panel" and ev["verdict"]["log10_lr"] > 0
    assert "beta-1" not in ev["settings"]["controls"]  # rb's other student is no control of rb
    assert cli("report", run).returncode == 0 and (run / "report.html").exists()
