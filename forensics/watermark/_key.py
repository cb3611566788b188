"""The watermark key and its settings: the secret stays in memory; only its SHA-256 is ever shown."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from forensics.core import InputError

SCHEME = "kgw-hash-v1"
_DERIVE = b"distill-forensics watermark kgw-hash-v1\0"
MIN_KEY_BYTES = 16


@dataclass(frozen=True)
class WatermarkKey:
    """A Kirchenbauer green-list watermark: `gamma` of the vocabulary is green after each context of
    `context` tokens, and generation adds `delta` to the green logits.

    The green list is a keyed pseudo-random function of (context, token); the secret never leaves
    this object (it is left out of `repr`, `settings()` and everything stored).
    """

    secret: bytes = field(repr=False)
    gamma: float = 0.25
    delta: float = 2.0
    context: int = 1

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            raise InputError(f"watermark key: {len(self.secret)} bytes; at least {MIN_KEY_BYTES} are needed")
        if not 0.0 < self.gamma < 1.0:
            raise InputError(f"watermark gamma {self.gamma}: must be between 0 and 1")
        if not 0.0 <= self.delta <= 20.0:
            raise InputError(f"watermark delta {self.delta}: must be between 0 and 20")
        if not 1 <= self.context <= 8:
            raise InputError(f"watermark context width {self.context}: must be 1 to 8 tokens")

    @property
    def key_sha256(self) -> str:
        return hashlib.sha256(self.secret).hexdigest()

    @property
    def seed64(self) -> int:
        """The 64-bit seed the green lists derive from (a one-way function of the secret)."""
        return int.from_bytes(hashlib.sha256(_DERIVE + self.secret).digest()[:8], "little")

    def settings(self) -> dict:
        """What a run records: the scheme and parameters, and the key only as its SHA-256."""
        return {"scheme": SCHEME, "gamma": self.gamma, "delta": self.delta, "context": self.context,
                "key_sha256": self.key_sha256}


def load_key(path: str | Path, *, gamma: float = 0.25, delta: float = 2.0, context: int = 1) -> WatermarkKey:
    """Read a key file: its bytes, with surrounding whitespace removed, are the secret."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"watermark key {str(path)!r}: {e.strerror or e}") from None
    return WatermarkKey(data.strip(), gamma=gamma, delta=delta, context=context)


def write_new_key(path: str | Path) -> Path:
    """Write a fresh random key (64 hex characters) to `path`, readable by its owner only."""
    p = Path(path)
    try:  # created and opened in one step, owner-only from the start: no window, no symlink followed
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        raise InputError(f"{p}: exists; refusing to overwrite a key") from None
    except OSError as e:
        raise InputError(f"{p}: {e.strerror or e}") from None
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    return p


def random_key(rng_seed: int, **settings) -> WatermarkKey:
    """A key drawn from a seeded generator: for tests and false-positive studies, never for use."""
    return WatermarkKey(hashlib.sha256(b"random key %d" % rng_seed).digest(), **settings)
