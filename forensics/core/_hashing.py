"""Content hashes: canonical JSON, files, and model weights (a file or a folder of files)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

_CONTENT_MEMO: dict[tuple, str] = {}


def sha256_json(obj: object) -> str:
    """SHA-256 of the canonical JSON of `obj` (sorted keys, no whitespace, UTF-8)."""
    data = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def content_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, or of a folder's files (their relative paths and SHA-256s, sorted;
    hidden entries skipped). Memoised per process on each file's path, size, mtime and inode, so
    a model is read once per process and a file rewritten in place is hashed again."""
    root = Path(path).resolve()
    files = [root] if root.is_file() else sorted(
        f for f in root.rglob("*") if f.is_file() and not any(p.startswith(".") for p in f.relative_to(root).parts))
    parts = []
    for f in files:
        st = f.stat()
        sig = (str(f), st.st_size, st.st_mtime_ns, st.st_ino)
        if sig not in _CONTENT_MEMO:
            _CONTENT_MEMO[sig] = file_sha256(f)
        parts.append((f.relative_to(root).as_posix() if f != root else "", _CONTENT_MEMO[sig]))
    return parts[0][1] if root.is_file() else sha256_json(parts)
