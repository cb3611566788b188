"""A dead endpoint stops the run quickly and clearly; transient faults keep their retries."""

import socket
import time

import pytest

import forensics
from forensics.backends import Failure
from forensics.collect import EndpointDown
from forensics.store import RunStore

from .support.cli import run_cli

REFUSED = Failure("unreachable", "cannot connect: Connection refused", True)
RESET = Failure("connection", "connection error: RemoteProtocolError", True)


def scripted(outcomes):
    """A callable model that returns the given outcomes in order, then plain answers."""
    calls = []

    def fn(messages, params):
        calls.append(messages[-1]["content"])
        return outcomes.pop(0) if outcomes else "fine"
    fn.calls = calls
    return fn


def run(fn, out, suite, **kw):
    return forensics.run_suite([("m", fn)], out=out, suites=[suite], progress=False, use_cache=False,
                               max_wait_s=0.01, **kw)


def test_refused_connections_stop_the_run_and_it_resumes(tmp_path, small_suite):
    fn = scripted(["a", "b"] + [REFUSED] * 20)
    with pytest.raises(EndpointDown) as e:
        run(fn, tmp_path / "r", small_suite)
    assert "3 consecutive connections refused" in str(e.value) and "run the same command again" in str(e.value)
    assert len(fn.calls) == 2 + 3  # stopped at the third refusal, not after every cell's retries
    with RunStore(tmp_path / "r") as st:
        assert st.conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 2
        assert st.conn.execute("SELECT COUNT(*) FROM errors").fetchone()[0] == 0  # nothing final
        assert "endpoint" in st.manifest()["sessions"][-1]["summary"]["stopped"]
    healthy = scripted([])
    again = run(healthy, tmp_path / "r", small_suite)
    assert again.summary.already_done == 2 and again.summary.completed == 2 and len(healthy.calls) == 2
    assert forensics.verify_run(tmp_path / "r") == []


def test_down_after_is_a_setting(tmp_path, small_suite):
    fn = scripted([REFUSED] * 20)
    with pytest.raises(EndpointDown):
        run(fn, tmp_path / "r", small_suite, down_after=5)
    assert len(fn.calls) == 5


def test_resets_and_interrupted_refusals_keep_their_retries(tmp_path, small_suite):
    fn = scripted([RESET, RESET, RESET, RESET, REFUSED, REFUSED, "ok", REFUSED, REFUSED, "ok"])
    result = run(fn, tmp_path / "r", small_suite, max_attempts=10)
    assert result.summary.failed == 0 and len(result.responses) == 4 and result.summary.stopped is None


def test_refusals_across_workers_trip_once(tmp_path, small_suite):
    fn = scripted([REFUSED] * 50)
    with pytest.raises(EndpointDown):
        forensics.run_suite([("m", fn)], out=tmp_path / "r", suites=[small_suite], progress=False,
                            use_cache=False, max_wait_s=0.01, samples=10, concurrency=8)
    assert len(fn.calls) <= 3 + 8  # in-flight attempts at most, then every worker stops


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_against_a_port_where_nothing_listens(tmp_path, suite_file):
    port = closed_port()
    t0 = time.monotonic()
    r = run_cli("run", "--model", f"m=openai:x@http://127.0.0.1:{port}/v1",
                "--suite", str(suite_file), "--out", str(tmp_path / "r"), "--no-cache", "--quiet")
    elapsed = time.monotonic() - t0
    assert r.returncode == 4 and elapsed < 30, (elapsed, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr + r.stdout, r.stderr
    assert f"http://127.0.0.1:{port}/v1" in lines[0] and "Connection refused" in lines[0]
