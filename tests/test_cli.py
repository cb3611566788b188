import json
import sqlite3
import subprocess
import sys

from .support.fake_openai import FakeOpenAIServer, ServerConfig


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "forensics", *args], capture_output=True, text=True, env=env)


def test_help_explains():
    r = cli("--help")
    assert r.returncode == 0
    for cmd in ("run", "import", "export", "verify", "probes", "demo"):
        assert cmd in r.stdout
    r = cli("run", "--help")
    assert "NAME=SPEC" in r.stdout and "--samples" in r.stdout


def test_run_export_verify_against_http_server(tmp_path, suite_file):
    with FakeOpenAIServer(ServerConfig()) as srv:
        r = cli("run", "--model", f"acme=openai:acme@{srv.base_url}", "--suite", str(suite_file),
                "--samples", "2", "--out", str(tmp_path / "run"), "--quiet", "--no-cache")
        assert r.returncode == 0, r.stderr
        assert "planned 8" in r.stdout.replace("\n", " ")
    r = cli("export", str(tmp_path / "run"), "-f", "jsonl", "-o", str(tmp_path / "x.jsonl"))
    rows = [json.loads(line) for line in open(tmp_path / "x.jsonl")]
    assert len(rows) == 8 and rows[0]["server_model"] == "acme-served"
    assert cli("verify", str(tmp_path / "run")).returncode == 0
    con = sqlite3.connect(tmp_path / "run" / "run.sqlite")
    con.execute("UPDATE responses SET text = text || '!' WHERE seq = 3")
    con.commit()
    con.close()
    r = cli("verify", str(tmp_path / "run"))
    assert r.returncode != 0 and "edited" in r.stderr


def test_bad_inputs_exit_2_without_traceback(tmp_path, suite_file):
    cases = [
        ("run", "--model", "nospec", "--out", str(tmp_path / "r")),
        ("run", "--model", "a=weird:thing", "--out", str(tmp_path / "r")),
        ("run", "--model", "a=llamacpp:/no/such.gguf", "--out", str(tmp_path / "r")),
        ("run", "--model", "a=openai:m@http://127.0.0.1:1/v1", "--suite", "nope", "--out", str(tmp_path / "r")),
        ("run", "--model", "a=openai:m@http://127.0.0.1:1/v1", "--samples", "0", "--out", str(tmp_path / "r")),
        ("export", str(tmp_path / "not-a-run"), "-o", str(tmp_path / "x.jsonl")),
        ("verify", str(tmp_path / "not-a-run")),
    ]
    for args in cases:
        r = cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.strip(), args
