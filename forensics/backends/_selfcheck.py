"""Self-check before trusting a local backend: one token from each local model, in a child.

A llama.cpp built for another CPU (or AMX on a VM that refuses the tile state) dies from a
signal on its first generation. Run in process, that would kill the whole tool with no
message; run in a child, it becomes one clear error naming the model, the signal, the CPU
flags that matter and how to rebuild.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from forensics.core import ForensicsError, file_sha256

from ._cpu import REBUILD_COMMAND, cpu_model, default_threads, relevant_flags

LOCAL_KINDS = ("llamacpp", "hf")
_CHILD = Path(__file__).with_name("_selfcheck_child.py")
_PASSED: set[tuple[str, str, float]] = set()  # (kind, path, mtime) already checked in this process


class BackendCrashError(ForensicsError):
    """A local backend's child died from a signal (or failed) on a one-token generation."""


@dataclass(frozen=True)
class SelfCheck:
    model: str
    kind: str
    path: str
    ok: bool
    seconds: float
    detail: str  # library versions when ok, else what went wrong
    signal: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _child_command(kind: str, path: str, n_threads: int) -> list[str]:
    return [sys.executable, str(_CHILD), kind, path, str(n_threads)]


def _signal_name(returncode: int) -> str | None:
    if returncode >= 0:
        return None
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def check_model(name: str, kind: str, path: str | Path, *, timeout_s: float = 300.0) -> SelfCheck:
    """Load `path` with backend `kind` in a child process and generate one token."""
    path = str(path)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(_child_command(kind, path, default_threads()), capture_output=True,
                              timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return SelfCheck(name, kind, path, False, time.perf_counter() - t0,
                         f"no token within {timeout_s:.0f}s")
    seconds = time.perf_counter() - t0
    sig = _signal_name(proc.returncode)
    if sig:
        return SelfCheck(name, kind, path, False, seconds, f"the child process died from {sig}", sig)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        return SelfCheck(name, kind, path, False, seconds,
                         f"exited with code {proc.returncode}: {tail[0][:300]}")
    try:
        info = json.loads(proc.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
        detail = str(info.get("library", ""))
    except (ValueError, IndexError):
        detail = "ok"
    return SelfCheck(name, kind, path, True, seconds, detail)


def crash_message(check: SelfCheck) -> str:
    """One paragraph a user can act on: model, signal, CPU flags that matter, how to rebuild."""
    flags = " ".join(relevant_flags()) or "none reported"
    head = f"local model {check.model!r} ({check.kind}: {check.path}) failed its one-token self-check: {check.detail}."
    if check.signal is None:
        return head
    amx = "amx_tile" in flags
    why = (" This CPU advertises AMX, which a virtual machine may refuse to a process; a llama.cpp built"
           " with native flags uses it and crashes." if amx else
           " The backend library was probably compiled for instructions this CPU lacks.")
    fix = (f" Rebuild llama-cpp-python portably: {REBUILD_COMMAND}" if check.kind == "llamacpp" else
           " Reinstall torch for this CPU: pip install --force-reinstall torch==2.13.0")
    return f"{head} CPU: {cpu_model()}; flags: {flags}.{why}{fix}"


def local_models(configs) -> list[tuple[str, str, str]]:
    """(name, kind, resolved path) for each model config with a local backend."""
    from ._localmodels import resolve_local_model

    out = []
    for cfg in configs:
        if cfg.kind in LOCAL_KINDS:
            out.append((cfg.name, cfg.kind, str(resolve_local_model(cfg.target))))
    return out


def require_local_backends(models: list[tuple[str, str, str]]) -> list[SelfCheck]:
    """Self-check each (name, kind, path) once per process; raise BackendCrashError on the first failure."""
    checks = []
    for name, kind, path in models:
        try:
            key = (kind, path, Path(path).stat().st_mtime)
        except OSError:
            continue  # a missing file is the backend's own clear error
        if key in _PASSED:
            continue
        check = check_model(name, kind, path)
        checks.append(check)
        if not check.ok:
            raise BackendCrashError(crash_message(check))
        _PASSED.add(key)
    return checks


def ggml_cpu_libraries() -> list[Path]:
    """The installed llama-cpp-python CPU backend libraries (libggml-cpu*.so), if any."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return []
    lib = Path(list(spec.submodule_search_locations)[0]) / "lib"
    # a wheel installs the .so, .so.0 and .so.0.x names as links or as identical copies: one each
    seen: dict[str, Path] = {}
    for p in sorted(lib.glob("libggml-cpu*.so*"), key=lambda p: (len(p.name), p.name)):
        seen.setdefault(file_sha256(p.resolve()), p)
    return sorted(seen.values())


def amx_instruction_count(library: Path) -> int | None:
    """How many AMX tile-config instructions (ldtilecfg) a library holds; None without objdump."""
    import shutil

    objdump = shutil.which("objdump")
    if objdump is None:
        return None
    proc = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(library)], capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    return sum(1 for line in proc.stdout.splitlines() if "ldtilecfg" in line)
