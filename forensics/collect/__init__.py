"""Collect: asking at scale. Cells, resume, per-endpoint concurrency, retries, fail-fast on a
dead endpoint, the response cache, and importing transcripts you already have (one file, or a
labelled panel's folder of them, once)."""

from ._engine import EndpointDown, Engine, RunSettings, RunSummary, plan_requests
from ._import import ADHOC_DESCRIPTION, ADHOC_SUITE, adhoc_probe_id, import_transcripts
from ._panel import PANEL_MANIFEST_KEY, import_panel, imported_panel, panel_files
from ._run import run_suite
from ._score import ScoreSummary, score_run, scorer_id, texts_to_score

__all__ = [
    "ADHOC_DESCRIPTION",
    "ADHOC_SUITE",
    "PANEL_MANIFEST_KEY",
    "EndpointDown",
    "Engine",
    "RunSettings",
    "RunSummary",
    "ScoreSummary",
    "adhoc_probe_id",
    "import_panel",
    "import_transcripts",
    "imported_panel",
    "panel_files",
    "plan_requests",
    "run_suite",
    "score_run",
    "scorer_id",
    "texts_to_score",
]
