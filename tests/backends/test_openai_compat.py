import asyncio

import pytest

from forensics.core import InputError
from forensics.backends import Failure, Params, Request, Response
from forensics.backends import OpenAIBackend
from forensics.backends._openai_compat import _retry_after
from forensics.backends import redact_spec, split_openai_target

from ..support.fake_openai import FakeOpenAIServer, ServerConfig, answer_for


def req(content="Hello?", sample=0):
    return Request("p1", "m", sample, ({"role": "user", "content": content},), Params(seed=7))


def generate(backend, requests):
    async def go():
        try:
            return await backend.generate(requests)
        finally:
            await backend.aclose()
    return asyncio.run(go())


def test_success_fields(fake_server, monkeypatch):
    monkeypatch.setenv("FAKE_KEY", "sk-test-secret-123")
    b = OpenAIBackend("acme", fake_server.base_url, api_key_env="FAKE_KEY")
    [r] = generate(b, [req(sample=2)])
    assert isinstance(r, Response)
    assert r.text == answer_for("acme", [{"role": "user", "content": "Hello?"}], 9)  # seed 7 + sample 2
    assert r.server_model == "acme-served" and r.fingerprint == "fp_fake"
    assert r.tokens_in == 10 and r.finish_reason == "stop" and r.latency_s > 0
    assert fake_server.config.log[0]["auth"] == "Bearer sk-test-secret-123"
    assert "sk-test" not in repr(b.describe()) + repr(b.cache_identity())


@pytest.mark.parametrize("fault, kind, retryable", [
    ("429", "rate_limit", True), ("500", "server_error", True), ("503", "server_error", True),
    ("malformed", "bad_response", True), ("empty_choices", "bad_response", True),
    ("content_type", "bad_response", True), ("reset", "connection", True), ("hang", "timeout", True),
])
def test_faults_become_failures(fault, kind, retryable):
    cfg = ServerConfig(fault_rate=1.0, faults=(fault,), hang_s=2.0, retry_after="3")
    with FakeOpenAIServer(cfg) as srv:
        b = OpenAIBackend("m", srv.base_url, timeout_s=0.5)
        [r] = generate(b, [req()])
    assert isinstance(r, Failure), r
    assert (r.kind, r.retryable) == (kind, retryable)
    if fault == "429":
        assert r.retry_after_s == 3.0


def test_client_error_is_final(fake_server):
    b = OpenAIBackend("m", fake_server.base_url.replace("/v1", "/nope"))
    [r] = generate(b, [req()])
    assert isinstance(r, Failure) and r.kind == "client_error" and not r.retryable


def test_remote_endpoint_needs_key(monkeypatch):
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(InputError, match="NO_SUCH_KEY_VAR"):
        OpenAIBackend("gpt", "https://api.example.invalid/v1", api_key_env="NO_SUCH_KEY_VAR")


def test_retry_after_parsing():
    assert _retry_after({"retry-after": "2"}) == 2.0
    assert _retry_after({"retry-after-ms": "250"}) == 0.25
    assert _retry_after({"retry-after": "garbage"}) is None
    assert _retry_after({}) is None


def test_spec_parsing_and_redaction():
    assert split_openai_target("gpt-4o@https://h/v1") == ("gpt-4o", "https://h/v1")
    assert split_openai_target("org/model@http://u:p@h:8/v1?key=s") == ("org/model", "http://u:p@h:8/v1?key=s")
    assert split_openai_target("gpt-4o") == ("gpt-4o", None)
    assert redact_spec("openai:m@https://user:pw@host:8443/v1?api_key=s") == "openai:m@https://host:8443/v1"


def test_nobody_listening_is_unreachable_not_a_transient_reset():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    [r] = generate(OpenAIBackend("m", f"http://127.0.0.1:{port}/v1", timeout_s=2), [req()])
    assert isinstance(r, Failure) and r.kind == "unreachable" and r.retryable
    assert r.message == "cannot connect: Connection refused"
