"""SIGKILL a real `forensics run` subprocess mid-way against a real HTTP server, resume, account for every cell."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from ..support.fake_openai import FakeOpenAIServer, ServerConfig, cell_key

pytestmark = pytest.mark.slow
SAMPLES = 30
CONCURRENCY = 2


def completed(db):
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT probe_id, sample, request_json FROM responses").fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()
    out = {}
    for pid, sample, rj in rows:
        info = json.loads(rj)
        out[cell_key(info["messages"], info["params"]["seed"] + sample)] = (pid, sample)
    return out


def start_run(url, suite_file, out):
    return subprocess.Popen(
        [sys.executable, "-m", "forensics", "run", "--model", f"api=openai:acme@{url}", "--suite", str(suite_file),
         "--samples", str(SAMPLES), "--concurrency", str(CONCURRENCY), "--no-cache", "--quiet", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ | {"PYTHONUNBUFFERED": "1"})


def test_sigkill_resume_exactly_once(tmp_path, suite_file):
    total = 4 * SAMPLES
    out = tmp_path / "run"
    db = out / "run.sqlite"
    rng = random.Random(1234)
    kill_points = sorted(rng.sample(range(5, total - 10), 5))
    cfg = ServerConfig(delay_s=0.03)
    with FakeOpenAIServer(cfg) as srv:
        for point in kill_points:
            proc = start_run(srv.base_url, suite_file, out)
            deadline = time.monotonic() + 120
            while len(completed(db)) < point and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            done_before = completed(db)
            log_mark = len(cfg.log)
            # resume (and let the next iteration kill it again)
            resumed = start_run(srv.base_url, suite_file, out)
            deadline = time.monotonic() + 120
            while len(completed(db)) < min(total, len(done_before) + 3) and resumed.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.01)
            resumed.send_signal(signal.SIGKILL)
            resumed.wait()
            again = [e["cell"] for e in cfg.log[log_mark:] if e["cell"] in done_before]
            assert again == [], f"completed cells requested again after kill at {point}: {again}"
        final = start_run(srv.base_url, suite_file, out)
        stdout, stderr = final.communicate(timeout=300)
        assert final.returncode == 0, stderr.decode()
    cells = completed(db)
    assert len(cells) == total
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == total
    dup = con.execute("SELECT COUNT(*) FROM (SELECT model, probe_id, sample FROM responses "
                      "GROUP BY 1, 2, 3 HAVING COUNT(*) > 1)").fetchone()[0]
    assert dup == 0
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    # every request for an already-completed cell would show up as a duplicate here
    per_cell = {}
    for e in cfg.log:
        per_cell[e["cell"]] = per_cell.get(e["cell"], 0) + 1
    extra = [e for e in cfg.log if e["cell"] not in cells]
    assert set(per_cell) == set(cells), extra
    verify = subprocess.run([sys.executable, "-m", "forensics", "verify", str(out)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr


def test_second_writer_refuses(tmp_path, suite_file):
    out = tmp_path / "run"
    with FakeOpenAIServer(ServerConfig(delay_s=0.2)) as srv:
        first = start_run(srv.base_url, suite_file, out)
        deadline = time.monotonic() + 60
        while not completed(out / "run.sqlite") and time.monotonic() < deadline:
            time.sleep(0.05)
        second = start_run(srv.base_url, suite_file, out)
        _, err = second.communicate(timeout=60)
        first.kill()
        first.wait()
    assert second.returncode == 2
    assert b"another forensics process" in err
