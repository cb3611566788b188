"""A small real OpenAI-compatible HTTP server for tests, with deterministic fault injection.

Answers are a pure function of (model, messages, seed), so tests can predict them. Every
request is appended to `log` (and to `log_path` as JSON lines when given) with its cell key.
"""

from __future__ import annotations

import hashlib
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULT_KINDS = ("429", "500", "503", "hang", "malformed", "empty_choices", "content_type", "reset")


def answer_for(model: str, messages: list[dict], seed: int | None) -> str:
    last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    h = hashlib.sha256(f"{model}|{last}|{seed}".encode()).hexdigest()[:8]
    return f"[{model}] answer {h} to: {last[:60]}"


def reasoning_for(model: str, messages: list[dict]) -> str:
    last = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    return f"Okay, so {model} needs to answer: {last[:40]}. Wait, let me think."


def cell_key(messages: list[dict], seed: int | None) -> str:
    body = json.dumps({"m": messages, "s": seed}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


@dataclass
class ServerConfig:
    fault_rate: float = 0.0
    faults: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    delay_s: float = 0.0
    hang_s: float = 5.0
    retry_after: str = "0.05"
    log_path: str | None = None
    log: list[dict] = field(default_factory=list)
    reasoning: bool = False  # also send a `reasoning_content` trace, as reasoning models' servers do


class _Handler(BaseHTTPRequestHandler):
    server: "FakeOpenAIServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, ctype: str = "application/json", headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode())
        else:
            self._send(404, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:
        cfg = self.server.config
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            req = json.loads(raw)
        except ValueError:
            req = {}
        if len(raw) < length or not isinstance(req, dict) or not req.get("messages"):
            return self._send(400, b'{"error": {"message": "bad request body"}}')  # e.g. a killed client
        if self.path != "/v1/chat/completions":
            return self._send(404, b'{"error": {"message": "no such route"}}')
        messages, seed, model = req.get("messages", []), req.get("seed"), req.get("model", "fake")
        fault = self.server.next_fault()
        entry = {"cell": cell_key(messages, seed), "seed": seed, "model": model, "fault": fault,
                 "auth": self.headers.get("Authorization", ""), "t": time.time()}
        self.server.record(entry)
        if cfg.delay_s:
            time.sleep(cfg.delay_s)
        if fault == "429":
            return self._send(429, b'{"error": {"message": "rate limited"}}', headers={"Retry-After": cfg.retry_after})
        if fault in ("500", "503"):
            return self._send(int(fault), b'{"error": {"message": "server trouble"}}')
        if fault == "hang":
            time.sleep(cfg.hang_s)
            return self._send(504, b'{"error": {"message": "too late"}}')
        if fault == "malformed":
            return self._send(200, b'{"id": "x", "choices": [')
        if fault == "empty_choices":
            return self._send(200, json.dumps({"id": "x", "object": "chat.completion", "created": 0,
                                               "model": model, "choices": []}).encode())
        if fault == "content_type":
            return self._send(200, b"<html>maintenance</html>", ctype="text/html")
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        text = answer_for(model, messages, seed)
        body = {"id": "chatcmpl-" + entry["cell"], "object": "chat.completion", "created": int(time.time()),
                "model": f"{model}-served", "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text,
                                         **({"reasoning_content": reasoning_for(model, messages)}
                                            if self.server.config.reasoning else {})}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split()), "total_tokens": 10 + len(text.split())}}
        self._send(200, json.dumps(body).encode())


class FakeOpenAIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: ServerConfig | None = None, port: int = 0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.config = config or ServerConfig()
        self._rng = random.Random(self.config.seed)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def handle_error(self, request, client_address) -> None:  # clients that gave up: not our problem
        return

    def next_fault(self) -> str | None:
        with self._lock:
            if self.config.fault_rate and self._rng.random() < self.config.fault_rate:
                return self._rng.choice(self.config.faults)
        return None

    def record(self, entry: dict) -> None:
        with self._lock:
            self.config.log.append(entry)
            if self.config.log_path:
                with open(self.config.log_path, "a") as f:
                    f.write(json.dumps(entry) + "\n")

    def start(self) -> "FakeOpenAIServer":
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
