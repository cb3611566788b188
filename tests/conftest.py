"""Shared fixtures: isolated caches, small suites, a fake OpenAI-compatible server."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tests never touch the user's caches, and never go to a model hub.
_SESSION_TMP = Path(tempfile.mkdtemp(prefix="forensics-tests-"))
os.environ["FORENSICS_CACHE_DIR"] = str(_SESSION_TMP / "cache")
os.environ.setdefault("FORENSICS_MODEL_DIR", str(Path.home() / ".cache" / "distill-forensics" / "models"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from forensics.probes import Probe, Suite  # noqa: E402

from .support.fake_openai import FakeOpenAIServer, ServerConfig  # noqa: E402


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
