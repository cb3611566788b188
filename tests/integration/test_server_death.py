"""A real llama_cpp.server killed mid-run: the run stops fast, keeps every response, and resumes."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import forensics
from forensics.backends import LlamaServer, free_port
from forensics.backends import smollm2_path

pytestmark = pytest.mark.slow
SAMPLES = 6  # 4 probes x 6 samples = 24 cells


def stored(db):
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {(p, s): h for p, s, h in con.execute("SELECT probe_id, sample, sha256 FROM responses")}
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()


def test_killed_server_stops_the_run_within_15s_and_it_resumes(tmp_path, suite_file):
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    out = tmp_path / "run"
    db = out / "run.sqlite"
    cmd = [sys.executable, "-m", "forensics", "run", "--model", f"smol=openai:smol@{url}", "--suite", str(suite_file),
           "--samples", str(SAMPLES), "--max-tokens", "24", "--concurrency", "1", "--no-cache", "--quiet",
           "--out", str(out)]
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    server = LlamaServer(smollm2_path(), alias="smol", n_ctx=512, port=port).start()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 120
        while len(stored(db)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        before = stored(db)
        server.proc.send_signal(signal.SIGKILL)
        t_kill = time.monotonic()
        _, stderr = proc.communicate(timeout=60)
        elapsed = time.monotonic() - t_kill
    finally:
        server.stop()
    print(f"run stopped {elapsed:.1f}s after the kill: {stderr.strip()}")
    assert proc.returncode != 0 and elapsed < 15, (proc.returncode, elapsed, stderr)
    assert url in stderr and "down" in stderr and "Traceback" not in stderr, stderr
    after = stored(db)
    assert len(after) < 4 * SAMPLES
    assert all(after.get(cell) == h for cell, h in before.items())  # every completed response kept
    assert forensics.verify_run(out) == []

    with LlamaServer(smollm2_path(), alias="smol", n_ctx=512, port=port):
        again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"already done {len(after)}" in again.stdout
    final = stored(db)
    assert len(final) == 4 * SAMPLES
    assert all(final[cell] == h for cell, h in after.items())
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 4 * SAMPLES
    con.close()
    assert forensics.verify_run(out) == []
