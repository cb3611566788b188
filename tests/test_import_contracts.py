"""Every import-linter contract can fail: a copy with one injected violation breaks exactly what it should."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import forensics

pytestmark = pytest.mark.slow

PACKAGE = Path(forensics.__file__).resolve().parent
PROJECT = PACKAGE.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def _contract(**fields: object) -> str:
    """The name of the one contract whose fields have these values."""
    (name,) = [c["name"] for c in CONTRACTS if all(c.get(k) == v for k, v in fields.items())]
    return name


LAYERS = _contract(type="layers")
PURE = _contract(source_modules=["forensics.analysis"])
APART = _contract(forbidden_modules=["forensics.analysis"])
ROOT = _contract(forbidden_modules=["forensics"])

# (module of the copy, line appended to it, the contracts that line breaks)
VIOLATIONS = {
    "store imports collect (a higher layer)": ("store/_run.py", "import forensics.collect", {LAYERS}),
    "analysis imports backends (an independent sibling)": ("analysis/_stats.py", "import forensics.backends",
                                                           {LAYERS}),
    "store imports analysis (layers allow it; the independence contract does not)": (
        "store/_run.py", "import forensics.analysis", {APART}),
    "backends imports analysis (its sibling)": ("backends/_base.py", "from forensics.analysis import holm",
                                                {APART, LAYERS}),
    "analysis imports matplotlib": ("analysis/similarity.py", "import matplotlib.pyplot", {PURE}),
    "analysis imports jinja2": ("analysis/__init__.py", "import jinja2", {PURE}),
    "cli imports the root": ("cli/_app.py", "import forensics", {ROOT}),
    "a stage's __init__ imports from the root": ("report/__init__.py", "from forensics import load_run", {ROOT}),
    # The root imports most stages, so core importing it also makes core (and analysis, through core)
    # reach the stages above them.
    "core imports the root": ("core/_errors.py", "import forensics", {ROOT, LAYERS, PURE, APART}),
}


def _lint(tmp_path: Path, module: str | None = None, line: str = "") -> tuple[int, dict[str, str], str]:
    """Run lint-imports on a copy of the package, with line appended to module; rc, status per contract, output."""
    shutil.copytree(PACKAGE, tmp_path / "forensics", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", tmp_path / "pyproject.toml")
    if module is not None:
        target = tmp_path / "forensics" / module
        assert target.is_file(), target
        target.write_text(target.read_text() + f"\n{line}\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "1000"}
    proc = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    output = proc.stdout + proc.stderr
    flat = " ".join(output.split())
    status = {}
    for contract in CONTRACTS:
        found = re.findall(re.escape(contract["name"]) + r" (KEPT|BROKEN)\b", flat)
        assert len(found) == 1, (contract["name"], output)
        status[contract["name"]] = found[0]
    return proc.returncode, status, output


def test_the_contracts_cover_each_kind_of_violation():
    assert {c["name"] for c in CONTRACTS} == {LAYERS, PURE, APART, ROOT}
    assert {c for _, _, broken in VIOLATIONS.values() for c in broken} == {LAYERS, PURE, APART, ROOT}


def test_the_unmodified_copy_keeps_every_contract(tmp_path: Path):
    rc, status, output = _lint(tmp_path)
    assert rc == 0, output
    assert set(status.values()) == {"KEPT"}, output


@pytest.mark.parametrize("violation", VIOLATIONS)
def test_one_violation_breaks_its_contract(tmp_path: Path, violation: str):
    module, line, broken = VIOLATIONS[violation]
    rc, status, output = _lint(tmp_path, module, line)
    assert rc != 0, output
    assert status == {name: "BROKEN" if name in broken else "KEPT" for name in status}, output
