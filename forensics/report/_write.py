"""The HTML evidence report: one self-contained file (inline CSS, PNG data-URI figures, no script).

`write_report(run_dir)` renders the evidence stored in a run (`forensics analyze` stores it);
`render_report(run, evidences)` renders given Evidence objects. Templates and CSS live in
`templates/` beside this module. Model text reaches the page only as escaped text.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import jinja2

from forensics._version import __version__
from forensics.core import InputError
from forensics.evidence import Evidence, stored_evidence
from forensics.store import Run, load_run, verify_run

from ._context import _pair_context, _probe_context, _response_reasoning, _response_texts, _run_context
from ._text import DISPLAY_CHARS, MIN_SHARED_WORDS, _visible_text

TEMPLATE = "report.html.j2"
TITLE = "Distillation evidence report"
CI_LABEL = "95% CI"  # the analyses report percentile-bootstrap 95% intervals
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _reports_dir() -> Path:
    """Where the templates and CSS live: `forensics/report/templates/` inside the package."""
    return Path(__file__).resolve().parent / "templates"


def _environment() -> jinja2.Environment:
    """The report's Jinja2 environment: autoescape everywhere, undefined names are errors."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_reports_dir())),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _roles(pairs: list[dict]) -> dict[str, list[str]]:
    """Each model's roles across the comparisons (suspect, reference, control)."""
    out: dict[str, list[str]] = {}
    for p in pairs:
        for name, role in [(p["suspect"], "suspect"), (p["reference"], "reference"),
                           *[(c, "control") for c in p["controls"]]]:
            if role not in out.setdefault(name, []):
                out[name].append(role)
    return out


def _levels(multi: bool) -> dict[str, int]:
    """Heading levels: with several comparisons each gets an h2 and its sections move down one."""
    base = 3 if multi else 2
    return {"run": 2, "section": base, "sub": base + 1, "subsub": base + 2}


def render_report(run: Run, evidences: Sequence[Evidence], *,
                  verification: list[str] | None = None,
                  evidence_dates: Sequence[str | None] | None = None) -> str:
    """The report as one HTML string. `verification`: problems from `verify_run` (None: unchecked)."""
    if not evidences:
        raise InputError("no evidence to report: run `forensics analyze` first")
    texts, reasoning = _response_texts(run), _response_reasoning(run)
    probes, probe_rows = _probe_context(run)
    dates = list(evidence_dates or [None] * len(evidences))
    run_hash = run.manifest.get("manifest_hash")
    pairs = [_pair_context(ev, i, texts, probes, dates[i - 1] if i <= len(dates) else None, run_hash, reasoning)
             for i, ev in enumerate(evidences, 1)]
    multi = len(pairs) > 1
    context = {
        "title": TITLE, "tool_version": __version__,
        "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "run": _run_context(run, _roles(pairs), verification), "pairs": pairs, "multi": multi,
        "lv": _levels(multi), "probes": probe_rows,
        "display_chars": f"{DISPLAY_CHARS:,}", "min_shared_words": str(MIN_SHARED_WORDS),
        "ci_label": CI_LABEL, "example_token": _visible_text("\u202e"),
    }
    return _environment().get_template(TEMPLATE).render(**context)


def write_report(run_dir: str | Path, output: str | Path | None = None, *,
                 evidences: list[Evidence] | None = None) -> Path:
    """Render the report of a run to `output` (default RUN_DIR/report.html); returns the path."""
    run_dir = Path(run_dir)
    dates: list[str | None] | None = None
    if evidences is None:
        evidences = stored_evidence(run_dir)
        if not evidences:
            raise InputError(f"{run_dir}: no evidence stored in this run; run `forensics analyze` "
                             "first, then make the report")
        dates = [ev.stored_at for ev in evidences]
    run = load_run(run_dir)
    html = render_report(run, evidences, verification=verify_run(run_dir), evidence_dates=dates)
    return _atomic_write(Path(output) if output is not None else run_dir / "report.html", html)


def _atomic_write(out: Path, html: str) -> Path:
    """Write a page whole or not at all (a reader never sees half a file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".report-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
