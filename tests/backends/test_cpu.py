"""Thread defaults, cgroup limits, CPU flags, and the portable llama.cpp build."""

import re
from pathlib import Path

import pytest

from forensics.backends import _cpu
from forensics.backends import LOCAL_COMPUTE, default_threads, relevant_flags
from forensics.backends import amx_instruction_count, ggml_cpu_libraries

ROOT = Path(__file__).resolve().parents[2]


def test_threads_split_the_usable_cores_between_running_instances(monkeypatch):
    monkeypatch.setattr(_cpu, "usable_cores", lambda: 2)
    assert default_threads(others=0) == 2
    assert default_threads(others=1) == 1  # two instances on 2 cores: one thread each
    assert default_threads(others=5) == 1
    monkeypatch.setattr(_cpu, "usable_cores", lambda: 16)
    assert default_threads(others=3) == 4
    before = LOCAL_COMPUTE.active
    LOCAL_COMPUTE.acquire()
    try:
        assert default_threads() == 16 // (1 + before + 1)
    finally:
        LOCAL_COMPUTE.release()
    assert LOCAL_COMPUTE.active == before


def test_cgroup_quota_caps_the_cores(tmp_path):
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert _cpu._cgroup_cpu_limit(tmp_path) == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert _cpu._cgroup_cpu_limit(tmp_path) is None
    v1 = tmp_path / "v1"
    (v1 / "cpu").mkdir(parents=True)
    (v1 / "cpu" / "cpu.cfs_quota_us").write_text("200000")
    (v1 / "cpu" / "cpu.cfs_period_us").write_text("100000")
    assert _cpu._cgroup_cpu_limit(v1) == 2.0
    assert _cpu._cgroup_cpu_limit(tmp_path / "absent") is None


def test_usable_cores_respects_a_quota(monkeypatch):
    monkeypatch.setattr(_cpu, "_cgroup_cpu_limit", lambda: 1.2)
    assert _cpu.usable_cores() == 1
    monkeypatch.setattr(_cpu, "_cgroup_cpu_limit", lambda: None)
    assert _cpu.usable_cores() >= 1


def test_flags_and_model_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("model name\t: Some Xeon\nflags\t\t: fpu sse2 avx2 fma amx_tile avx512f f16c\n")
    flags = _cpu.cpu_flags(info)
    assert relevant_flags(flags) == ["avx2", "fma", "f16c", "avx512f", "amx_tile"]
    assert _cpu.cpu_model(info) == "Some Xeon"
    assert _cpu.cpu_flags(tmp_path / "none") == set()


def test_install_script_uses_the_same_portable_flags():
    script = (ROOT / "scripts" / "install-llama-cpp.sh").read_text()
    args = re.search(r'^PORTABLE_CMAKE_ARGS="([^"]+)"', script, re.M).group(1)
    assert args == _cpu.PORTABLE_CMAKE_ARGS
    assert re.search(r"^LLAMA_CPP_VERSION=(\S+)", script, re.M).group(1) == _cpu.LLAMA_CPP_VERSION
    assert "-DGGML_NATIVE=OFF" in args and "-DGGML_AMX_TILE=OFF" in args
    assert "--no-cache-dir" in script and "--no-binary llama-cpp-python" in script
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"llama-cpp-python[server]=={_cpu.LLAMA_CPP_VERSION}"' in pyproject


@pytest.mark.slow
def test_installed_llama_cpp_holds_no_amx_instruction():
    """The installed CPU backend must run on any x86-64 machine of this kind: no AMX, no AVX-512."""
    libs = ggml_cpu_libraries()
    assert libs, "llama-cpp-python is not installed"
    for lib in libs:
        n = amx_instruction_count(lib)
        assert n is not None, "objdump is needed to check the build (Debian package binutils)"
        assert n == 0, f"{lib} holds {n} AMX ldtilecfg instructions: rebuild with scripts/install-llama-cpp.sh"
    import llama_cpp

    info = llama_cpp.llama_print_system_info()
    info = info.decode() if isinstance(info, bytes) else str(info)
    assert "AMX" not in info and "AVX512" not in info, info


@pytest.mark.slow
def test_amx_count_reads_a_disassembly(tmp_path, monkeypatch):
    fake = tmp_path / "objdump"
    fake.write_text("#!/bin/sh\nprintf '  10:\\tldtilecfg (%%rax)\\n  14:\\tret\\n  18:\\tldtilecfg 0x40(%%rsp)\\n'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}")
    assert amx_instruction_count(tmp_path / "lib.so") == 2
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert amx_instruction_count(tmp_path / "lib.so") is None
