"""The run store: one SQLite database (WAL) per run directory, with a SHA-256 hash chain."""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from forensics._version import __version__
from forensics.backends import Failure, Request, Response
from forensics.core import RunDirError, sha256_json, storable
from forensics.probes import Probe, Suite

DB_NAME = "run.sqlite"
LOCK_NAME = ".lock"
GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS models (
  name TEXT PRIMARY KEY, kind TEXT NOT NULL, spec TEXT NOT NULL, settings_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS suites (
  name TEXT PRIMARY KEY, version TEXT NOT NULL, hash TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS probes (
  probe_id TEXT PRIMARY KEY, suite TEXT NOT NULL, category TEXT NOT NULL, language TEXT NOT NULL,
  prompt TEXT NOT NULL, probe_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS responses (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  model TEXT NOT NULL, probe_id TEXT NOT NULL, sample INTEGER NOT NULL,
  request_json TEXT NOT NULL, text TEXT NOT NULL, finish_reason TEXT,
  tokens_in INTEGER, tokens_out INTEGER, latency_s REAL, server_model TEXT, fingerprint TEXT,
  from_cache INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
  sha256 TEXT NOT NULL, prev_sha256 TEXT NOT NULL,
  UNIQUE (model, probe_id, sample));
CREATE TABLE IF NOT EXISTS attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, probe_id TEXT NOT NULL,
  sample INTEGER NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL, kind TEXT,
  message TEXT, latency_s REAL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS errors (
  model TEXT NOT NULL, probe_id TEXT NOT NULL, sample INTEGER NOT NULL, kind TEXT NOT NULL,
  message TEXT NOT NULL, attempts INTEGER NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (model, probe_id, sample));
CREATE TABLE IF NOT EXISTS evidence (
  id INTEGER PRIMARY KEY AUTOINCREMENT, suspect TEXT NOT NULL, reference TEXT NOT NULL,
  controls_json TEXT NOT NULL, created_at TEXT NOT NULL, json TEXT NOT NULL);
"""

# Fields of a response row that its SHA-256 covers (with prev_sha256).
HASHED_FIELDS = ("model", "probe_id", "sample", "request_json", "text", "finish_reason",
                 "tokens_in", "tokens_out", "latency_s", "server_model", "fingerprint",
                 "from_cache", "created_at")


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _response_hash(row: dict, prev: str) -> str:
    payload = {k: row.get(k) for k in HASHED_FIELDS}
    payload["prev_sha256"] = prev
    return sha256_json(payload)


class RunStore:
    """A run directory's database. Every write commits at once (a killed run loses nothing)."""

    def __init__(self, run_dir: str | Path, *, create: bool = False):
        self.run_dir = Path(run_dir)
        self.db_path = self.run_dir / DB_NAME
        if not self.db_path.exists():
            if not create:
                raise RunDirError(f"{self.run_dir}: not a run directory (no {DB_NAME})")
            if self.run_dir.exists() and not self.run_dir.is_dir():
                raise RunDirError(f"{self.run_dir}: exists and is not a directory")
            try:
                self.run_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise RunDirError(f"{self.run_dir}: cannot create run directory: {e.strerror}") from None
        try:
            self.conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as e:
            raise RunDirError(f"{self.db_path}: not a usable run database ({e})") from None
        self._lock_fd: int | None = None
        if create and self.get_manifest("created_at") is None:
            self.set_manifest("created_at", _now_iso())
            self.set_manifest("tool_version", __version__)
            self.set_manifest("sessions", [])
            self.update_manifest_hash()

    # -- locking ---------------------------------------------------------------------------
    def lock(self) -> None:
        """Take the run directory's writer lock, or fail with a clear message."""
        fd = os.open(self.run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunDirError(
                f"{self.run_dir}: another forensics process is writing to this run; "
                "wait for it to finish (or stop it) and run again to resume") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None
        self.conn.close()

    def __enter__(self) -> "RunStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- manifest --------------------------------------------------------------------------
    def get_manifest(self, key: str, default=None):
        row = self.conn.execute("SELECT value FROM manifest WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_manifest(self, key: str, value) -> None:
        self.conn.execute("INSERT OR REPLACE INTO manifest(key, value) VALUES (?, ?)",
                          (key, json.dumps(value, sort_keys=True, ensure_ascii=False)))

    def manifest(self) -> dict:
        return {r[0]: json.loads(r[1]) for r in self.conn.execute("SELECT key, value FROM manifest ORDER BY key")}

    def manifest_content(self) -> dict:
        """Everything the manifest hash covers: manifest keys, models, suites, and the chain head."""
        m = {k: v for k, v in self.manifest().items() if k != "manifest_hash"}
        models = [dict(r) for r in self.conn.execute("SELECT * FROM models ORDER BY name")]
        suites = [dict(r) for r in self.conn.execute("SELECT * FROM suites ORDER BY name")]
        return {"manifest": m, "models": models, "suites": suites, "chain_head": self.chain_head()}

    def compute_manifest_hash(self) -> str:
        return sha256_json(self.manifest_content())

    def update_manifest_hash(self) -> str:
        h = self.compute_manifest_hash()
        self.set_manifest("manifest_hash", h)
        return h

    def begin_session(self, command: list[str], settings: dict) -> None:
        sessions = self.get_manifest("sessions", [])
        sessions.append({"command": command, "settings": settings, "started_at": _now_iso(),
                         "ended_at": None, "tool_version": __version__})
        self.set_manifest("sessions", sessions)
        self.update_manifest_hash()

    def end_session(self, summary: dict) -> None:
        sessions = self.get_manifest("sessions", [])
        if sessions:
            sessions[-1]["ended_at"] = _now_iso()
            sessions[-1]["summary"] = summary
            self.set_manifest("sessions", sessions)
        self.update_manifest_hash()

    # -- models, suites, probes ------------------------------------------------------------
    def add_model(self, name: str, kind: str, spec: str, settings: dict) -> None:
        row = self.conn.execute("SELECT kind, spec FROM models WHERE name=?", (name,)).fetchone()
        if row and (row["kind"], row["spec"]) != (kind, spec):
            raise RunDirError(f"model {name!r} is already in this run as {row['spec']!r}; "
                              f"use another name for {spec!r}")
        self.conn.execute("INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?)",
                          (name, kind, spec, json.dumps(settings, sort_keys=True)))

    def model_record(self, name: str) -> tuple[str, dict] | None:
        """(kind, settings) of a model in the run, or None."""
        row = self.conn.execute("SELECT kind, settings_json FROM models WHERE name=?", (name,)).fetchone()
        return (row["kind"], json.loads(row["settings_json"])) if row else None

    def put_model(self, name: str, kind: str, spec: str, settings: dict) -> None:
        """Write a model's row as given (an import extends its own row file by file)."""
        self.conn.execute("INSERT OR REPLACE INTO models VALUES (?, ?, ?, ?)",
                          (name, kind, spec, json.dumps(settings, sort_keys=True)))

    def models(self) -> list[dict]:
        return [dict(r) | {"settings": json.loads(r["settings_json"])}
                for r in self.conn.execute("SELECT * FROM models ORDER BY name")]

    def add_suite(self, suite: Suite, source: str) -> None:
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO suites VALUES (?, ?, ?, ?)",
                              (suite.name, suite.version, suite.content_hash, source))
            self.conn.executemany(
                "INSERT OR REPLACE INTO probes VALUES (?, ?, ?, ?, ?, ?)",
                [(p.id, suite.name, p.category, p.language, p.text,
                  json.dumps(p.model_dump(mode="json", exclude_none=True), sort_keys=True))
                 for p in suite.probes])

    def suites(self) -> list[dict]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM suites ORDER BY name")]

    def probes(self) -> dict[str, Probe]:
        return {r["probe_id"]: Probe.model_validate_json(r["probe_json"])
                for r in self.conn.execute("SELECT probe_id, probe_json FROM probes")}

    def probe(self, probe_id: str) -> Probe:
        js = self.conn.execute("SELECT probe_json FROM probes WHERE probe_id=?", (probe_id,)).fetchone()[0]
        return Probe.model_validate_json(js)

    def suite_probe_ids(self, suite: str) -> list[str]:
        """The ids of a suite's probes (read in full: no cursor stays open over the table)."""
        return [r[0] for r in self.conn.execute("SELECT probe_id FROM probes WHERE suite=?", (suite,))]

    def put_probes(self, suite: str, probes: Iterable[Probe]) -> None:
        """Insert or replace probe rows of a suite (the caller holds the transaction)."""
        self.conn.executemany("INSERT OR REPLACE INTO probes VALUES (?, ?, ?, ?, ?, ?)", [
            (p.id, suite, p.category, p.language, p.text,
             json.dumps(p.model_dump(mode="json", exclude_none=True), sort_keys=True)) for p in probes])

    def put_suite_row(self, name: str, version: str, content_hash: str, source: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO suites VALUES (?, ?, ?, ?)", (name, version, content_hash, source))

    # -- responses -------------------------------------------------------------------------
    def chain_head(self) -> str:
        row = self.conn.execute("SELECT sha256 FROM responses ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else GENESIS

    def count_responses(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def model_texts(self, model: str) -> Iterator[tuple[str, str]]:
        """(probe_id, text) of a model's responses, in sample order."""
        for r in self.conn.execute("SELECT probe_id, text FROM responses WHERE model=? ORDER BY sample", (model,)):
            yield r[0], r[1]

    def completed_cells(self) -> set[tuple[str, str, int]]:
        return {(r[0], r[1], r[2]) for r in self.conn.execute("SELECT model, probe_id, sample FROM responses")}

    def add_response(self, req: Request, resp: Response, *, from_cache: bool = False,
                     request_info: dict | None = None) -> bool:
        """Store a response for its cell; returns False (and stores nothing) if the cell is done."""
        info = request_info or {"messages": list(req.messages), "params": req.params.as_dict()}
        request_json = json.dumps(info, sort_keys=True, ensure_ascii=False)
        row = {"model": req.model, "probe_id": req.probe_id, "sample": req.sample,
               "request_json": storable(request_json), "text": storable(resp.text),
               "finish_reason": resp.finish_reason, "tokens_in": resp.tokens_in,
               "tokens_out": resp.tokens_out, "latency_s": resp.latency_s,
               "server_model": storable(resp.server_model) if resp.server_model else None,
               "fingerprint": storable(resp.fingerprint) if resp.fingerprint else None,
               "from_cache": int(from_cache), "created_at": _now_iso()}
        with self.transaction():
            exists = self.conn.execute(
                "SELECT 1 FROM responses WHERE model=? AND probe_id=? AND sample=?",
                (req.model, req.probe_id, req.sample)).fetchone()
            if exists:
                return False
            prev = self.chain_head()
            row["sha256"] = _response_hash(row, prev)
            row["prev_sha256"] = prev
            cols = ", ".join(row)
            self.conn.execute(f"INSERT INTO responses ({cols}) VALUES ({', '.join('?' * len(row))})",
                              tuple(row.values()))
            self.conn.execute("DELETE FROM errors WHERE model=? AND probe_id=? AND sample=?",
                              (req.model, req.probe_id, req.sample))
            self.update_manifest_hash()
        return True

    def record_attempt(self, req: Request, attempt: int, result: Response | Failure) -> None:
        if isinstance(result, Failure):
            vals = ("error", result.kind, storable(result.message)[:2000], None)
        else:
            vals = ("ok", None, None, result.latency_s)
        self.conn.execute(
            "INSERT INTO attempts (model, probe_id, sample, attempt, status, kind, message, latency_s, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (req.model, req.probe_id, req.sample, attempt, *vals, _now_iso()))

    def record_error(self, req: Request, failure: Failure, attempts: int) -> None:
        self.conn.execute("INSERT OR REPLACE INTO errors VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (req.model, req.probe_id, req.sample, failure.kind,
                           storable(failure.message)[:2000], attempts, _now_iso()))

    def errors(self) -> list[dict]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM errors ORDER BY model, probe_id, sample")]

    def iter_responses(self) -> Iterable[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM responses ORDER BY seq")

    # -- evidence --------------------------------------------------------------------------
    def add_evidence(self, suspect: str, reference: str, controls: list[str], payload: dict) -> int:
        cur = self.conn.execute(
            "INSERT INTO evidence (suspect, reference, controls_json, created_at, json) VALUES (?, ?, ?, ?, ?)",
            (suspect, reference, json.dumps(controls), _now_iso(), json.dumps(payload, sort_keys=True)))
        return int(cur.lastrowid)

    def latest_evidence(self) -> list[dict]:
        rows = self.conn.execute(
            "SELECT * FROM evidence WHERE id IN (SELECT MAX(id) FROM evidence GROUP BY suspect, reference)"
            " ORDER BY id")
        return [dict(r) | {"payload": json.loads(r["json"])} for r in rows]


def verify_store(store: RunStore) -> list[str]:
    """Recompute every response hash, the chain, and the manifest hash; list what changed."""
    problems: list[str] = []
    prev = GENESIS
    for r in store.iter_responses():
        row = dict(r)
        cell = f"{row['model']}/{row['probe_id']}/sample {row['sample']} (seq {row['seq']})"
        if row["prev_sha256"] != prev:
            problems.append(f"chain broken before {cell}: a response was deleted, inserted or reordered")
        if _response_hash(row, row["prev_sha256"]) != row["sha256"]:
            problems.append(f"response {cell} was edited: its SHA-256 does not match its content")
        prev = row["sha256"]
    stored = store.get_manifest("manifest_hash")
    if stored != store.compute_manifest_hash():
        problems.append("manifest hash mismatch: the manifest, models, suites or the response chain "
                        "changed after the run was sealed")
    return problems
