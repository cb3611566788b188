"""The `forensics` command in this process (fast) or as a real subprocess (entry point, kills).

`run_cli` calls `forensics.cli.main()` itself, so its error handling and exit codes are the ones a
user gets, with stdout and stderr captured by click's test isolation (typer's `CliRunner`). Use
`run_subprocess` only where a child process proves more: the installed entry point, a crash or a
kill, or a fresh interpreter's imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from forensics.cli import main


@dataclass
class CliResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes
    stderr_bytes: bytes

    def __str__(self) -> str:
        return (f"forensics {' '.join(self.args)} -> rc {self.returncode}\n"
                f"--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}")


def _exit_code(e: SystemExit) -> int:
    if e.code is None:
        return 0
    return e.code if isinstance(e.code, int) else 1


def run_cli(*args: object, env: dict | None = None, cwd: Path | None = None, input: str | None = None) -> CliResult:
    """`forensics ARGS` through `main()` in this process; `env` adds to (None removes from) os.environ."""
    argv = [str(a) for a in args]
    env = {"FORENSICS_DEBUG": None, "COLUMNS": "200", **(env or {})}
    old_argv, old_cwd = sys.argv, os.getcwd()
    with CliRunner().isolation(input=input, env=env) as (out, err, _):
        sys.argv = ["forensics", *argv]
        try:
            if cwd is not None:
                os.chdir(cwd)
            main()
            rc = 0
        except SystemExit as e:
            rc = _exit_code(e)
        finally:
            sys.argv = old_argv
            os.chdir(old_cwd)
        sys.stdout.flush()
        sys.stderr.flush()
        o, e_ = out.getvalue(), err.getvalue()
    return CliResult(argv, rc, o.decode("utf-8", "replace"), e_.decode("utf-8", "replace"), o, e_)


def run_subprocess(*args: object, env: dict | None = None, cwd: Path | None = None,
                   timeout: float = 120) -> CliResult:
    """`python -m forensics ARGS` as a real child process."""
    argv = [str(a) for a in args]
    full_env = os.environ | {"PYTHONUNBUFFERED": "1", "COLUMNS": "200"} | (env or {})
    full_env.pop("FORENSICS_DEBUG", None)
    p = subprocess.run([sys.executable, "-m", "forensics", *argv], capture_output=True, env=full_env,
                       cwd=cwd, timeout=timeout)
    return CliResult(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                     p.stderr.decode("utf-8", "replace"), p.stdout, p.stderr)
