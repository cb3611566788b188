import pytest

import forensics
from forensics.collect import RunSettings, plan_requests
from forensics.backends import ModelConfig
from forensics.store import RunStore

from .support.fake_openai import FakeOpenAIServer, ServerConfig


def echo(messages, params):
    sys_ = next((m["content"] for m in messages if m["role"] == "system"), "")
    return f"{sys_}|{messages[-1]['content']}|{params.temperature}|{params.seed}"


def test_plan_cells_samples_and_variants(small_suite):
    cfgs = [ModelConfig(name="a", spec="replay:x", system="SYS-A"), ModelConfig(name="b", spec="replay:x")]
    plan = plan_requests([small_suite], cfgs, RunSettings(samples=2, system_variants=["V0", "V1"]))
    assert len(plan) == 2 * 4 * 2 * 2
    assert len({r.cell for r in plan}) == len(plan)
    samples = sorted({r.sample for r in plan})
    assert samples == [0, 1, 2, 3]
    first = [r for r in plan if r.model == "a" and r.probe_id == "s-style-1" and r.sample == 2][0]
    assert first.messages[0] == {"role": "system", "content": "V1"}
    plain = plan_requests([small_suite], cfgs, RunSettings())
    a_style = [r for r in plain if r.model == "a" and r.probe_id == "s-style-1"][0]
    b_style = [r for r in plain if r.model == "b" and r.probe_id == "s-style-1"][0]
    assert a_style.messages[0]["content"] == "SYS-A" and b_style.messages[0]["content"] == "You are terse."


def test_run_resume_and_cache(tmp_path, small_suite):
    calls = []

    def counting(messages, params):
        calls.append(messages[-1]["content"])
        return echo(messages, params)

    run = forensics.run_suite([("m1", counting), ("m2", echo)], out=tmp_path / "r", suites=[small_suite],
                              samples=2, temperature=0.5, seed=10, progress=False)
    df = run.responses
    assert len(df) == 2 * 4 * 2 and len(calls) == 8
    assert set(df["category"]) == {"identity", "error_trap", "style"}
    row = df[(df.model == "m1") & (df.probe_id == "s-style-1") & (df["sample"] == 1)].iloc[0]
    assert row.text == "You are terse.|Describe the sea in one sentence.|0.5|11" and row.system == "You are terse."
    assert row.answer is None
    trap = df[(df.probe_id == "s-trap-1")].iloc[0]
    assert '"numeric"' in trap.answer
    # resume: nothing is requested again
    again = forensics.run_suite([("m1", counting), ("m2", echo)], out=tmp_path / "r", suites=[small_suite],
                                samples=2, temperature=0.5, seed=10, progress=False)
    assert len(calls) == 8 and again.summary.already_done == 16 and len(again.responses) == 16
    # a new run with the same requests is served from the shared cache
    other = forensics.run_suite([("m1", counting)], out=tmp_path / "r2", suites=[small_suite],
                                samples=2, temperature=0.5, seed=10, progress=False)
    assert len(calls) == 8 and other.summary.from_cache == 8
    # ... unless asked not to, or any sampling parameter differs
    forensics.run_suite([("m1", counting)], out=tmp_path / "r3", suites=[small_suite], samples=2,
                        temperature=0.5, seed=10, progress=False, use_cache=False)
    assert len(calls) == 16
    forensics.run_suite([("m1", counting)], out=tmp_path / "r4", suites=[small_suite], samples=2,
                        temperature=0.6, seed=10, progress=False)
    assert len(calls) == 24
    assert forensics.verify_run(tmp_path / "r") == []
    sessions = run.manifest["sessions"]
    assert sessions[0]["settings"]["samples"] == 2 and sessions[0]["ended_at"]


def test_errors_are_recorded_never_stored(tmp_path, small_suite):
    def flaky(messages, params):
        if "colour" in messages[-1]["content"]:
            raise RuntimeError("model exploded")
        return "fine"

    run = forensics.run_suite([("m", flaky)], out=tmp_path / "r", suites=[small_suite], progress=False)
    assert run.summary.failed == 1 and len(run.responses) == 3
    assert list(run.errors["kind"]) == ["callable_error"] and "exploded" in run.errors["message"][0]
    assert "s-multi-1" not in set(run.responses.probe_id)


def test_retries_honour_faults_over_http(tmp_path, small_suite):
    cfg = ServerConfig(fault_rate=0.5, faults=("429", "500", "malformed", "empty_choices", "reset"), seed=3,
                       retry_after="0.01")
    with FakeOpenAIServer(cfg) as srv:
        model = ModelConfig(name="api", spec=f"openai:acme@{srv.base_url}", timeout_s=5)
        run = forensics.run_suite([model], out=tmp_path / "r", suites=[small_suite], samples=5,
                                  progress=False, max_attempts=10, max_wait_s=0.05, use_cache=False)
    assert len(run.responses) == 20 and run.summary.failed == 0
    assert run.summary.attempts == len(cfg.log) > 20  # every attempt was recorded
    with RunStore(tmp_path / "r") as st:
        n_attempts = st.conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
        n_errors = st.conn.execute("SELECT COUNT(*) FROM attempts WHERE status='error'").fetchone()[0]
    assert n_attempts == len(cfg.log) and n_errors == len(cfg.log) - 20
    assert set(run.responses.server_model) == {"acme-served"}


def test_unknown_setting_is_rejected(tmp_path, small_suite):
    with pytest.raises(TypeError, match="unknown setting"):
        forensics.run_suite([("m", echo)], out=tmp_path / "r", suites=[small_suite], bogus=1)


def test_suite_source_is_bundled_only_when_unchanged(tmp_path):
    from forensics.probes import Suite, resolve_suites

    bundled = resolve_suites(["refusal"])[0]
    subset = Suite(name="refusal", version="x", probes=bundled.probes[:2])
    a = forensics.run_suite([("m", echo)], out=tmp_path / "a", suites=[bundled], progress=False)
    b = forensics.run_suite([("m", echo)], out=tmp_path / "b", suites=[subset], progress=False)
    assert a.suites.set_index("name").loc["refusal", "source"] == "bundled"
    assert b.suites.set_index("name").loc["refusal", "source"] == "file"
