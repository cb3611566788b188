"""`forensics analyze --watermark-*`: the key and tokenizer reach the evidence; misuse is refused."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import forensics.backends
import forensics.evidence
from forensics.cli import app
from forensics.watermark import write_new_key


@pytest.fixture
def calls(monkeypatch):
    seen: dict = {}

    def fake_rank(run_dir, suspect, references, controls, **kwargs):
        seen.update(kwargs, references=references)
        return pd.DataFrame()

    def fake_tokenizer(spec):
        seen["tokenizer_spec"] = spec
        return lambda text: [len(w) for w in text.split()]

    monkeypatch.setattr(forensics.evidence, "rank", fake_rank)
    monkeypatch.setattr(forensics.backends, "load_tokenizer", fake_tokenizer)
    return seen


def _analyze(tmp_path, *extra):
    return CliRunner().invoke(app, ["analyze", str(tmp_path), "-S", "S", *extra, "--json"], catch_exceptions=False)


def test_the_key_and_tokenizer_reach_the_ranking(tmp_path, calls):
    key = write_new_key(tmp_path / "r.key")
    r = _analyze(tmp_path, "-R", "R", "--watermark-key", str(key), "--watermark-tokenizer", "llamacpp:qwen2.5-coder-0.5b",
                 "--watermark-gamma", "0.5", "--watermark-context", "2")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == []
    wm = calls["watermark"]
    assert wm.reference == "R" and wm.tokenizer_spec == calls["tokenizer_spec"] == "llamacpp:qwen2.5-coder-0.5b"
    assert (wm.key.gamma, wm.key.delta, wm.key.context) == (0.5, 2.0, 2)
    assert wm.key.secret == key.read_bytes().strip() and wm.tokenize("ab c") == [2, 1]
    assert "secret" not in repr(wm) and key.read_text().strip() not in repr(wm)


def test_with_several_references_the_key_names_its_owner(tmp_path, calls):
    key = str(write_new_key(tmp_path / "r.key"))
    r = _analyze(tmp_path, "-R", "A", "-R", "B", "--watermark-key", key, "--watermark-tokenizer", "x",
                 "--watermark-reference", "B")
    assert r.exit_code == 0, r.output
    assert calls["watermark"].reference == "B"


@pytest.mark.parametrize("extra", [
    ("-R", "R", "--watermark-key", "KEY"),  # no tokenizer
    ("-R", "R", "--watermark-tokenizer", "x"),  # no key
    ("-R", "A", "-R", "B", "--watermark-key", "KEY", "--watermark-tokenizer", "x"),  # whose key?
    ("-R", "A", "--watermark-key", "KEY", "--watermark-tokenizer", "x", "--watermark-reference", "Z"),
])
def test_misuse_is_refused(tmp_path, calls, extra):
    key = str(write_new_key(tmp_path / "r.key"))
    from forensics.core import InputError

    with pytest.raises(InputError):
        _analyze(tmp_path, *[key if a == "KEY" else a for a in extra])
    assert "watermark" not in calls
