"""distill-forensics: was suspect model S distilled from reference model R?

Notebook API::

    import forensics
    run = forensics.run_suite(["s=openai:my-model@http://127.0.0.1:8000/v1"], out="runs/x")
    run = forensics.load_run("runs/x")
    run.responses            # pandas DataFrame, one row per stored response
"""

from ._errors import ForensicsError, InputError, IntegrityError, RunDirError
from ._version import __version__
from .api import Run, export_run, load_run, run_suite, verify_run
from .backends.base import Capabilities, Failure, Params, Request, Response
from .importing import import_transcripts
from .probes import Probe, Suite, bundled_suites, load_suite
from .runner import RunSettings, RunSummary
from .specs import ModelConfig

__all__ = [
    "Capabilities",
    "Evidence",
    "Failure",
    "ForensicsError",
    "InputError",
    "IntegrityError",
    "ModelConfig",
    "Params",
    "Probe",
    "Request",
    "Response",
    "Run",
    "RunDirError",
    "RunSettings",
    "RunSummary",
    "Suite",
    "Verdict",
    "__version__",
    "analyze",
    "analyze_pairs",
    "bundled_suites",
    "export_run",
    "import_transcripts",
    "load_run",
    "load_suite",
    "rank",
    "run_suite",
    "stored_evidence",
    "verify_run",
]

_LAZY = {"analyze": "._analyze", "analyze_pairs": "._parallel", "rank": "._analyze", "stored_evidence": "._analyze",
         "Evidence": ".evidence", "Verdict": ".evidence"}


def __getattr__(name: str):
    """Analysis names load on first use, so the CLI's run/import/verify start fast."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'forensics' has no attribute {name!r}")

