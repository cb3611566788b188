"""A 500-cell `forensics run` (a real subprocess) against a real HTTP server that injects a 30% rate of
every fault kind: each cell ends with exactly one response or one recorded final error, every request
the server saw is an attempt row classified as the fault it got, and rerunning retries only the
failed cells."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict

import pytest
import yaml

from forensics.probes import load_suite

from ..support.fake_openai import FAULT_KINDS, FakeOpenAIServer, ServerConfig, cell_key
from .conftest import cli_process as cli, record

pytestmark = pytest.mark.slow

PROBES, SAMPLES = 5, 100  # 500 cells
MAX_ATTEMPTS = 3
TIMEOUT_S = 1.0  # client timeout (models file); a "hang" fault answers after TIMEOUT_S + 0.5
# the error kind the runner must record for each fault the server injects
EXPECTED_KIND = {"429": "rate_limit", "500": "server_error", "503": "server_error", "hang": "timeout",
                 "malformed": "bad_response", "empty_choices": "bad_response", "content_type": "bad_response",
                 "reset": "connection", None: None}


class _Server(FakeOpenAIServer):
    # socketserver's default listen backlog (5) drops SYNs when 16 clients connect at once; a dropped
    # SYN is retried after 1 s, past the client timeout, and the request never reaches the server.
    request_queue_size = 256


def _db(run_dir):
    return sqlite3.connect(run_dir / "run.sqlite")


def _state(run_dir):
    con = _db(run_dir)
    try:
        responses = con.execute("SELECT probe_id, sample FROM responses").fetchall()
        errors = {(p, s): (k, a) for p, s, k, a in con.execute("SELECT probe_id, sample, kind, attempts FROM errors")}
        attempts = defaultdict(list)
        for p, s, n, status, kind in con.execute(
                "SELECT probe_id, sample, attempt, status, kind FROM attempts ORDER BY id"):
            attempts[(p, s)].append((n, status, kind))
    finally:
        con.close()
    return responses, errors, attempts


def _check_cells(run_dir, cells, by_key, log):
    """The invariants that must hold after every run; returns the responded cells, the failed cells,
    the faults served per cell, and how many attempts matched no request (see _align)."""
    responses, errors, attempts = _state(run_dir)
    responded = set(responses)
    assert len(responses) == len(responded), "a cell was stored twice"
    assert not responded & set(errors), "a cell has both a response and a final error"
    assert len(responded) + len(errors) == len(cells), \
        f"{len(responded)} responses + {len(errors)} errors != {len(cells)} cells"
    assert responded | set(errors) == cells
    # every request the server received is one attempt row of the same cell, classified as its fault
    served = defaultdict(list)
    for e in log:
        served[by_key[e["cell"]]].append(e["fault"])
    assert set(served) <= cells
    late = 0
    for cell in cells:
        rows = attempts.get(cell, [])
        numbers = [n for n, _, _ in rows]  # 1, 2, ... within each run of the command
        assert all(b in (1, a + 1) for a, b in zip([0] + numbers, numbers)) and max(numbers or [0]) <= MAX_ATTEMPTS, \
            (cell, rows)
        late += _align(cell, [k for _, _, k in rows], served.get(cell, []))
        if cell in responded:
            assert [s for _, s, _ in rows].count("ok") == 1 and rows[-1][1] == "ok", (cell, rows)
        else:
            assert all(s == "error" for _, s, _ in rows), (cell, rows)
    n_attempts = sum(map(len, attempts.values()))
    # on an idle machine requests and attempts match one to one (late == 0); a loaded CI machine may
    # let a few ordinary answers arrive after the client's timeout
    assert late <= max(3, n_attempts // 50), f"{late} of {n_attempts} attempts did not match a request"
    return responded, errors, served, late


def _align(cell, kinds: list, faults: list) -> int:
    """Match a cell's attempt kinds, in order, to the faults the server served it, in order.

    Each served request must be exactly one attempt, recorded as the kind its fault maps to. The one
    tolerated exception is a timeout: the server may have answered too late, or (listen backlog) never
    seen the request; such attempts are counted and returned."""
    j = late = 0
    for i, k in enumerate(kinds):
        if j < len(faults) and EXPECTED_KIND[faults[j]] == k:
            j += 1
            continue
        assert k in ("timeout", "connection"), f"{cell}: attempt {i + 1} is {k!r}; server served {faults}"
        late += 1
        if len(faults) - j > len(kinds) - i - 1:  # more requests left than attempts: this one was served
            j += 1
    assert j == len(faults), f"{cell}: server saw {len(faults)} requests ({faults}) but attempts are {kinds}"
    return late


def test_500_cells_at_30_percent_faults(tmp_path):
    suite_path = tmp_path / "rel.yaml"
    suite_path.write_text(yaml.safe_dump({
        "name": "rel", "version": "1", "description": "fault injection",
        "probes": [{"id": f"rel-{i}", "category": "identity", "prompt": f"Question {i}: who are you?"}
                   for i in range(PROBES)]}))
    suite = load_suite(suite_path)
    cells = {(p.id, k) for p in suite.probes for k in range(SAMPLES)}
    by_key = {cell_key(p.chat(), k): (p.id, k) for p in suite.probes for k in range(SAMPLES)}
    assert len(by_key) == len(cells) == PROBES * SAMPLES

    cfg = ServerConfig(fault_rate=0.3, faults=FAULT_KINDS, seed=1729, hang_s=TIMEOUT_S + 0.5, retry_after="0.05")
    out = tmp_path / "run"
    env = {"FORENSICS_CACHE_DIR": str(tmp_path / "cache")}
    with _Server(cfg) as srv:
        models = tmp_path / "models.yaml"
        models.write_text(yaml.safe_dump({"models": {"api": {
            "spec": f"openai:acme@{srv.base_url}", "timeout_s": TIMEOUT_S, "concurrency": 16}}}))
        cmd = ("run", "--models-file", models, "--suite", suite_path, "--samples", SAMPLES,
               "--max-attempts", MAX_ATTEMPTS, "--quiet", "--out", out)

        # run 1: every cell ends with a response or a final error after MAX_ATTEMPTS attempts
        first = cli(*cmd, env=env, timeout=120)
        log1 = list(cfg.log)
        responded, errors, served, late1 = _check_cells(out, cells, by_key, log1)
        attempts1 = _state(out)[2]
        n_attempts1 = sum(map(len, attempts1.values()))
        assert n_attempts1 == len(log1) + late1
        assert errors, "the fault rate should leave some cells failed after 3 attempts"
        assert all(a == MAX_ATTEMPTS for _, a in errors.values()), errors
        assert first.returncode == 1, first
        assert (f"planned {len(cells)}, already done 0, new {len(responded)} (0 from cache), "
                f"failed {len(errors)}, attempts {n_attempts1}") in first.stdout, first
        kinds = Counter(k for k, _ in errors.values())
        assert f"{len(errors)} cells ended with an error (" in first.stderr, first
        for kind, n in kinds.items():
            assert f"{kind}: {n}" in first.stderr, first
        assert "run the same command again to retry just those cells" in first.stderr, first
        assert f"forensics errors {out}" in first.stderr, first
        assert "Traceback" not in first.stdout + first.stderr

        listed = cli("errors", out, env=env)
        assert listed.returncode == 0, listed
        for pid, sample in errors:
            assert any(pid in ln and f" {sample} " in ln for ln in listed.stdout.splitlines()), (pid, sample, listed)

        # run 2: the same command (server still faulty) asks again only for the failed cells
        second = cli(*cmd, env=env, timeout=120)
        log2 = cfg.log[len(log1):]
        asked = {by_key[e["cell"]] for e in log2}
        assert asked <= set(errors), f"the rerun asked for cells that had not failed: {asked - set(errors)}"
        attempts2 = _state(out)[2]
        retried = {c for c in cells if len(attempts2.get(c, [])) > len(attempts1.get(c, []))}
        assert retried == set(errors), f"retried {retried ^ set(errors)} beyond/short of the failed cells"
        responded2, errors2, _, _ = _check_cells(out, cells, by_key, cfg.log)
        assert responded <= responded2
        assert f"already done {len(responded)}" in second.stdout, second
        assert second.returncode == (1 if errors2 else 0), second

        # run 3: once the server is healthy, the rest completes and the run verifies
        cfg.fault_rate = 0.0
        third = cli(*cmd, env=env, timeout=120)
        assert third.returncode == 0, third
        log3 = cfg.log[len(log1) + len(log2):]
        assert {by_key[e["cell"]] for e in log3} <= set(errors2)
        responded3, errors3, _, late_all = _check_cells(out, cells, by_key, cfg.log)
        assert responded3 == cells and not errors3

    verify = cli("verify", out, env=env)
    assert verify.returncode == 0 and f"intact: {len(cells)} responses" in verify.stdout, verify

    # figures: faults injected (run 1) by kind, and how many of those faulted requests' cells still got
    # a response within run 1's retry budget
    injected = Counter(e["fault"] for e in log1 if e["fault"])
    survived = Counter(e["fault"] for e in log1 if e["fault"] and by_key[e["cell"]] in responded)
    faulted_cells = {c for c, fs in served.items() if any(fs)}
    record("faults: 500-cell run, 30% fault rate, --max-attempts 3, client timeout 1 s",
           requests_run1=len(log1), faults_injected_run1=sum(injected.values()),
           faults_by_kind={k: injected[k] for k in FAULT_KINDS},
           faulted_requests_whose_cell_still_got_a_response={k: survived[k] for k in FAULT_KINDS},
           attempts_run1=n_attempts1, cells_hit_by_a_fault=len(faulted_cells),
           of_those_answered_in_run1=len(faulted_cells & responded),
           final_errors_run1=dict(kinds), rerun_requests=len(log2), rerun_asked_only_failed_cells=True,
           failed_after_rerun=len(errors2), requests_run3=len(log3), final_responses=len(responded3),
           attempts_not_matching_a_request=late_all)
    print("\nfault figures:", injected, "survived:", survived, "final errors run 1:", dict(kinds))
