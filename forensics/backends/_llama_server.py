"""Start and stop a real OpenAI-compatible `llama_cpp.server` on 127.0.0.1 (free port)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from forensics.core import ForensicsError

from ._cpu import LOCAL_COMPUTE, default_threads


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """`python -m llama_cpp.server` as a child process; a context manager that waits until ready."""

    def __init__(self, model_path: str | Path, *, alias: str = "local", n_threads: int | None = None,
                 n_ctx: int = 2048, log_path: str | Path | None = None, startup_timeout_s: float = 120,
                 port: int | None = None):
        self.model_path = Path(model_path)
        self.alias = alias
        self.n_threads = n_threads or default_threads()
        self.n_ctx = n_ctx
        self.port = port or free_port()
        self.log_path = Path(log_path) if log_path else None
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen | None = None
        self._counted = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "LlamaServer":
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path),
               "--model_alias", self.alias, "--host", "127.0.0.1", "--port", str(self.port),
               "--n_threads", str(self.n_threads), "--n_ctx", str(self.n_ctx), "--verbose", "False"]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ForensicsError(f"llama_cpp.server {self.exit_description()} while starting"
                                     + (f"; see {self.log_path}" if self.log_path else ""))
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    if r.status == 200:
                        LOCAL_COMPUTE.acquire()
                        self._counted = True
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise ForensicsError(f"llama_cpp.server did not answer on {self.base_url} within {self.startup_timeout_s:.0f}s")

    def exit_description(self) -> str:
        """'exited with code N' or 'died from SIGSEGV' (or 'is running')."""
        code = self.proc.poll() if self.proc else None
        if code is None:
            return "is running"
        if code < 0:
            try:
                return f"died from {signal.Signals(-code).name}"
            except ValueError:
                return f"died from signal {-code}"
        return f"exited with code {code}"

    def stop(self) -> None:
        if getattr(self, "_counted", False):
            LOCAL_COMPUTE.release()
            self._counted = False
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "LlamaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
