"""Content hashes: canonical JSON and files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


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
