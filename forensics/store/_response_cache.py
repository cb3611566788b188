"""A response cache shared across runs, so the same request is never paid for twice."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from forensics.backends import Request, Response
from forensics.core import sha256_json, storable


def default_cache_dir() -> Path:
    env = os.environ.get("FORENSICS_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("distill-forensics"))


def cache_key(backend_identity: dict, req: Request) -> str:
    """Backend kind, model, base URL, messages, every sampling parameter, seed and sample index."""
    return sha256_json({"backend": backend_identity, "messages": list(req.messages),
                        "params": req.params.as_dict(), "sample": req.sample})


class ResponseCache:
    """SQLite key→response store in the user cache directory. Only successes are cached."""

    def __init__(self, path: Path | None = None):
        path = path or default_cache_dir() / "responses.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, json TEXT NOT NULL)")

    def get(self, key: str) -> Response | None:
        row = self.conn.execute("SELECT json FROM responses WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return Response(**json.loads(row[0]))
        except (TypeError, ValueError):
            return None

    def put(self, key: str, resp: Response) -> None:
        data = {k: (storable(v) if isinstance(v, str) else v) for k, v in resp.__dict__.items()}
        self.conn.execute("INSERT OR REPLACE INTO responses VALUES (?, ?)",
                          (key, json.dumps(data, ensure_ascii=False)))

    def close(self) -> None:
        self.conn.close()
