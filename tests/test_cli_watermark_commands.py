"""`forensics watermark keygen|detect|radioactivity` on a real watermarked run.

One real run: SmolLM2 (llama.cpp) answers four open prompts with a green-list watermark (about 250
tokens). Two imported models join it: `plain`, hand-written answers (no watermark), and `copy`, the
watermarked answers re-imported under another name (a suspect whose weights we do not have, as a
student's would be). The keys are fixed, so every p-value here is reproducible.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from forensics.cli import main
from forensics.watermark import load_key

KEY_A = "distill-forensics test key A: 4f9c1e77d2b3"  # the run's key
KEY_B = "distill-forensics test key B: 0a65d93e18c4"  # a key the run never used
SETTINGS = ("--watermark-gamma", "0.3", "--watermark-delta", "2.5", "--watermark-context", "2")

PROMPTS = ["Describe the sea in a few sentences.", "Explain how a bicycle works.",
           "Tell a short story about a lost key.", "Why do people like music? Answer in a paragraph."]
PLAIN = [
    ("The sea is a wide grey field that never keeps still. In the morning it is flat and pale, by noon "
     "the wind has raised it into ridges, and at night you hear it more than you see it, folding onto "
     "the shingle over and over."),
    ("You push the pedals, the pedals turn the crank, and a chain carries that turn back to a small "
     "sprocket on the rear wheel. Because the sprocket is smaller than the chainring, one turn of your "
     "legs spins the wheel more than once. Steering and balance come from the front fork and speed."),
    ("Mara lost the key to the allotment shed on a Tuesday. She searched her coat, the compost heap and "
     "the long grass by the gate, then gave up and borrowed bolt cutters. In spring the key turned up "
     "inside a cabbage, green with rust, and she hung it above the door for luck."),
    ("People like music because it moves them without asking permission. A rhythm lines up with the "
     "pulse, a melody sets up a small expectation and then pays it off, and a song heard at sixteen "
     "brings the whole year back. It is also something to share: singing together makes a crowd one."),
]


def _key(path: Path, text: str) -> Path:
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


def forensics(capsys, monkeypatch, *args) -> tuple[int, str, str]:
    """Run the CLI in-process through `main()` (its error handling and exit codes)."""
    monkeypatch.setattr(sys, "argv", ["forensics", *map(str, args)])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main()
    got = capsys.readouterr()
    return exc.value.code, got.out, got.err


def _import(run: Path, name: str, answers: list[str], tmp: Path) -> None:
    src = tmp / f"{name}.jsonl"
    src.write_text("".join(json.dumps({"prompt": p, "response": a}) + "\n" for p, a in zip(PROMPTS, answers)))
    r = subprocess.run([sys.executable, "-m", "forensics", "import", str(src), "--name", name, "--out", str(run)],
                       check=False, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("keys")
    return {"a": _key(d / "a.key", KEY_A), "b": _key(d / "b.key", KEY_B)}


@pytest.fixture(scope="module")
def plain_run(tmp_path_factory) -> Path:
    """A run with imported, unwatermarked answers only (no model weights needed)."""
    d = tmp_path_factory.mktemp("plain")
    _import(d / "run", "plain", PLAIN, d)
    return d / "run"


@pytest.fixture(scope="module")
def wm_run(tmp_path_factory, keys) -> Path:
    d = tmp_path_factory.mktemp("wm")
    suite = d / "tiny.yaml"
    suite.write_text(yaml.safe_dump({"name": "tiny", "version": "1", "description": "four open prompts",
                                     "probes": [{"id": f"t-{i}", "category": "style", "prompt": p}
                                                for i, p in enumerate(PROMPTS, 1)]}))
    run = d / "run"
    r = subprocess.run([sys.executable, "-m", "forensics", "run", "-m", "t=llamacpp:smollm2", "--watermark",
                        str(keys["a"]), *SETTINGS, "-o", str(run), "--suite", str(suite), "--max-tokens", "72",
                        "-q", "--no-self-check"], check=False, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    from forensics.store import load_run

    texts = load_run(run).responses.set_index("probe_id")["text"]
    _import(run, "plain", PLAIN, d)
    _import(run, "copy", [texts[f"t-{i}"] for i in range(1, 5)], d)
    return run


def _no_key(*outputs: str) -> None:
    for text in outputs:
        assert KEY_A not in text and KEY_B not in text
        assert "4f9c1e77d2b3" not in text and "0a65d93e18c4" not in text


def _fits(*outputs: str) -> None:
    for text in outputs:
        wide = [line for line in text.splitlines() if len(line) > 100]
        assert not wide, wide


# -- keygen ---------------------------------------------------------------------------------------

def test_keygen_writes_a_private_key_and_prints_only_its_sha256(tmp_path, capsys, monkeypatch):
    path = tmp_path / "new.key"
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "keygen", path)
    assert rc == 0, err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text().strip()
    assert len(secret) == 64
    assert secret not in out + err and secret[:16] not in out + err and secret[-16:] not in out + err
    assert f"key SHA-256: {load_key(path).key_sha256}" in out
    assert "forensics run" in out and "--watermark KEYFILE" in out and "watermark radioactivity" in out
    _fits(out, err)
    # never overwrites (the old key stays), and an unwritable place is a clear error
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "keygen", path)
    assert rc == 2 and "refusing to overwrite" in err and path.read_text().strip() == secret
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "keygen", tmp_path / "no" / "such" / "dir.key")
    assert rc == 2 and "No such file or directory" in err and "Traceback" not in err


def test_help_explains(capsys, monkeypatch):
    rc, out, _ = forensics(capsys, monkeypatch, "watermark", "--help")
    assert rc == 0 and all(c in out for c in ("keygen", "detect", "radioactivity"))
    rc, out, _ = forensics(capsys, monkeypatch, "watermark", "radioactivity", "--help")
    assert rc == 0 and "--suspect" in out and "--tokenizer" in out and "0.01" in out
    rc, out, _ = forensics(capsys, monkeypatch, "--help")
    assert "watermark" in out


# -- errors (no model weights needed) ----------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (("detect", "RUN", "--model", "plain", "--key", "KEY_A"), "give --tokenizer"),
    (("detect", "RUN", "--model", "zzz", "--key", "KEY_A"), "no model 'zzz' in this run"),
    (("detect", "RUN", "--model", "plain", "--key", "NO_KEY"), "no-such.key"),
    (("detect", "RUN", "--model", "plain", "--key", "KEY_A", "--tokenizer", "plain"), "not a local model"),
    (("detect", "RUN", "--model", "plain", "--key", "KEY_A", "--tokenizer", "openai:gpt"), "tokenizer"),
    (("detect", "NO_RUN", "--model", "plain", "--key", "KEY_A"), "no-run"),
    (("radioactivity", "RUN", "--suspect", "zzz", "--key", "KEY_A", "--tokenizer", "x"), "no model 'zzz'"),
    (("radioactivity", "RUN", "-S", "plain", "-C", "yyy", "--key", "KEY_A", "--tokenizer", "x"), "'yyy'"),
    (("radioactivity", "RUN", "--suspect", "plain", "--key", "NO_KEY", "--tokenizer", "x"), "no-such.key"),
    (("radioactivity", "RUN", "--suspect", "plain", "--key", "KEY_A"), "--tokenizer"),  # required
    (("detect", "RUN", "--model", "plain", "--key", "KEY_A", "--gamma", "1.5", "-t", "x"), "gamma"),
])
def test_errors_exit_2_with_a_clear_message(plain_run, keys, tmp_path, capsys, monkeypatch, args, message):
    subs = {"RUN": plain_run, "NO_RUN": tmp_path / "no-run", "KEY_A": keys["a"], "NO_KEY": tmp_path / "no-such.key"}
    rc, out, err = forensics(capsys, monkeypatch, "watermark", *[subs.get(a, a) for a in args])
    assert rc == 2, (out, err)
    assert message in err and "Traceback" not in err, err
    _no_key(out, err)


# -- detect and radioactivity on the real run ------------------------------------------------------

@pytest.mark.slow
def test_detect_finds_the_watermark_with_the_runs_settings(wm_run, keys, capsys, monkeypatch):
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "detect", wm_run, "--model", "t", "--key", keys["a"],
                             "--json")
    assert rc == 0, err
    got = json.loads(out)
    # no options given: the run's recorded settings for this key, and t's own tokenizer
    assert got["settings_from"] == "run" and got["tokenizer"] == "llamacpp:smollm2"
    assert got["watermark"] == load_key(keys["a"], gamma=0.3, delta=2.5, context=2).settings()
    s = got["score"]
    assert s["n_tokens"] >= 150 and s["n_scored"] >= 150 and s["p_value"] < 1e-6 and s["z"] > 5
    assert got["detected"] and got["warnings"] == []
    # the same in words: a table and one plain line
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "detect", wm_run, "-m", "t", "-k", keys["a"])
    assert rc == 0 and "watermark detected at p < 0.01" in out and "gamma 0.3" in out and "context 2" in out
    assert "scored tuples" in out and "recorded" in out and not err
    _no_key(out, err)
    # other settings given explicitly override the record: under context 1 the green lists differ
    rc, out, _ = forensics(capsys, monkeypatch, "watermark", "detect", wm_run, "-m", "t", "-k", keys["a"],
                           "--context", "1", "--json")
    other = json.loads(out)
    assert other["watermark"]["context"] == 1 and other["watermark"]["gamma"] == 0.3
    assert other["score"]["p_value"] > 1e-6 > s["p_value"]


@pytest.mark.slow
def test_detect_does_not_find_it_in_plain_text_nor_under_another_key(wm_run, keys, capsys, monkeypatch):
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "detect", wm_run, "-m", "plain", "-k", keys["a"],
                             "--tokenizer", "t", "--json")
    assert rc == 0, err
    got = json.loads(out)
    assert got["tokenizer"] == "llamacpp:smollm2" and got["settings_from"] == "run"
    assert got["score"]["n_scored"] >= 200 and got["score"]["p_value"] > 0.01 and not got["detected"]
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "detect", wm_run, "-m", "plain", "-k", keys["a"],
                             "-t", "llamacpp:smollm2")
    assert rc == 0 and "watermark not detected at p < 0.01" in out
    # t under a key the run never used: not detected, and a warning (not an error) says so
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "detect", wm_run, "-m", "t", "-k", keys["b"])
    assert rc == 0, err
    assert "watermark not detected" in out and "from the options" in out and "gamma 0.25" in out
    assert "warning:" in err and "another watermark key" in " ".join(err.split())
    assert load_key(keys["a"]).key_sha256[:16] in err and load_key(keys["b"]).key_sha256[:16] in err
    rc, out, _ = forensics(capsys, monkeypatch, "watermark", "detect", wm_run, "-m", "t", "-k", keys["b"],
                           *(a.replace("watermark-", "") for a in SETTINGS), "--json")
    got = json.loads(out)
    assert not got["detected"] and got["score"]["p_value"] > 1e-3 and got["warnings"]
    _no_key(out, err)


@pytest.mark.slow
def test_radioactivity_shows_the_suspect_the_controls_and_the_caveat(wm_run, keys, capsys, monkeypatch):
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "radioactivity", wm_run, "--suspect", "copy",
                             "--key", keys["a"], "--tokenizer", "t", "--json")
    assert rc == 0, err
    got = json.loads(out)
    roles = {r["model"]: r["role"] for r in got["rows"]}
    assert roles == {"copy": "suspect", "plain": "control", "t": "watermarked"}
    rows = {r["model"]: r for r in got["rows"]}
    assert got["detected"] and rows["copy"]["p_value"] < 1e-6 and rows["plain"]["p_value"] > 0.01
    assert all(r["n_scored"] > 0 for r in got["rows"]) and got["controls_detected"] == []
    assert got["settings_from"] == "run" and got["watermark"]["context"] == 2 and got["alpha"] == 0.01
    assert "Gu et al." in got["caveat"] and "Pan et al." in got["caveat"]
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "radioactivity", wm_run, "-S", "copy",
                             "-k", keys["a"], "-t", "llamacpp:smollm2")
    assert rc == 0, err
    assert "radioactive at alpha 0.01" in out and "controls:" in out and "watermarked" in out
    text = " ".join(out.split())
    assert "not evidence of independence" in text and "Gu et al., ICLR 2024" in text and "exact" in text
    for name in ("copy", "plain", "t"):
        assert f" {name} " in out
    _no_key(out, err)
    # the unwatermarked model as the suspect: not detected; the copy, now a control, is flagged
    rc, out, err = forensics(capsys, monkeypatch, "watermark", "radioactivity", wm_run, "-S", "plain",
                             "-k", keys["a"], "-t", "t", "--alpha", "0.001")
    assert rc == 0 and "not detected at alpha 0.001" in out
    assert "control copy also shows" in err
    # only the controls asked for
    rc, out, _ = forensics(capsys, monkeypatch, "watermark", "radioactivity", wm_run, "-S", "copy", "-C", "plain",
                           "-k", keys["a"], "-t", "t", "--json")
    assert [r["model"] for r in json.loads(out)["rows"]] == ["copy", "plain"]


@pytest.mark.slow
def test_radioactivity_filter_scores_only_contexts_of_the_watermarked_outputs(wm_run, plain_run, keys, capsys,
                                                                             monkeypatch):
    base = ("watermark", "radioactivity", wm_run, "-S", "copy", "-k", keys["a"], "-t", "t", "--json")
    rc, out, err = forensics(capsys, monkeypatch, *base)
    plain = {r["model"]: r for r in json.loads(out)["rows"]}
    rc, out, err = forensics(capsys, monkeypatch, *base, "--filter", wm_run)
    assert rc == 0, err
    got = json.loads(out)
    rows = {r["model"]: r for r in got["rows"]}
    assert got["filter_contexts"] > 100 and got["detected"]
    # the copy's contexts are all in t's outputs; the hand-written answers' mostly are not
    assert rows["copy"]["n_scored"] == plain["copy"]["n_scored"]
    assert 0 < rows["plain"]["n_scored"] < plain["plain"]["n_scored"] and rows["plain"]["p_value"] > 0.01
    rc, out, err = forensics(capsys, monkeypatch, *base[:-1], "--filter", wm_run)
    assert rc == 0 and "filter: only tuples after one of" in out
    _fits(out, err)
    _no_key(out, err)
    # a filter run with nothing watermarked under this key is an error, not an empty filter
    rc, out, err = forensics(capsys, monkeypatch, *base, "--filter", plain_run)
    assert rc == 2 and "records no model generating with this key" in " ".join(err.split())


@pytest.mark.slow
def test_terminal_output_fits_100_columns_and_never_shows_the_key(wm_run, keys):
    env = os.environ | {"COLUMNS": "200"}  # nothing wraps for us: every line must be short by design
    for args in (("detect", wm_run, "-m", "t", "-k", keys["a"]), ("detect", wm_run, "-m", "t", "-k", keys["b"]),
                 ("radioactivity", wm_run, "-S", "copy", "-k", keys["a"], "-t", "t")):
        r = subprocess.run([sys.executable, "-m", "forensics", "watermark", *map(str, args)],
                           check=False, capture_output=True, text=True, env=env)
        assert r.returncode == 0, r.stderr
        _fits(r.stdout, r.stderr)
        _no_key(r.stdout, r.stderr)
