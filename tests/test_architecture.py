"""The shape of the package: one package per stage, small modules, a curated public face."""

import ast
import importlib
import re
import tomllib
from pathlib import Path

import grimp

import forensics

ROOT = Path(forensics.__file__).resolve().parent
PROJECT = ROOT.parent
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


def _contracts() -> list[dict]:
    """The import-linter contracts written in pyproject.toml."""
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


def _real_layers() -> list[set[str]]:
    """The stages grouped by longest import path down to core, highest layer first."""
    graph = grimp.build_graph("forensics", cache_dir=None)
    imports = {a: {b for b in STAGES if b != a and graph.direct_import_exists(
        importer=f"forensics.{a}", imported=f"forensics.{b}", as_packages=True)} for a in STAGES}
    height: dict[str, int] = {}

    def of(stage: str) -> int:
        if stage not in height:
            height[stage] = 1 + max((of(s) for s in imports[stage]), default=-1)
        return height[stage]

    for stage in STAGES:
        of(stage)
    return [{s for s in STAGES if height[s] == h} for h in range(max(height.values()), -1, -1)]


def _order(text: str, arrow: str) -> list[set[str]]:
    """Parse the one parenthesised 'a ARROW b | c ARROW d' layering in text, highest layer first."""
    found = re.findall(rf"\(([a-z]+(?: (?:{re.escape(arrow)}|\|) [a-z]+)+)\)", " ".join(text.split()))
    assert len(found) == 1, (text, found)
    return [{s.strip() for s in layer.split("|")} for layer in found[0].split(arrow)]


def test_written_layers_are_the_real_layering():
    real = _real_layers()
    (contract,) = [c for c in _contracts() if c["type"] == "layers"]
    written = [{m.strip().removeprefix("forensics.") for m in layer.split("|")} for layer in contract["layers"]]
    assert written == real
    assert _order(contract["name"], ">") == real
    readme = (PROJECT / "README.md").read_text()
    (paragraph,) = [p for p in readme.split("\n\n") if p.startswith("Arrows point one way:")]
    assert _order(paragraph, "→") == real


def test_root_contract_names_every_module_of_every_stage():
    (contract,) = [c for c in _contracts() if c.get("forbidden_modules") == ["forensics"]]
    assert contract["as_packages"] is False
    assert set(contract["source_modules"]) == {m for s in STAGES for m in (f"forensics.{s}", f"forensics.{s}.**")}


def _lazy_tables(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The names an __init__ imports under TYPE_CHECKING and those its _LAZY table loads, each to its module."""
    tree = ast.parse(path.read_text())
    checking: dict[str, str] = {}
    lazy: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom), f"{path}: only 'from ... import' under TYPE_CHECKING"
                assert all(a.asname in (None, a.name) for a in imp.names), f"{path}: renamed import"
                checking.update({a.name: "." * imp.level + (imp.module or "") for a in imp.names})
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_LAZY" for t in node.targets):
            lazy = ast.literal_eval(node.value)
    return checking, lazy


def test_lazy_names_are_imported_under_type_checking():
    lazy_inits = [p for p in modules() if p.name == "__init__.py" and "def __getattr__" in p.read_text()]
    assert lazy_inits
    for path in lazy_inits:
        checking, lazy = _lazy_tables(path)
        assert lazy, f"{path}: __getattr__ without a _LAZY table"
        assert checking == lazy, path
        package = ".".join(path.relative_to(PROJECT).parent.parts)
        assert set(lazy) <= set(importlib.import_module(package).__all__), path
