"""Leaked keys: an API key given through the environment, and credentials or tokens inside a base URL,
must never be written anywhere: not the run database (nor its WAL), exports, the shared cache, the
report, the output of any command (including failing ones), nor exception messages."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import pytest
import yaml

import forensics
from forensics.core import ForensicsError, InputError
from forensics.backends import ModelConfig, load_models_file, parse_model_option, redact_spec

from ..support.fake_openai import FakeOpenAIServer, ServerConfig
from .conftest import cli_process as cli, record

pytestmark = pytest.mark.slow

TOKEN = secrets.token_hex(10)
KEY = f"sk-FORENSICS-CANARY-{TOKEN}"
URL_PASSWORD = f"PWCANARY{secrets.token_hex(6)}"
URL_TOKEN = f"QTOKEN{secrets.token_hex(6)}"
KEY_VAR = "FORENSICS_RELIABILITY_TEST_KEY"


def needles() -> dict[str, bytes]:
    """Every form in which a secret could plausibly end up in a file."""
    out = {}
    for name, s in [("api key", KEY), ("api key token", TOKEN), ("url password", URL_PASSWORD),
                    ("url query token", URL_TOKEN)]:
        out[name] = s.encode()
        out[name + " (utf-16)"] = s.encode("utf-16-le")
        out[name + " (base64)"] = base64.b64encode(s.encode())[:-4]
    out["basic auth"] = base64.b64encode(f"user:{URL_PASSWORD}".encode())[:-4]
    return out


def scan_tree(root: Path) -> tuple[list[str], int, int]:
    hits, n_files, n_bytes = [], 0, 0
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            data = p.read_bytes()
            n_files += 1
            n_bytes += len(data)
            hits += [f"{p}: {name}" for name, needle in needles().items() if needle in data]
    return hits, n_files, n_bytes


def scan_text(label: str, data: bytes | str) -> list[str]:
    data = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return [f"{label}: {name}" for name, needle in needles().items() if needle in data]


def test_keys_and_url_credentials_are_never_written(tmp_path, suite_file):
    home = tmp_path / "home"
    tmp = tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {KEY_VAR: KEY, "FORENSICS_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(home),
           "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(home / ".cache"), "MPLCONFIGDIR": str(home / "mpl")}
    outputs: list = []

    def run_cli(*args, expect=None):
        r = cli(*args, env=env, timeout=300)
        outputs.append(r)
        if expect is not None:
            assert r.returncode == expect, r
        return r

    run = tmp_path / "run"
    faulty = tmp_path / "faulty"
    exports = tmp_path / "exports"
    exports.mkdir()
    with FakeOpenAIServer(ServerConfig()) as good, \
            FakeOpenAIServer(ServerConfig(fault_rate=0.6, hang_s=0.6, seed=3)) as bad:
        port = good.server_address[1]
        cred_url = f"http://user:{URL_PASSWORD}@127.0.0.1:{port}/v1"
        query_url = f"http://127.0.0.1:{port}/v1?api_key={URL_TOKEN}&x=1"
        # 1. three models on a healthy server (the key goes out as a Bearer token), plus two models whose
        #    base URLs carry credentials or a token in the query string
        inputs = tmp_path / "inputs"  # what the user wrote (holds the secrets); not scanned
        inputs.mkdir()
        models_file = inputs / "models.yaml"
        models_file.write_text(yaml.safe_dump({"models": {
            "withcreds": {"spec": f"openai:creds@{cred_url}", "api_key_env": KEY_VAR},
            "withquery": {"spec": f"openai:query@{query_url}", "api_key_env": KEY_VAR}}}))
        # base URLs with credentials or a query are refused (exit 2), naming the variable for the key
        run_cli("run", "--models-file", models_file, "--suite", "identity", "--api-key-env", KEY_VAR,
                "--quiet", "--out", tmp_path / "never", expect=2)
        run_cli("run", "-m", f"s=openai:sus@{good.base_url}", "-m", f"r=openai:ref@{good.base_url}",
                "-m", f"c=openai:ctl@{good.base_url}", "--suite", "identity",
                "--api-key-env", KEY_VAR, "--quiet", "--out", run)
        bearer = [e for e in good.config.log if e["model"] in ("sus", "ref", "ctl")]
        assert bearer and all(e["auth"] == f"Bearer {KEY}" for e in bearer), "the server did not get the key"
        # 2. errors: a run against a faulty server (timeouts, resets, 5xx, garbage bodies)
        run_cli("run", "-m", f"f=openai:flaky@{bad.base_url}", "--suite", suite_file, "--samples", "5",
                "--api-key-env", KEY_VAR, "--max-attempts", "2", "--quiet", "--out", faulty)
        assert any(e["fault"] for e in bad.config.log) and all(e["auth"] == f"Bearer {KEY}" for e in bad.config.log)
        run_cli("errors", faulty, expect=0)
        # 3. bad specs that echo what the user typed
        secret_url = f"https://user:{URL_PASSWORD}@api.example.com/v1?api_key={URL_TOKEN}"
        for spec in [f"x=opena:m@{secret_url}", f"x=openai:m@{secret_url}",  # unknown kind; no key for a remote host
                     f"x=openai:m@http://user:{URL_PASSWORD}@127.0.0.1:99999/v1?k={URL_TOKEN}",
                     f"bad/name=openai:m@{secret_url}"]:
            run_cli("run", "-m", spec, "--suite", suite_file, "--api-key-env", "FORENSICS_UNSET_VARIABLE",
                    "--out", tmp_path / "never", expect=2)
        run_cli("run", "-m", f"x=openai:m@{secret_url}", "--suite", "nonexistent-suite", "--out", tmp_path / "never",
                expect=2)
        # 4. everything that reads the run
        for fmt in ("jsonl", "csv", "parquet"):
            run_cli("export", run, "--format", fmt, "-o", exports / f"run.{fmt}", expect=0)
        run_cli("export", faulty, "--format", "jsonl", "-o", exports / "faulty.jsonl", expect=0)
        run_cli("verify", run, expect=0)
        run_cli("verify", faulty, expect=0)
        run_cli("errors", run, expect=0)
        analyzed = run_cli("analyze", run, "-S", "s", "-R", "r", "-C", "c")
        reported = run_cli("report", run, "-o", exports / "report.html")

    # the run really did what the scan relies on
    assert (run / "run.sqlite").exists() and (faulty / "run.sqlite").exists()
    stored = forensics.load_run(run)
    assert set(stored.models["name"]) == {"s", "r", "c"}
    assert not (tmp_path / "never").exists()

    hits, n_files, n_bytes = [], 0, 0
    for root in (run, faulty, exports, tmp_path / "cache", home, tmp):  # everything the tool wrote
        h, n, b = scan_tree(root)
        hits, n_files, n_bytes = hits + h, n_files + n, n_bytes + b
    assert n_files >= 8
    for r in outputs:
        hits += scan_text(f"output of forensics {' '.join(r.args)[:80]}", r.stdout_bytes + r.stderr_bytes)
    assert not hits, "secret found in:\n" + "\n".join(hits)
    record("secrets: canary key + URL credentials/token", files_scanned=n_files, bytes_scanned=n_bytes,
           cli_outputs_scanned=len(outputs), analyze_rc=analyzed.returncode, report_rc=reported.returncode,
           leaks=0)
    assert analyzed.returncode == 0, analyzed
    assert reported.returncode == 0 and (exports / "report.html").exists(), reported


def test_in_process_api_and_exceptions_never_show_secrets(tmp_path, monkeypatch, small_suite):
    monkeypatch.setenv(KEY_VAR, KEY)
    secret_url = f"http://user:{URL_PASSWORD}@127.0.0.1:9/v1?api_key={URL_TOKEN}"
    messages = []
    for bad in [f"x=opena:m@{secret_url}", f"x=openai:m@http://user:{URL_PASSWORD}@[::1/v1?k={URL_TOKEN}",
                f"x=openai:m@http://user:{URL_PASSWORD}@h:0x50/v1?k={URL_TOKEN}", f"a b=openai:m@{secret_url}",
                f"openai:m@{secret_url}"]:
        with pytest.raises(InputError) as e:
            parse_model_option(bad, KEY_VAR)
        messages.append(str(e.value))
    bad_file = tmp_path / "inputs" / "models.yaml"
    bad_file.parent.mkdir()
    bad_file.write_text(yaml.safe_dump({"models": {"x": {"spec": f"openai:m@http://u:{URL_PASSWORD}@[::1?k={URL_TOKEN}"}}}))
    with pytest.raises(InputError) as e:
        load_models_file(bad_file)
    messages.append(str(e.value))
    assert redact_spec(f"openai:m@{secret_url}") == "openai:m@http://127.0.0.1:9/v1"

    with FakeOpenAIServer(ServerConfig(fault_rate=0.5, hang_s=0.5, seed=11)) as srv:
        url = f"http://user:{URL_PASSWORD}@127.0.0.1:{srv.server_address[1]}/v1"
        with pytest.raises(InputError) as e:  # credentials in a base URL are refused, without echoing them
            forensics.run_suite([ModelConfig(name="creds", spec=f"openai:acme@{url}", api_key_env=KEY_VAR)],
                                out=tmp_path / "refused", suites=[small_suite], progress=False)
        messages.append(str(e.value))
        cfgs = [ModelConfig(name="api", spec=f"openai:acme@{srv.base_url}", api_key_env=KEY_VAR, timeout_s=0.3)]
        result = forensics.run_suite(cfgs, out=tmp_path / "run", suites=[small_suite], samples=3,
                                     max_attempts=2, progress=False)
        assert any(e["auth"] == f"Bearer {KEY}" for e in srv.config.log)
    shown = [repr(result), repr(result.manifest), result.models.to_string(), result.responses.to_string(),
             result.errors.to_string(), repr(result.summary)]
    try:
        forensics.run_suite([f"x=openai:m@{secret_url}"], out=tmp_path / "run", suites=[small_suite], progress=False)
    except ForensicsError as exc:  # the run is fine (loopback): any failure must still be clean
        messages.append(str(exc))
    hits = [h for i, m in enumerate(messages + shown) for h in scan_text(f"message {i}", m)]
    tree_hits = scan_tree(tmp_path / "run")[0] + scan_tree(Path(os.environ["FORENSICS_CACHE_DIR"]))[0]
    assert not hits + tree_hits, "\n".join(hits + tree_hits) + "\n" + "\n".join(messages)
