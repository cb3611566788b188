"""Local backends name their weights in the shared response cache by content, not by file name.

The lab retrains students under the same file names; a merged LoRA GGUF has exactly the base's
size. With name and size as the identity, a retrained student was answered from the cache with
the previous student's responses, and the run recorded them as the new model's."""

from __future__ import annotations

import os

import pytest

from forensics.backends import HFBackend, LlamaCppBackend
from forensics.core import content_sha256, file_sha256


def _write(path, data: bytes, mtime_ns: int):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def test_a_retrained_gguf_with_the_same_name_and_size_is_another_cache_identity(tmp_path):
    old = _write(tmp_path / "run1" / "student-a.gguf", b"GGUF" + b"a" * 64, 10**18)
    new = _write(tmp_path / "run2" / "student-a.gguf", b"GGUF" + b"b" * 64, 10**18)
    assert old.stat().st_size == new.stat().st_size
    a, b = LlamaCppBackend(old).cache_identity(), LlamaCppBackend(new).cache_identity()
    assert a != b and a["sha256"] == file_sha256(old) and b["sha256"] == file_sha256(new)
    # the same bytes under another path are the same model: their responses may be reused
    copy = _write(tmp_path / "elsewhere" / "renamed.gguf", old.read_bytes(), 2 * 10**18)
    assert LlamaCppBackend(copy).cache_identity()["sha256"] == a["sha256"]


def test_a_file_rewritten_in_place_is_hashed_again(tmp_path):
    f = _write(tmp_path / "m.gguf", b"GGUF" + b"a" * 64, 10**18)
    first = content_sha256(f)
    _write(f, b"GGUF" + b"c" * 64, 10**18 + 1)  # same size, same path, new bytes
    assert content_sha256(f) == file_sha256(f) != first


@pytest.mark.parametrize("changed", ["model.safetensors", "config.json", "sub/tokenizer.json"])
def test_an_hf_checkpoint_folder_is_named_by_all_its_files(tmp_path, changed):
    def folder(root, edit: str | None):
        for name in ("model.safetensors", "config.json", "sub/tokenizer.json"):
            _write(root / name, (b"x" if name == edit else b"") + name.encode(), 10**18)
        _write(root / ".cache" / "lock", os.urandom(8), 10**18)  # hidden entries do not count
        return root

    base = HFBackend(folder(tmp_path / "a" / "ckpt", None)).cache_identity()
    same = HFBackend(folder(tmp_path / "b" / "ckpt", None)).cache_identity()
    edited = HFBackend(folder(tmp_path / "c" / "ckpt", changed)).cache_identity()
    assert base == same and edited != base
