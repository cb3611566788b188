"""This machine's CPU as local backends see it: usable cores, thread defaults, instruction sets."""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

# Flags that decide whether a llama.cpp build runs here (x86-64 instruction sets it may use).
RELEVANT_FLAGS = ("avx", "avx2", "fma", "f16c", "bmi2", "avx_vnni", "avx512f", "avx512bw", "avx512vl",
                  "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")

# The portable llama.cpp build: generic x86-64 with AVX2/FMA/F16C, never -march=native or AMX.
LLAMA_CPP_VERSION = "0.3.36"
PORTABLE_CMAKE_ARGS = ("-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON "
                       "-DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF "
                       "-DGGML_AMX_BF16=OFF")
REBUILD_COMMAND = (f'CMAKE_ARGS="{PORTABLE_CMAKE_ARGS}" pip install --force-reinstall --no-cache-dir '
                   f"--no-deps --no-binary llama-cpp-python 'llama-cpp-python=={LLAMA_CPP_VERSION}' "
                   "(or: sh scripts/install-llama-cpp.sh)")


def _cgroup_cpu_limit(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs allowed by a cgroup v2 (cpu.max) or v1 (cfs quota) limit, if one is set."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        if quota != "max":
            return int(quota) / int(period)
        return None
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity, capped by a cgroup CPU quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    if limit is not None:
        n = min(n, max(1, math.floor(limit)))
    return max(1, n)


class _LocalCompute:
    """Counts the llama.cpp instances this process has running (in process and child servers)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.active = 0

    def acquire(self) -> None:
        with self._lock:
            self.active += 1

    def release(self) -> None:
        with self._lock:
            self.active = max(0, self.active - 1)


LOCAL_COMPUTE = _LocalCompute()


def default_threads(others: int | None = None) -> int:
    """Threads for one more llama.cpp instance: usable cores shared with those already running.

    Two instances each using every core slow each other down about 4x on 2 cores, so the
    cores are split: cores // (1 + instances already running), at least 1.
    """
    running = LOCAL_COMPUTE.active if others is None else others
    return max(1, usable_cores() // (1 + running))


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("flags"):
                return set(line.partition(":")[2].split())
    except OSError:
        pass
    return set()


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return "unknown CPU"


def relevant_flags(flags: set[str] | None = None) -> list[str]:
    """The instruction-set flags that matter for llama.cpp, in a fixed order."""
    have = cpu_flags() if flags is None else flags
    return [f for f in RELEVANT_FLAGS if f in have]
