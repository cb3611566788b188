"""The store: what was answered. Owns every SQL statement: the run database (hash chain, lock),
the Run loaded as DataFrames, export and verify, and the response cache shared across runs."""

from ._db import DB_NAME, RunStore, verify_store
from ._response_cache import ResponseCache, cache_key, default_cache_dir
from ._score_cache import SCORES_FILE, ScoreCache, cached_scores, run_texts, text_key
from ._run import EXPORT_COLUMNS, Run, export_run, load_run, require_intact, verify_run

__all__ = [
    "DB_NAME",
    "EXPORT_COLUMNS",
    "ResponseCache",
    "SCORES_FILE",
    "ScoreCache",
    "Run",
    "RunStore",
    "cache_key",
    "cached_scores",
    "default_cache_dir",
    "export_run",
    "load_run",
    "require_intact",
    "run_texts",
    "text_key",
    "verify_run",
    "verify_store",
]
