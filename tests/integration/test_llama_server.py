"""A real llama_cpp.server with SmolLM2 on 127.0.0.1, driven through the openai backend."""

import pytest

import forensics
from forensics.backends import LlamaServer
from forensics.backends import smollm2_path
from forensics.backends import ModelConfig

pytestmark = pytest.mark.slow


def test_run_through_openai_backend(tmp_path, small_suite):
    with LlamaServer(smollm2_path(), alias="smol-served", n_ctx=1024) as server:
        cfg = ModelConfig(name="smol", spec=f"openai:smol-served@{server.base_url}", concurrency=2)
        run = forensics.run_suite([cfg], out=tmp_path / "run", suites=[small_suite], samples=2,
                                  max_tokens=24, temperature=0.7, progress=False, use_cache=False)
    df = run.responses
    assert run.summary.failed == 0 and len(df) == 8
    assert (df.text.str.len() > 0).mean() >= 0.75
    assert set(df.server_model) == {"smol-served"}
    assert df.tokens_out.max() <= 24 and df.tokens_in.min() > 0
    assert forensics.verify_run(tmp_path / "run") == []
    # the two samples of one probe use different seeds and are both stored
    assert df.groupby("probe_id")["sample"].nunique().eq(2).all()
