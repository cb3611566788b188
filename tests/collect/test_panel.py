"""Importing AlpacaEval files: prompts filed under the `alpaca_eval` suite's ids, and a labelled
panel's folder joined to a run once (each file's SHA-256 recorded; a rerun reads nothing)."""

import json

import pytest

import forensics
import forensics.collect._panel as panel_module
from forensics.collect import (
    ADHOC_SUITE,
    PANEL_MANIFEST_KEY,
    import_panel,
    imported_panel,
)
from forensics.core import InputError
from forensics.probes import alpaca_eval_suite
from forensics.store import RunStore, verify_run
from tests.support.panel import alpaca_prompts, write_model_outputs

N = 6


def _panel(folder, models=("m-a", "m-b", "m-c")):
    folder.mkdir(parents=True, exist_ok=True)
    for m in models:
        write_model_outputs(folder / f"{m}.json", m, [(p, f"{m} answers {k}") for k, p in enumerate(alpaca_prompts(N))])
    (folder / "labels.yaml").write_text("references: [m-a]\nmodels: {}\n")  # not a transcript file: ignored
    return folder


def test_import_files_alpaca_eval_prompts_under_the_suites_ids(tmp_path):
    prompts = alpaca_prompts(3)
    write_model_outputs(tmp_path / "x.json", "x", [
        (prompts[0], "one"), ("  " + prompts[1] + "\n", "two"),  # whitespace around it: the same probe
        ("Not an AlpacaEval instruction.", "three"),
        (prompts[2], "four"), (prompts[2], "four"),  # a duplicated record: stored once
        (prompts[0], "one, said again differently")])  # a prompt answered twice: a second sample
    s = forensics.import_transcripts(tmp_path / "x.json", "x", tmp_path / "run")
    assert s["bundled_matches"] == 5 and s["added"] == 5 and s["unchanged"] == 1 and s["new_adhoc_probes"] == 1
    df = forensics.load_run(tmp_path / "run").responses.sort_values(["suite", "probe_id", "sample"],
                                                                     ascending=[False, True, True])
    ids = alpaca_eval_suite().probes
    got = [(r.probe_id, r.sample, r.suite, r.text) for r in df.itertuples()]
    assert got[:4] == [(ids[0].id, 0, "alpaca_eval", "one"), (ids[0].id, 1, "alpaca_eval", "one, said again differently"),
                       (ids[1].id, 0, "alpaca_eval", "two"), (ids[2].id, 0, "alpaca_eval", "four")]
    assert got[4][2] == ADHOC_SUITE and got[4][3] == "three"
    with RunStore(tmp_path / "run") as st:
        row = next(r for r in st.suites() if r["name"] == "alpaca_eval")
    assert row["hash"] == alpaca_eval_suite().content_hash and row["source"] == "bundled"


def test_a_panel_is_imported_once(tmp_path, monkeypatch):
    folder = _panel(tmp_path / "panel")
    seen = []
    first = import_panel(folder, tmp_path / "run", progress=lambda *a: seen.append(a))
    assert first["imported"] == ["m-a", "m-b", "m-c"] and first["unchanged"] == [] and first["files"] == 3
    assert seen[0] == ("panel import", 0, 3) and seen[-1] == ("panel import", 3, 3)
    recorded = imported_panel(tmp_path / "run")
    assert set(recorded) == {"m-a", "m-b", "m-c"} and len(recorded["m-a"]["sha256"]) == 64
    df = forensics.load_run(tmp_path / "run").responses
    assert len(df) == 3 * N and set(df["suite"]) == {"alpaca_eval"}
    assert verify_run(tmp_path / "run") == []  # the record is in the manifest, whose hash covers it

    def refuse(*a, **k):
        raise AssertionError("a file already imported was read again")

    monkeypatch.setattr(panel_module, "import_transcripts", refuse)
    again = import_panel(folder, tmp_path / "run")
    assert again["imported"] == [] and again["unchanged"] == ["m-a", "m-b", "m-c"]
    monkeypatch.undo()
    # a file that changed is imported again (its new answers join as new samples), and said so
    write_model_outputs(folder / "m-b.json", "m-b", [(alpaca_prompts(1)[0], "a new answer")])
    third = import_panel(folder, tmp_path / "run")
    assert third["changed"] == ["m-b"] and third["unchanged"] == ["m-a", "m-c"]
    with RunStore(tmp_path / "run") as st:
        assert st.get_manifest(PANEL_MANIFEST_KEY)["m-b"]["sha256"] != recorded["m-b"]["sha256"]
    assert len(forensics.load_run(tmp_path / "run").responses) == 3 * N + 1


def test_panel_errors_are_clear_and_leave_the_run_alone(tmp_path):
    run = tmp_path / "run"
    with pytest.raises(InputError, match="no such folder"):
        import_panel(tmp_path / "missing", run)
    (tmp_path / "file.json").write_text("[]")
    with pytest.raises(InputError, match="not a folder"):
        import_panel(tmp_path / "file.json", run)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no \*\.json transcript files"):
        import_panel(tmp_path / "empty", run)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "m.json").write_text(json.dumps({"instruction": "x", "output": "y"}))
    with pytest.raises(InputError, match=r"m\.json: expected a JSON list"):
        import_panel(bad, run)
    (bad / "m.json").write_text(json.dumps([{"text": "no prompt"}]))
    with pytest.raises(InputError, match=r"m\.json: item 0: missing prompt field"):
        import_panel(bad, run)
    assert not run.exists()  # a bad file touches nothing
    (bad / "m.json").unlink()
    (bad / "a model.json").write_text("[]")
    with pytest.raises(InputError, match="is not one: use letters"):
        import_panel(bad, run)


def test_a_panel_model_cannot_take_a_collected_models_name(tmp_path):
    forensics.run_suite([("m-b", lambda messages, params: "hi")], out=tmp_path / "run",
                        suites=[forensics.Suite(name="s", version="1", probes=[
                            forensics.Probe(id="s-1", category="style", prompt="Hello?")])],
                        progress=False, use_cache=False)
    with pytest.raises(InputError, match="already has a model 'm-b' that it collected"):
        import_panel(_panel(tmp_path / "panel"), tmp_path / "run")
