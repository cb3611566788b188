"""The watermark key is a secret: it is never written to the run store, the cache, exports, the report,
nor printed by any command. Runs record the scheme, gamma, delta, context width and the key's SHA-256.
Also the key file rules: at least 16 bytes, new keys are never overwritten and are private (0600)."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from forensics.core import InputError
from forensics.watermark import (
    MIN_KEY_BYTES,
    WatermarkKey,
    load_key,
    random_key,
    write_new_key,
)

from .support.fake_openai import FakeOpenAIServer, ServerConfig

# -- key files ------------------------------------------------------------------------------------

def test_key_files_shorter_than_16_bytes_are_refused(tmp_path):
    assert MIN_KEY_BYTES == 16
    short = tmp_path / "short.key"
    short.write_bytes(b"x" * 15)
    with pytest.raises(InputError, match="15 bytes; at least 16"):
        load_key(short)
    # surrounding whitespace is not part of the secret: 15 bytes padded to 19 is still too short
    short.write_bytes(b"  " + b"y" * 15 + b"\n\n")
    with pytest.raises(InputError, match="15 bytes"):
        load_key(short)
    short.write_bytes(b"")
    with pytest.raises(InputError):
        load_key(short)
    with pytest.raises(InputError):
        WatermarkKey(b"z" * 15)
    ok = tmp_path / "ok.key"
    ok.write_bytes(b"k" * 16 + b"\n")
    assert load_key(ok).secret == b"k" * 16
    with pytest.raises(InputError, match="no-such.key"):
        load_key(tmp_path / "no-such.key")


def test_key_settings_are_checked(tmp_path):
    for bad in ({"gamma": 0.0}, {"gamma": 1.0}, {"delta": -1.0}, {"delta": 25.0}, {"context": 0}, {"context": 9}):
        with pytest.raises(InputError):
            WatermarkKey(b"s" * 32, **bad)


def test_write_new_key_is_private_and_never_overwrites(tmp_path):
    path = tmp_path / "wm.key"
    assert write_new_key(path) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert len(text.strip()) == 64 and int(text.strip(), 16) >= 0 and text.endswith("\n")
    key = load_key(path)
    assert key.secret == text.strip().encode()
    with pytest.raises(InputError, match="refusing to overwrite"):
        write_new_key(path)
    assert path.read_text() == text  # untouched
    # an existing file that is not a key is not replaced either
    other = tmp_path / "notes.txt"
    other.write_text("keep me")
    with pytest.raises(InputError):
        write_new_key(other)
    assert other.read_text() == "keep me"
    # two new keys differ
    write_new_key(tmp_path / "wm2.key")
    assert (tmp_path / "wm2.key").read_text() != text


def test_repr_and_settings_hold_no_secret():
    key = WatermarkKey(b"the-secret-bytes-0123456789", gamma=0.3, delta=1.0, context=2)
    forms = [b"the-secret-bytes-0123456789".decode(), key.secret.hex(), str(key.seed64), format(key.seed64, "x")]
    for shown in (repr(key), str(key), json.dumps(key.settings()), repr(key.settings())):
        assert not [f for f in forms if f in shown], shown
    assert "gamma=0.3" in repr(key) and "context=2" in repr(key)
    assert key.settings() == {"scheme": "kgw-hash-v1", "gamma": 0.3, "delta": 1.0, "context": 2,
                              "key_sha256": key.key_sha256}
    assert len(key.key_sha256) == 64
    assert random_key(1).key_sha256 != random_key(2).key_sha256


# -- the key in a real run, end to end through the CLI -----------------------------------------------

def cli(*args, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = os.environ | {"PYTHONUNBUFFERED": "1", "COLUMNS": "200"} | env
    full_env.pop("FORENSICS_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "forensics", *map(str, args)], check=False, capture_output=True,
                          env=full_env, timeout=timeout)


def analyze_options() -> set[str]:
    """The options `forensics analyze` takes (read from the command itself, in process)."""
    from typer.main import get_command

    from forensics.cli._app import app

    return {o for p in get_command(app).commands["analyze"].params for o in getattr(p, "opts", [])}


def needles(key_file: Path, key: WatermarkKey, extra: dict[str, bytes]) -> dict[str, bytes]:
    text = key_file.read_text()
    secret = key.secret
    out = {"key file text": text.strip().encode(), "key file bytes": key_file.read_bytes(),
           "key (first 16 chars)": secret[:16], "key (last 16 chars)": secret[-16:],
           "key (hex of its bytes)": secret.hex().encode(), "key (utf-16)": secret.decode().encode("utf-16-le"),
           "key (base64)": base64.b64encode(secret)[:-4], "seed64": str(key.seed64).encode(),
           "seed64 (hex)": format(key.seed64, "x").encode(),
           "seed64 (raw)": key.seed64.to_bytes(8, "little")}
    return out | extra


def scan(label: str, data: bytes, wanted: dict[str, bytes]) -> list[str]:
    return [f"{label}: {name}" for name, needle in wanted.items() if needle in data]


@pytest.mark.slow
def test_the_key_is_never_written_or_printed(tmp_path):
    home, tmp, cache, exports, keys = (tmp_path / d for d in ("home", "tmp", "cache", "exports", "keys"))
    for d in (home, tmp, exports, keys):
        d.mkdir()
    env = {"FORENSICS_CACHE_DIR": str(cache), "HOME": str(home), "TMPDIR": str(tmp),
           "XDG_CACHE_HOME": str(home / ".cache"), "MPLCONFIGDIR": str(home / "mpl")}
    key_file = write_new_key(keys / "wm.key")
    key = load_key(key_file, gamma=0.3, delta=2.5, context=2)
    short_key = keys / "short.key"
    short_key.write_text("SHORTKEY12345\n")
    suite = keys / "tiny.yaml"  # inputs, not scanned
    suite.write_text(yaml.safe_dump({"name": "tiny", "version": "1", "description": "three probes", "probes": [
        {"id": "t-1", "category": "style", "prompt": "Describe the sea in two sentences."},
        {"id": "t-2", "category": "identity", "prompt": "Who made you?"},
        {"id": "t-3", "category": "style", "prompt": "Name three fruits and say why you like them."}]}))
    run, outputs = tmp_path / "run", []

    def forensics(*args, expect: int | None = 0):
        r = cli(*args, env=env)
        outputs.append(r)
        if expect is not None:
            assert r.returncode == expect, (args, r.stdout.decode()[-2000:], r.stderr.decode()[-2000:])
        return r

    wm = ("--watermark", key_file, "--watermark-gamma", "0.3", "--watermark-delta", "2.5",
          "--watermark-context", "2")
    # 1. the reference generates watermarked text (real SmolLM2 through llama.cpp, with the self-check)
    forensics("run", "-m", "t=llamacpp:smollm2", *wm, "-o", run, "--suite", suite, "--max-tokens", "24", "-q")
    with FakeOpenAIServer(ServerConfig()) as srv:
        # 2. refused: a watermark for a remote model, and a short key file (exit 2, no traceback)
        r = forensics("run", "-m", f"x=openai:m@{srv.base_url}", *wm, "-o", tmp_path / "never",
                      "--suite", suite, "-q", expect=2)
        assert b"watermark" in r.stderr and b"local model" in r.stderr and b"Traceback" not in r.stderr
        r = forensics("run", "-m", "t=llamacpp:smollm2", "--watermark", short_key, "-o", tmp_path / "never",
                      "--suite", suite, "-q", expect=2)
        assert b"at least 16" in r.stderr and b"Traceback" not in r.stderr
        # 3. a suspect and a control (no watermark) join the same run, so it can be analysed
        forensics("run", "-m", f"s=openai:sus@{srv.base_url}", "-m", f"c=openai:ctl@{srv.base_url}",
                  "-m", f"d=openai:ctl2@{srv.base_url}", "-o", run, "--suite", suite, "--max-tokens", "24", "-q")
    # 4. everything that reads the run
    for fmt in ("jsonl", "parquet"):
        forensics("export", run, "-f", fmt, "-o", exports / f"run.{fmt}")
    forensics("verify", run)
    panel = ("-S", "s", "-R", "t", "-C", "c", "-C", "d")
    forensics("analyze", run, *panel)
    forensics("report", run, "-o", exports / "report.html")
    # the radioactivity analysis reads the key itself (where `analyze` has the option)
    if "--watermark-key" in analyze_options():
        wm_analysis = ("--watermark-key", key_file, "--watermark-tokenizer", "llamacpp:smollm2",
                       "--watermark-gamma", "0.3", "--watermark-delta", "2.5", "--watermark-context", "2")
        r = forensics("analyze", run, *panel, *wm_analysis, "--json")
        assert key.key_sha256.encode() in r.stdout
        forensics("report", run, "-o", exports / "report-watermark.html")
    assert not (tmp_path / "never").exists()

    # the run did what the scan relies on: three stored answers from the watermarked model
    from forensics.store import RunStore, load_run

    stored = load_run(run)
    assert set(stored.models["name"]) == {"t", "s", "c", "d"}
    t_texts = stored.responses.loc[stored.responses["model"] == "t", "text"]
    assert len(t_texts) == 3 and all(isinstance(x, str) and x for x in t_texts)
    assert (exports / "report.html").stat().st_size > 1000

    # what is recorded: the settings and the key's SHA-256, in the session and the model's row
    settings = {"scheme": "kgw-hash-v1", "gamma": 0.3, "delta": 2.5, "context": 2, "key_sha256": key.key_sha256}
    with RunStore(run) as store:
        sessions = store.get_manifest("sessions")
        models = {m["name"]: m for m in store.models()}
    runs = [s["settings"]["watermark"] for s in sessions if "watermark" in s["settings"]]
    assert runs == [settings, None]  # the watermarked run, then the one that added s, c and d
    assert models["t"]["settings"]["backend"]["watermark"] == settings
    assert models["s"]["settings"]["backend"].get("watermark") is None
    assert key.key_sha256.encode() in (run / "run.sqlite").read_bytes()

    # what is not: the key, in any form, anywhere the tool wrote or printed
    wanted = needles(key_file, key, {"short key": b"SHORTKEY12345"})
    assert len(scan("the key file itself", key_file.read_bytes(), wanted)) >= 4  # the scan can see a leak
    hits, n_files = [], 0
    for root in (run, exports, cache, home, tmp):
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.is_symlink():
                n_files += 1
                hits += scan(str(p.relative_to(tmp_path)), p.read_bytes(), wanted)
    for r in outputs:
        hits += scan(f"output of forensics {' '.join(map(str, r.args[3:]))[:100]}", r.stdout + r.stderr, wanted)
    assert n_files >= 5  # run.sqlite, the cache, 2 exports, the report
    assert not hits, "watermark key found in:\n" + "\n".join(hits)
