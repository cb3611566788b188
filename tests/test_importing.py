import json

import pandas as pd
import pytest

import forensics
from forensics.collect import ADHOC_DESCRIPTION, ADHOC_SUITE, adhoc_probe_id
from forensics.probes import Probe, Suite, bundled_suites

from .support.cli import run_cli as cli


def alpaca_fixture(path, n=40, generator="toy"):
    """An AlpacaEval-format model_outputs.json with n instructions, one of them a bundled probe."""
    probe = next(p for s in bundled_suites() for p in s.probes if p.prompt and not p.system)
    items = [{"instruction": f"Instruction number {i}: explain topic {i}.", "output": f"Output {i} <b>bold</b>",
              "generator": generator, "dataset": "toy"} for i in range(n - 1)]
    items.append({"instruction": probe.prompt, "output": "I am a toy.", "generator": generator, "dataset": "toy"})
    path.write_text(json.dumps(items))
    return items, probe


def test_import_export_one_row_per_instruction(tmp_path):
    items, probe = alpaca_fixture(tmp_path / "toy.json")
    s = forensics.import_transcripts(tmp_path / "toy.json", "toy", tmp_path / "run")
    assert s["added"] == len(items) and s["bundled_matches"] == 1
    for fmt in ("jsonl", "csv", "parquet"):
        r = cli("export", str(tmp_path / "run"), "--format", fmt, "-o", str(tmp_path / f"out.{fmt}"))
        assert r.returncode == 0, r.stderr
    df = pd.read_json(tmp_path / "out.jsonl", lines=True)
    assert len(df) == len(items) and set(df.prompt) == {i["instruction"] for i in items}
    assert {"probe_id", "category", "model", "sample", "prompt", "text"} <= set(df.columns)
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == len(items)
    assert len(pd.read_csv(tmp_path / "out.csv")) == len(items)
    matched = df[df.probe_id == probe.id].iloc[0]
    assert matched.category == probe.category
    adhoc = df[df.prompt == items[0]["instruction"]].iloc[0]
    assert adhoc.probe_id == adhoc_probe_id(items[0]["instruction"]) and adhoc.category == "adhoc"
    run = forensics.load_run(tmp_path / "run")
    # the ad-hoc suite is recorded with the hash of the suite its probes make, and the suite the
    # matched probe came from is recorded as bundled, with the probes package's hash of it
    [home] = [st for st in bundled_suites() if probe in st.probes]
    adhoc_suite = Suite(name=ADHOC_SUITE, version="run", description=ADHOC_DESCRIPTION, probes=sorted(
        (Probe(id=adhoc_probe_id(i["instruction"]), category="adhoc", prompt=i["instruction"], language="und")
         for i in items[:-1]), key=lambda p: p.id))
    suites = run.suites.set_index("name")[["version", "hash", "source"]]
    assert sorted(suites.index) == sorted([ADHOC_SUITE, home.name])
    assert suites.loc[ADHOC_SUITE].tolist() == ["run", adhoc_suite.content_hash, "import"]
    assert suites.loc[home.name].tolist() == [home.version, home.content_hash, "bundled"]
    assert set(run.responses.loc[run.responses.probe_id == probe.id, "suite"]) == {home.name}
    assert set(run.responses.loc[run.responses.probe_id != probe.id, "suite"]) == {ADHOC_SUITE}
    assert cli("verify", str(tmp_path / "run")).returncode == 0


def test_import_is_idempotent_and_extends(tmp_path):
    alpaca_fixture(tmp_path / "a.json", n=10)
    forensics.import_transcripts(tmp_path / "a.json", "m", tmp_path / "run")
    again = forensics.import_transcripts(tmp_path / "a.json", "m", tmp_path / "run")
    assert again["added"] == 0 and again["unchanged"] == 10
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"prompt": "Instruction number 0: explain topic 0.", "response": "a second answer"}) + "\n"
        + json.dumps({"prompt": "brand new prompt", "response": "new"}) + "\n")
    more = forensics.import_transcripts(tmp_path / "b.jsonl", "m", tmp_path / "run")
    assert more["added"] == 2 and more["new_adhoc_probes"] == 1
    df = forensics.load_run(tmp_path / "run").responses
    assert len(df) == 12
    assert sorted(df[df.prompt == "Instruction number 0: explain topic 0."]["sample"]) == [0, 1]
    other = forensics.import_transcripts(tmp_path / "a.json", "other", tmp_path / "run")
    assert other["added"] == 10
    assert forensics.verify_run(tmp_path / "run") == []


def test_bad_import_exits_2(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"prompt": "a", "response": "b"}\n{"prompt": 3, "response": "x"}\n')
    r = cli("import", str(tmp_path / "bad.jsonl"), "--name", "m", "--out", str(tmp_path / "run"))
    assert r.returncode == 2 and "line 2" in r.stderr and "prompt" in r.stderr and "Traceback" not in r.stderr
    r = cli("import", str(tmp_path / "missing.json"), "--name", "m", "--out", str(tmp_path / "run"))
    assert r.returncode == 2 and "no such file" in r.stderr
    (tmp_path / "ok.jsonl").write_text('{"prompt": "a", "response": "b"}\n')
    r = cli("import", str(tmp_path / "ok.jsonl"), "--name", "../evil", "--out", str(tmp_path / "run"))
    assert r.returncode == 2 and "--name" in r.stderr


@pytest.mark.slow
def test_cli_analyze_ranks_references_on_several_processes_with_the_same_numbers(tmp_path):
    """Synthetic models imported as AlpacaEval files; real MiniLM embeddings, then forked workers."""
    from tests.synthetic import make_responses

    df, s, r, controls = make_responses(31, n_controls=4, n_probes=30, distilled=0.7)
    run = tmp_path / "run"
    for model, rows in df.groupby("model"):
        items = [{"instruction": f"Prompt {p}: {t}", "output": text, "generator": model}
                 for p, t, text in zip(rows["probe_id"], rows["prompt"], rows["text"])]
        (tmp_path / f"{model}.json").write_text(json.dumps(items))
        forensics.import_transcripts(tmp_path / f"{model}.json", model, run)
    refs = ["-R", r, "-R", controls[0], "-R", controls[1]]
    outs = {}
    for jobs in ("1", "2"):
        res = cli("analyze", str(run), "-S", s, *refs, "-C", controls[2], "-C", controls[3],
                  "--json", "--jobs", jobs)
        assert res.returncode == 0, res.stderr
        outs[jobs] = json.loads(res.stdout)
    assert [e["verdict"] for e in outs["1"]] == [e["verdict"] for e in outs["2"]]
    assert [e["summary"] for e in outs["1"]] == [e["summary"] for e in outs["2"]]
    assert outs["1"][0]["rank"] == 1 and len(outs["1"]) == 3
