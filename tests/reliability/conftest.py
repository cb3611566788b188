"""Helpers for the reliability and security tests: the real CLI entry point (in this process), message
checks, and a figures table printed at the end of the session (so the numbers can be quoted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forensics.core import InputError

from ..conftest import FIGURES_KEY
from ..support.cli import CliResult, run_cli, run_subprocess

# The figures a test records travel on its report (user_properties), so they reach the
# end-of-session table (tests/conftest.py) from pytest-xdist workers too.
_current: list[pytest.Item] = []


@pytest.fixture(autouse=True)
def _figures_go_on_the_report(request: pytest.FixtureRequest):
    _current.append(request.node)
    yield
    _current.pop()


def record(section: str, **figures: object) -> None:
    """Figures a reliability test measured, for the "reliability figures" table at the end."""
    _current[-1].user_properties.append((FIGURES_KEY, (section, {k: str(v) for k, v in figures.items()})))


cli = run_cli  # `forensics ARGS` through its real main(), in this process
cli_process = run_subprocess  # a real child process: secrets in its environment, fault runs


def cli_batch(calls: list[tuple], **kw) -> list[CliResult]:
    """Several CLI runs, one after another."""
    return [cli(*a, **kw) for a in calls]


def clean_exit_2(r: CliResult, *mentions: str) -> list[str]:
    """Problems with a run that should have been refused: exit 2, one 'error:' line naming the culprit."""
    problems = []
    if r.returncode != 2:
        problems.append(f"exit code {r.returncode}, expected 2")
    both = r.stdout + r.stderr
    if "Traceback" in both or "internal error" in both:
        problems.append("a traceback / internal error was printed")
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    if len(lines) != 1 or not lines[0].startswith("error: "):
        problems.append(f"stderr is not one 'error: ...' line: {lines!r}")
    for m in mentions:
        if m not in r.stderr:
            problems.append(f"stderr does not mention {m!r}")
    return [f"{p}\n{r}" for p in problems]


def assert_clean_exit_2(r: CliResult, *mentions: str) -> None:
    problems = clean_exit_2(r, *mentions)
    assert not problems, "\n".join(problems)


def check_input_error(e: InputError, path: Path) -> str:
    """An InputError for a bad file: one non-empty line that names the file."""
    msg = str(e)
    assert msg and msg == msg.strip(), repr(msg)
    assert "\n" not in msg and "\r" not in msg, f"multi-line message: {msg!r}"
    assert str(path) in msg, f"message does not name {path}: {msg!r}"
    return msg


@pytest.fixture(scope="module")
def module_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("rel")
