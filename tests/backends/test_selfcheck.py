"""The self-check turns a local backend child that dies from a signal into one clear error."""

import signal
import sys

import pytest

from forensics import cli
from forensics.backends import _selfcheck as selfcheck
from forensics.backends import BackendCrashError, check_model, require_local_backends
from forensics.backends import smollm2_path

pytestmark = pytest.mark.slow  # child processes that crash on purpose


def crashing(sig):
    """A child command that dies from `sig`, as a build for another CPU does (no real CPU fault needed)."""
    return lambda kind, path, n_threads: [sys.executable, "-c",
                                          f"import os, signal; os.kill(os.getpid(), signal.{sig.name})"]


@pytest.fixture
def model_file(tmp_path):
    p = tmp_path / "tiny.gguf"
    p.write_bytes(b"GGUF not really")
    return p


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGILL])
def test_signal_death_becomes_a_clean_error(monkeypatch, model_file, sig):
    monkeypatch.setattr(selfcheck, "_child_command", crashing(sig))
    monkeypatch.setattr(selfcheck, "_PASSED", set())
    check = check_model("smol", "llamacpp", model_file)
    assert not check.ok and check.signal == sig.name
    with pytest.raises(BackendCrashError) as e:
        require_local_backends([("smol", "llamacpp", str(model_file))])
    msg = str(e.value)
    assert "'smol'" in msg and sig.name in msg and str(model_file) in msg
    assert "flags:" in msg and "CMAKE_ARGS=" in msg and "-DGGML_NATIVE=OFF" in msg
    assert e.value.exit_code == 2


def test_a_failing_child_without_signal_is_reported_with_its_last_line(monkeypatch, model_file):
    monkeypatch.setattr(selfcheck, "_child_command", lambda *a: [sys.executable, "-c",
                                                                  "import sys; sys.exit('bad magic in GGUF')"])
    check = check_model("m", "llamacpp", model_file)
    assert not check.ok and check.signal is None
    assert "code 1" in check.detail and "bad magic" in check.detail


def test_a_passing_check_is_not_repeated(monkeypatch, model_file):
    calls = []

    def ok(kind, path, n_threads):
        calls.append(path)
        return [sys.executable, "-c", "print('{\"library\": \"fake\"}')"]

    monkeypatch.setattr(selfcheck, "_child_command", ok)
    monkeypatch.setattr(selfcheck, "_PASSED", set())
    [c] = require_local_backends([("m", "llamacpp", str(model_file))])
    assert c.ok and c.detail == "fake"
    assert require_local_backends([("m", "llamacpp", str(model_file))]) == []
    assert len(calls) == 1


def run_cli(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["forensics", *args])
    with pytest.raises(SystemExit) as e:
        cli.main()
    return e.value.code, capsys.readouterr()


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGILL])
def test_doctor_exits_2_with_one_line_and_no_traceback(monkeypatch, capsys, model_file, sig):
    monkeypatch.setattr(selfcheck, "_child_command", crashing(sig))
    code, io = run_cli(monkeypatch, capsys, "doctor", "--model", f"smol=llamacpp:{model_file}")
    assert code == 2
    lines = [ln for ln in io.err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), io.err
    assert sig.name in lines[0] and "smol" in lines[0] and "Traceback" not in io.err + io.out
    assert "flags:" in io.out  # the CPU summary is printed before the checks


def test_run_refuses_to_start_on_a_crashing_local_model(monkeypatch, capsys, tmp_path, model_file):
    monkeypatch.setattr(selfcheck, "_child_command", crashing(signal.SIGSEGV))
    monkeypatch.setattr(selfcheck, "_PASSED", set())
    code, io = run_cli(monkeypatch, capsys, "run", "--model", f"smol=llamacpp:{model_file}",
                       "--suite", "identity", "--out", str(tmp_path / "run"), "--quiet")
    assert code == 2 and "SIGSEGV" in io.err and "Traceback" not in io.err
    assert not (tmp_path / "run").exists()  # nothing started, nothing half-written


@pytest.mark.slow
def test_real_child_generates_one_token():
    check = check_model("smol", "llamacpp", smollm2_path())
    assert check.ok, check.detail
    assert "llama-cpp-python" in check.detail
