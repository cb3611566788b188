"""Collect: asking at scale. Cells, resume, per-endpoint concurrency, retries, fail-fast on a
dead endpoint, the response cache, and importing transcripts you already have."""

from ._engine import EndpointDown, Engine, RunSettings, RunSummary, plan_requests
from ._import import ADHOC_DESCRIPTION, ADHOC_SUITE, adhoc_probe_id, import_transcripts
from ._run import run_suite
from ._score import ScoreSummary, score_run, scorer_id, texts_to_score

__all__ = [
    "ADHOC_DESCRIPTION",
    "ADHOC_SUITE",
    "EndpointDown",
    "Engine",
    "RunSettings",
    "RunSummary",
    "ScoreSummary",
    "adhoc_probe_id",
    "import_transcripts",
    "plan_requests",
    "run_suite",
    "score_run",
    "scorer_id",
    "texts_to_score",
]
