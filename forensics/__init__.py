"""distill-forensics: was suspect model S distilled from reference model R?

Notebook API::

    import forensics
    run = forensics.run_suite(["s=openai:my-model@http://127.0.0.1:8000/v1"], out="runs/x")
    run = forensics.load_run("runs/x")
    run.responses            # pandas DataFrame, one row per stored response
    ev = forensics.analyze(run, suspect="s", reference="r")
    forensics.write_report("runs/x")

The stages are packages of their own (probes, watermark, backends, collect, store, analysis, evidence,
report, cli); this module re-exports what notebooks and the report's reproduce snippet use.
"""

from typing import TYPE_CHECKING

from forensics._version import __version__
from forensics.backends import (
    Capabilities,
    Failure,
    ModelConfig,
    Params,
    Request,
    Response,
    load_tokenizer,
)
from forensics.collect import (
    RunSettings,
    RunSummary,
    import_panel,
    import_transcripts,
    run_suite,
)
from forensics.core import ForensicsError, InputError, IntegrityError, RunDirError
from forensics.probes import Probe, Suite, bundled_suites, load_suite
from forensics.store import Run, export_run, load_run, verify_run
from forensics.watermark import WatermarkKey, load_key, write_new_key

__all__ = [
    "Capabilities",
    "Evidence",
    "Exhibit",
    "Failure",
    "ForensicsError",
    "InputError",
    "IntegrityError",
    "ModelConfig",
    "Params",
    "Probe",
    "Reason",
    "Request",
    "Response",
    "Run",
    "RunDirError",
    "RunSettings",
    "RunSummary",
    "Suite",
    "Verdict",
    "WatermarkEvidence",
    "WatermarkKey",
    "__version__",
    "analyze",
    "analyze_pairs",
    "analyze_responses",
    "bundled_suites",
    "export_run",
    "import_panel",
    "import_transcripts",
    "load_key",
    "load_run",
    "load_suite",
    "load_tokenizer",
    "rank",
    "run_suite",
    "stored_evidence",
    "verify_run",
    "write_new_key",
    "write_report",
]

# Analysis and report names load on first use, so the CLI's run/import/verify start fast. The imports
# below are what linters and type checkers see; _LAZY is what runs, and tests/test_architecture.py
# checks that both name the same names from the same modules.
if TYPE_CHECKING:
    from forensics.analysis import Exhibit
    from forensics.evidence import (
        Evidence,
        Reason,
        Verdict,
        WatermarkEvidence,
        analyze,
        analyze_pairs,
        analyze_responses,
        rank,
        stored_evidence,
    )
    from forensics.report import write_report

_LAZY = {"Exhibit": "forensics.analysis",
         "Evidence": "forensics.evidence", "Reason": "forensics.evidence", "Verdict": "forensics.evidence",
         "WatermarkEvidence": "forensics.evidence", "analyze": "forensics.evidence",
         "analyze_pairs": "forensics.evidence", "analyze_responses": "forensics.evidence",
         "rank": "forensics.evidence", "stored_evidence": "forensics.evidence",
         "write_report": "forensics.report"}


def __getattr__(name: str) -> object:
    """Import an analysis or report name on first use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'forensics' has no attribute {name!r}")
