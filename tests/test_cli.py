import json
import sqlite3

import pytest
import typer

from forensics.cli import app

from .support.cli import run_cli, run_subprocess
from .support.fake_openai import FakeOpenAIServer, ServerConfig

cli = run_cli


def _commands(group, prefix: tuple[str, ...] = ()):
    """Every command of the CLI as (path, command), sub-commands included (typer vendors click, so
    its classes are told apart by what they have, not by click's types)."""
    for name, cmd in sorted(group.commands.items()):
        yield (*prefix, name), cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_command_is_listed():
    names = {path[0] for path, _ in COMMANDS}
    assert {"run", "import", "export", "verify", "errors", "analyze", "report", "demo", "doctor", "score",
            "validate", "probes", "watermark"} <= names
    top = cli("--help")
    assert top.returncode == 0
    for name in names:
        assert f" {name} " in top.stdout, name


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_help_explains(path):
    """Each command's --help exits 0, says what the command does, and explains every option."""
    cmd = dict(COMMANDS)[path]
    r = cli(*path, "--help")
    assert r.returncode == 0, r
    summary = (cmd.help or "").strip().splitlines()
    assert summary and summary[0], f"{' '.join(path)} has no help text"
    assert " ".join(summary[0].split()[:6]) in " ".join(r.stdout.split()), r.stdout
    if hasattr(cmd, "commands"):
        for sub in cmd.commands:
            assert f" {sub} " in r.stdout, sub
        return
    params = [p for p in cmd.params if not p.hidden and p.name != "help"]
    assert params, f"{' '.join(path)}: no parameters to check"
    for param in params:
        shown = param.opts[0] if param.param_type_name == "option" else param.name
        assert (param.help or "").strip(), f"{' '.join(path)} {shown} has no help"
        assert shown in r.stdout, (shown, r.stdout)


def test_run_help_names_its_spec_format():
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
    assert r.returncode == 3 and "edited" in r.stderr


BAD_INPUTS = [
    ("run", "--model", "nospec", "--out", "{tmp}/r"),
    ("run", "--model", "a=weird:thing", "--out", "{tmp}/r"),
    ("run", "--model", "a=llamacpp:/no/such.gguf", "--out", "{tmp}/r"),
    ("run", "--model", "a=openai:m@http://127.0.0.1:1/v1", "--suite", "nope", "--out", "{tmp}/r"),
    ("run", "--model", "a=openai:m@http://127.0.0.1:1/v1", "--samples", "0", "--out", "{tmp}/r"),
    ("export", "{tmp}/not-a-run", "-o", "{tmp}/x.jsonl"),
    ("verify", "{tmp}/not-a-run"),
]


@pytest.mark.parametrize("args", BAD_INPUTS, ids=lambda a: " ".join(a[:3]))
def test_bad_inputs_exit_2_without_traceback(tmp_path, args):
    r = cli(*(a.format(tmp=tmp_path) for a in args))
    assert r.returncode == 2, r
    assert "Traceback" not in r.stderr and r.stderr.strip(), r


@pytest.mark.slow
def test_the_installed_entry_point_runs_and_refuses_bad_input(tmp_path):
    """The real `python -m forensics` process: help, and a bad spec gives exit 2 with no traceback."""
    r = run_subprocess("--help")
    assert r.returncode == 0 and "validate" in r.stdout
    r = run_subprocess("verify", tmp_path / "not-a-run")
    assert r.returncode == 2 and r.stderr.strip() and "Traceback" not in r.stderr
