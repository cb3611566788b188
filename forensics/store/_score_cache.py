"""Scores of stored texts under a model's weights, cached in the run directory (`cache/scores.sqlite`).

A score is keyed by (scorer id, text key): the scorer id names the weights (the SHA-256 of the
GGUF file), the text key hashes the prompt messages and the text. A scorer's run name (e.g.
"SmolLM2-135M") maps to its id, so that the evidence can ask for "the text's log-probability
under R's weights". Recomputing a score from the same transcripts and weights gives the same
numbers, so the cache is a convenience, outside the run's hash chain.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

SCORES_FILE = "scores.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scorers (name TEXT PRIMARY KEY, scorer_id TEXT NOT NULL, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scores (scorer_id TEXT NOT NULL, text_key TEXT NOT NULL,
  n_tokens INTEGER NOT NULL, logprob REAL NOT NULL, PRIMARY KEY (scorer_id, text_key));
"""


def text_key(messages: Sequence[dict], text: str) -> str:
    """Hash of the prompt messages and the scored text (any string, lone surrogates included)."""
    blob = json.dumps(list(messages), ensure_ascii=True, sort_keys=True) + "\0" + text
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


class ScoreCache:
    """Read and write text scores of one run directory."""

    def __init__(self, run_dir: str | Path):
        path = Path(run_dir) / "cache" / SCORES_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, timeout=30)
        self.conn.executescript(_SCHEMA)

    def __enter__(self) -> "ScoreCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    def add_scorer(self, name: str, scorer_id: str, spec: str) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO scorers VALUES (?, ?, ?)", (name, scorer_id, spec))

    def scorers(self) -> dict[str, str]:
        """Scorer name -> scorer id."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT name, scorer_id FROM scorers ORDER BY name")}

    def known(self, scorer_id: str, keys: Iterable[str]) -> set[str]:
        """The keys already scored by this scorer."""
        have = {r[0] for r in self.conn.execute("SELECT text_key FROM scores WHERE scorer_id=?", (scorer_id,))}
        return have & set(keys)

    def put(self, scorer_id: str, rows: Iterable[tuple[str, int, float]]) -> None:
        """Store (text key, number of tokens, summed natural-log probability) rows."""
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?)",
                                  [(scorer_id, k, int(n), float(lp)) for k, n, lp in rows])

    def table(self) -> pd.DataFrame:
        """Every cached score with its scorer's name: columns scorer, text_key, n_tokens, logprob."""
        return pd.read_sql_query(
            "SELECT s.name AS scorer, c.text_key, c.n_tokens, c.logprob FROM scores c"
            " JOIN scorers s ON s.scorer_id = c.scorer_id ORDER BY s.name, c.text_key", self.conn)


def run_texts(run_dir: str | Path) -> pd.DataFrame:
    """Every stored response with what a scorer sees: columns model, probe_id, category, sample,
    messages (the probe's own chat, without any run-level system prompt: the same for every
    model), text, text_key."""
    from ._db import RunStore

    with RunStore(run_dir) as st:
        probes = st.probes()
        rows = st.conn.execute("SELECT model, probe_id, sample, text FROM responses"
                               " ORDER BY model, probe_id, sample").fetchall()
    out = []
    for model, pid, sample, text in rows:
        probe = probes.get(pid)
        messages = probe.chat() if probe is not None else []
        category = probe.category if probe is not None else ""
        out.append((model, pid, category, int(sample), messages, text or "", text_key(messages, text or "")))
    return pd.DataFrame(out, columns=["model", "probe_id", "category", "sample", "messages", "text", "text_key"])


def cached_scores(run_dir: str | Path) -> pd.DataFrame:
    """The run's cached scores (empty frame when nothing was scored)."""
    if not (Path(run_dir) / "cache" / SCORES_FILE).is_file():
        return pd.DataFrame(columns=["scorer", "text_key", "n_tokens", "logprob"])
    with ScoreCache(run_dir) as cache:
        return cache.table()
