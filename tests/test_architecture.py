"""The shape of the package: one package per stage, small modules, a curated public face."""

import ast
import importlib
from pathlib import Path

import forensics

ROOT = Path(forensics.__file__).resolve().parent
STAGES = ("core", "probes", "watermark", "backends", "collect", "store", "analysis", "evidence", "report",
          "cli")
ROOT_MODULES = {"__init__.py", "__main__.py", "_version.py"}
# Script entry points that run as files, not as modules of the package.
SCRIPTS = {"backends/_selfcheck_child.py"}


def modules():
    return sorted(p for p in ROOT.rglob("*.py") if "__pycache__" not in p.parts)


def test_only_the_entry_points_lie_at_the_package_root():
    assert {p.name for p in ROOT.glob("*.py")} == ROOT_MODULES
    assert {p.name for p in ROOT.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(STAGES)


def test_no_module_over_400_lines():
    big = {str(p.relative_to(ROOT)): n for p in modules() if (n := len(p.read_text().splitlines())) > 400}
    assert not big, big


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def test_no_stage_imports_another_stage_private_module():
    bad = []
    for p in modules():
        rel = p.relative_to(ROOT)
        own = rel.parts[0] if len(rel.parts) > 1 else None
        for module, names in _imports(p):
            parts = module.split(".")
            if parts[0] != "forensics" or len(parts) < 3:
                continue
            if parts[1] != own and any(x.startswith("_") for x in parts[2:]):
                bad.append(f"{rel}: {module}")
            if parts[1] != own and any(n.startswith("_") for n in names):
                bad.append(f"{rel}: {module} import {names}")
    assert not bad, bad


def test_public_names_of_private_modules_are_reexported_by_their_package():
    missing = []
    for p in modules():
        rel = p.relative_to(ROOT)
        if len(rel.parts) != 2 or not rel.name.startswith("_") or rel.name == "__init__.py" \
                or str(rel) in SCRIPTS:
            continue
        package = importlib.import_module(f"forensics.{rel.parts[0]}")
        exported = set(getattr(package, "__all__", []))
        tree = ast.parse(p.read_text())
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                    and not node.name.startswith("_") and node.name not in exported:
                missing.append(f"{rel}: {node.name}")
    assert not missing, missing


def test_every_package_sets_all():
    for stage in ("forensics", *(f"forensics.{s}" for s in STAGES)):
        mod = importlib.import_module(stage)
        assert getattr(mod, "__all__", None), stage
        for name in mod.__all__:
            assert hasattr(mod, name), f"{stage}.{name}"
