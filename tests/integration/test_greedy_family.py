"""The greedy family on real local models: the fingerprint suite at temperature 0, then analysis.

A copy of SmolLM2 behind its own system prompt must agree with SmolLM2's first words far more
often than the independent controls do.
"""

import pytest

from forensics.backends import ModelConfig, gemma_path, qwen_path, smollm2_path
from forensics.collect import run_suite
from forensics.evidence import analyze
from forensics.probes import Suite, fingerprint_suite

pytestmark = pytest.mark.slow


def test_a_copy_shares_its_references_greedy_first_words(tmp_path):
    fp = fingerprint_suite()
    assert len(fp.probes) >= 300 and {p.category for p in fp.probes} == {"fingerprint"}
    sub = Suite(name=fp.name, version=fp.version + "+t", description="test subset", probes=fp.probes[::10])
    smol = smollm2_path()
    models = [ModelConfig(name="Copy", spec=f"llamacpp:{smol}", system="You are Copy, by Copy Corp."),
              ModelConfig(name="Smol", spec=f"llamacpp:{smol}"),
              ModelConfig(name="Gemma", spec=f"llamacpp:{gemma_path()}"),
              ModelConfig(name="Qwen", spec=f"llamacpp:{qwen_path()}")]
    run_suite(models, out=tmp_path / "r", suites=[sub], max_tokens=8, temperature=0.0, seed=0,
              progress=False, self_check=False)
    ev = analyze(tmp_path / "r", "Copy", "Smol", ["Gemma", "Qwen"], store=False, embed=False)
    row = ev.summary.set_index("analysis").loc["greedy.first_word"]
    assert row["applicable"] and row["statistic"] > row["control_mean"] + 0.2
