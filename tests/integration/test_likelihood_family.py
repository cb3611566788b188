"""The likelihood family end to end on real local models: generate, `forensics score`, analyse.

A copy of SmolLM2 behind its own system prompt (sampling at temperature 0.9) must score far
above the independent controls under SmolLM2's weights; the same copy must not stand out under
Gemma's weights.
"""

import json
import subprocess
import sys

import pytest

from forensics.backends import ModelConfig, gemma_path, qwen_path, smollm2_path
from forensics.collect import run_suite
from forensics.evidence import analyze, responses_with_scores
from forensics.probes import Suite, bundled_suites
from forensics.store import load_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scored_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lik") / "run"
    style = next(s for s in bundled_suites() if any(p.category == "style" for p in s.probes))
    probes = [p for p in style.probes if p.category in ("style", "knowledge")][:8]
    suite = Suite(name=style.name, version=style.version + "+t", description="test subset", probes=probes)
    smol, gemma, qwen = smollm2_path(), gemma_path(), qwen_path()
    models = [ModelConfig(name="Copy", spec=f"llamacpp:{smol}", system="You are Copy, by Copy Corp.",
                          temperature=0.9, top_p=0.95),
              ModelConfig(name="Smol", spec=f"llamacpp:{smol}"),
              ModelConfig(name="Gemma", spec=f"llamacpp:{gemma}"),
              ModelConfig(name="Qwen", spec=f"llamacpp:{qwen}")]
    run_suite(models, out=out, suites=[suite], max_tokens=32, seed=0, progress=False, self_check=False)
    done = subprocess.run([sys.executable, "-m", "forensics", "score", str(out), "--scorer", "Smol",
                           "--scorer", "Gemma", "--scorer", "Qwen"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


def test_scores_are_cached_per_weights_and_text(scored_run):
    df = responses_with_scores(load_run(scored_run))
    assert {"logprob:Smol", "logprob:Gemma", "logprob:Qwen"} <= set(df.columns)
    others = df[df["model"] != "Smol"]  # a scorer skips its own model's texts: never read
    assert others["logprob:Smol"].notna().all() and (others["logprob:Smol"] < 0).all()
    assert df.loc[df["model"] == "Smol", "logprob:Smol"].isna().all()
    again = subprocess.run([sys.executable, "-m", "forensics", "score", str(scored_run), "--scorer", "Smol"],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and " 0 " in again.stdout  # nothing rescored


def test_the_copy_stands_out_under_its_own_weights_only(scored_run):
    ev = analyze(scored_run, "Copy", "Smol", ["Gemma", "Qwen"], store=False, embed=False)
    row = ev.summary.set_index("analysis").loc["likelihood.under_reference"]
    assert row["applicable"] and row["statistic"] > row["control_mean"] + 0.3 and row["z"] > 2
    ev = analyze(scored_run, "Copy", "Gemma", ["Smol", "Qwen"], store=False, embed=False)
    row = ev.summary.set_index("analysis").loc["likelihood.under_reference"]
    assert row["z"] < 1
    assert json.dumps(ev.to_dict(), allow_nan=False)
