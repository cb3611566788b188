"""The report's template context, built from a Run and its Evidence objects (no HTML here)."""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from forensics.backends import ModelConfig
from forensics.analysis import analysis_info, family_info
from forensics.core import redact_urls_in
from forensics.evidence import BANDS, REASON_KINDS

from . import _figures as figures
from . import _plots as plots
from ._exhibits import _build_exhibits
from ._radioactivity import _radioactivity_context
from ._validation_section import _validation_context
from ._format import (
    DASH,
    _anchor,
    _cell,
    _df_table,
    _finite,
    _fmt,
    _fmt_p,
    _fmt_ratio,
    _fmt_signed,
)
from ._text import _show_text, _visible_text

if TYPE_CHECKING:  # pragma: no cover
    from forensics.evidence import Evidence
    from forensics.store import Run

_SECRET_KEYS = re.compile(r"(?i)(api_key$|token|secret|password|authorization)")
_DEFAULTS = {k: f.default for k, f in ModelConfig.model_fields.items()}  # not worth showing
SMALL_TABLE_ROWS = 30
TRANSCRIPT_ROWS = 20_000


def _title(name: str) -> str:
    """An analysis' title from the catalogue (its escaped name when it is not catalogued)."""
    info = analysis_info(name)
    return info.title if info else _visible_text(name)


def _num(x: object) -> float:
    """A float, NaN for anything that is not a number."""
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def _verdict_context(ev: Evidence, n_controls: int) -> dict:
    """The verdict block: wording, LR, propositions, reasons sorted by kind."""
    v = ev.verdict
    reasons: dict[str, list[str]] = {k: [] for k in REASON_KINDS}
    for r in v.reasons:
        reasons[r.kind].append(_visible_text(r.text))
    if v.inconclusive and not reasons["inconclusive"]:
        reasons["inconclusive"].append("the analysis gave no further reason")
    lr = _num(v.log10_lr)
    kind = ("inconclusive" if v.inconclusive else "none" if abs(v.level) <= 1
            else "h1" if v.level > 0 else "h2")
    scale = []
    lower = 1.0
    for edge, level, label in BANDS:
        scale.append({"low": f"{lower:,.0f}", "high": f"{edge:,.0f}" if math.isfinite(edge) else "",
                      "level": _fmt(level), "label": label,
                      "current": not v.inconclusive and abs(v.level) == level})
        lower = edge
    return {"wording": _visible_text(v.wording), "level": _fmt(int(v.level)), "log10_lr": _fmt_signed(lr),
            "ratio": _fmt_ratio(lr), "inconclusive": bool(v.inconclusive), "kind": kind,
            "propositions": [{"key": k, "text": _visible_text(str(t))} for k, t in v.propositions.items()],
            "reasons": reasons, "scale": scale, "n_controls": _fmt(n_controls)}


def _position(stat: float, ctrl: Sequence[float]) -> tuple[str, int, int]:
    """Where S's statistic falls among the controls': above_all, below_all, among or unknown."""
    c = [x for x in ctrl if math.isfinite(x)]
    if not math.isfinite(stat) or not c:
        return "unknown", 0, len(c)
    below = sum(x < stat for x in c)
    return ("above_all" if below == len(c) else "below_all" if below == 0 else "among"), below, len(c)


def _analysis_context(row: pd.Series, ev: Evidence, idx: str, suspect: str) -> dict:
    """One analysis section: description, numbers, plain reading, figure, small table."""
    name = str(row["analysis"])
    family = str(row.get("family", name.split(".")[0]))
    title = _title(name)
    null = ev.tables.get("null", pd.DataFrame(columns=["analysis", "model", "role", "statistic"]))
    ctrl = null[(null["analysis"] == name) & (null["role"] == "control")]
    ctrl_stats = {str(m): _num(s) for m, s in zip(ctrl["model"], ctrl["statistic"])}
    stat = _num(row.get("statistic"))
    pos, below, k = _position(stat, list(ctrl_stats.values()))
    llr = _num(row.get("log10_lr"))
    used = bool(row.get("applicable")) and math.isfinite(llr)
    figure = None
    if math.isfinite(stat) and ctrl_stats:
        figure = {"uri": figures._null_figure(stat, ctrl_stats, suspect, _num(row.get("control_mean")),
                                             _num(row.get("control_sd")), f"statistic: {name}"),
                  "alt": f"Dot plot of the statistic of the analysis '{title}' for the suspect "
                         f"(diamond) and {k} controls (circles); the suspect scores higher than "
                         f"{below} of the {k} controls.",
                  "caption": f"{title}: the suspect's statistic (diamond) against the controls' "
                             "(circles), each computed against the reference; band: controls' "
                             "mean ± one SD.", "narrow": False}
    table = ev.tables.get(name)
    scatter = _scatter_figure(name, title, table) if used else None
    small = (_df_table(table, f"{title}: per-model values") if isinstance(table, pd.DataFrame)
             and 0 < len(table) <= SMALL_TABLE_ROWS else None)
    return {
        "id": idx, "name": _visible_text(name), "title": title, "family": _visible_text(family),
        "about": fam.about if (fam := family_info(family)) else "", "method": _cell(row.get("note")) if used else "",
        "used": used, "skip_reason": "" if used else _cell(row.get("note")),
        "stat": _fmt(stat), "effect": _fmt(row.get("effect")), "ci_low": _fmt(row.get("ci_low")),
        "ci_high": _fmt(row.get("ci_high")), "p": _fmt_p(row.get("p_value")),
        "p_holm": _fmt_p(row.get("p_holm")), "n": _fmt(row.get("n")), "z": _fmt(row.get("z")),
        "control_mean": _fmt(row.get("control_mean")), "log10_lr": _fmt_signed(llr),
        "contribution": _fmt_signed(row.get("log10_lr_contribution")),
        "direction": ("h1" if llr > 0.05 else "h2" if llr < -0.05 else "neutral") if used else "unused",
        "position": pos, "n_below": _fmt(below), "n_controls": _fmt(k),
        "figures": [f for f in (figure, scatter) if f],
        "table": small, "table_rows": _fmt(len(table)) if isinstance(table, pd.DataFrame) else "",
    }


def _overview_figures(summary: pd.DataFrame, ev: Evidence) -> tuple[dict | None, dict | None]:
    """The LR contributions (verdict) and all analyses' null distributions (analyses section)."""
    used = summary[summary["log10_lr_contribution"].map(_finite)]
    lr = None if used.empty else {
        "uri": figures._to_uri(plots.plot_lr_contributions(ev)),
        "alt": f"Bar chart of the contribution of each of the {len(used)} analyses used to the "
               "combined log10 likelihood ratio; bars to the right favour H1, to the left H2.",
        "caption": "Each analysis' weighted contribution to the combined log10 likelihood ratio "
                   "(analyses of one family are averaged, related families down-weighted)."}
    null = ev.tables.get("null")
    rows = []
    for r in summary.itertuples(index=False):
        mean, sd = _num(r.control_mean), _num(r.control_sd)
        if not (bool(r.applicable) and math.isfinite(mean) and math.isfinite(sd) and sd > 0):
            continue
        ctrl = [] if null is None else null.loc[(null["analysis"] == r.analysis)
                                                & (null["role"] == "control"), "statistic"]
        rows.append((_title(str(r.analysis)).split(" (")[0],
                     (_num(r.statistic) - mean) / sd, [(_num(c) - mean) / sd for c in ctrl]))
    nulls = None
    if rows:
        nulls = {"uri": figures._z_figure(rows),
                 "alt": f"Dot plot, one row per analysis used ({len(rows)}): each control's "
                        "statistic (circles) and the suspect's (diamond), in standard deviations "
                        "from the controls' mean.",
                 "caption": "All analyses at a glance: the suspect's statistic against the "
                            "controls', standardised by the controls' mean and (floored) spread; "
                            "band: ± one SD."}
    return lr, nulls


def _scatter_figure(name: str, title: str, table: object) -> dict | None:
    """Per-probe similarity scatter for analyses whose table has S↔R and S↔nearest control."""
    if not (isinstance(table, pd.DataFrame) and {"sim_sr", "sim_sc_max"} <= set(table.columns)
            and len(table)):
        return None
    return {"uri": figures._to_uri(plots.plot_probe_scatter(table, title=name)),
            "alt": f"Scatter plot, one point per probe ({len(table)} probes): the suspect's "
                   "similarity to the reference against its similarity to the nearest control.",
            "caption": f"{title}: points above the diagonal are probes on which the suspect is "
                       "nearer the reference than any control.", "narrow": True}


def _pair_context(ev: Evidence, idx: int, texts: dict, probes: dict, created_at: str | None,
                 run_hash: str | None = None, reasoning: dict | None = None) -> dict:
    """Everything shown about one suspect/reference comparison."""
    st = ev.settings
    suspect, reference = str(st.get("suspect", "suspect")), str(st.get("reference", "reference"))
    controls = [str(c) for c in st.get("controls", [])]
    pid = f"pair-{idx}"
    summary = ev.summary.copy()
    for col in ("statistic", "effect", "ci_low", "ci_high", "p_value", "n", "log10_lr", "p_holm",
                "log10_lr_contribution", "control_mean", "control_sd", "z", "note"):
        if col not in summary:
            summary[col] = np.nan
    if "applicable" not in summary:
        summary["applicable"] = summary["log10_lr"].map(_finite)
    if "family" not in summary:
        summary["family"] = [str(a).split(".")[0] for a in summary["analysis"]]
    analyses = [_analysis_context(row, ev, f"{pid}-a{i}", suspect)
                for i, (_, row) in enumerate(summary.iterrows(), 1)]
    p_holm = pd.to_numeric(summary["p_holm"], errors="coerce").dropna()
    minimums = st.get("minimums") or {}
    overview = _overview_figures(summary, ev)
    tables = [_df_table(summary, "All analyses: statistics, tests and likelihood ratios")]
    for key, caption in (("families", "Families: averaged log10 LR, weight and contribution"),
                         ("robustness", "Robustness: each control dropped, and scored as suspect"),
                         ("null", "The null sample: every analysis' statistic for the suspect "
                                  "and for each control")):
        if isinstance(ev.tables.get(key), pd.DataFrame):
            tables.append(_df_table(ev.tables[key], caption))
    settings = {k: _cell(v) for k, v in st.items() if k not in ("suspect", "reference", "controls")}
    return {
        "id": pid, "suspect": _visible_text(suspect), "reference": _visible_text(reference),
        "controls": [_visible_text(c) for c in controls], "n_controls": _fmt(len(controls)),
        "few_controls": len(controls) < max(3, int(minimums.get("controls", 2) or 2) + 1),
        "min_controls": _fmt(minimums.get("controls")), "min_probes": _fmt(minimums.get("probes")),
        "n_probes": _fmt(st.get("n_probes")), "n_scorable": _fmt(st.get("n_scorable")),
        "verdict": _verdict_context(ev, len(controls)), "analyses": analyses,
        "n_used": _fmt(sum(a["used"] for a in analyses)), "n_analyses": _fmt(len(analyses)),
        "min_p_holm": _fmt_p(p_holm.min()) if len(p_holm) else DASH,
        "lr_figure": overview[0], "null_figure": overview[1],
        "radioactivity": _radioactivity_context(ev),
        "validation": _validation_context(st),
        "exhibits": _build_exhibits(ev.exhibits, texts, probes, suspect, reference, controls, _title,
                                    reasoning=reasoning),
        "tables": tables, "settings": settings, "created_at": _cell(created_at) if created_at else "",
        "python": _python_command(st, suspect, reference, controls),
        "cli": _cli_command(st, suspect, reference, controls),
        "evidence_run_hash": _cell(st.get("run_manifest_hash") or ""),
        "stale": bool(st.get("run_manifest_hash") and run_hash
                      and st.get("run_manifest_hash") != run_hash),
    }


def _cli_command(st: dict, suspect: str, reference: str, controls: list[str]) -> str:
    """The `forensics analyze` command line for this comparison (plain text; escaped by the template)."""
    import shlex

    parts = ["forensics", "analyze", "RUN_DIR", "--suspect", suspect, "--reference", reference]
    for c in controls:
        parts += ["--control", c]
    if "seed" in st:
        parts += ["--seed", str(st["seed"])]
    wm = st.get("watermark")
    if isinstance(wm, dict) and wm.get("reference") == reference:  # the key file: only its place is shown
        parts += ["--watermark-key", "KEYFILE", "--watermark-tokenizer", str(wm.get("tokenizer") or "SPEC")]
        parts += [x for k in ("gamma", "delta", "context") if k in wm for x in (f"--watermark-{k}", str(wm[k]))]
    return _visible_text(" ".join(shlex.quote(p) for p in parts))


def _python_command(st: dict, suspect: str, reference: str, controls: list[str]) -> str:
    """The analysis call that reproduces this comparison (plain text; the template escapes it)."""
    opts = ", ".join(f"{k}={st[k]!r}" for k in ("seed", "n_perm", "n_boot") if k in st)
    emb = st.get("embedding")
    embed = "" if emb in (None, "embed") else f"  # embedding used: {emb}"
    return _visible_text(
        "import forensics\n"
        f"ev = forensics.analyze_responses(forensics.load_run(RUN_DIR).responses, {suspect!r}, {reference!r}, "
        f"{controls!r}{', ' + opts if opts else ''}){embed}")


def _model_rows(run: Run, roles: dict[str, list[str]]) -> list[dict]:
    """One row per model: spec (stored redacted), backend, overrides, counts, dates."""
    resp, errs = run.responses, run.errors
    rows = []
    for rec in run.models.itertuples(index=False):
        name = str(rec.name)
        try:
            settings = json.loads(rec.settings_json)
        except (TypeError, ValueError):
            settings = {}
        backend = settings.pop("backend", {}) if isinstance(settings, dict) else {}
        overrides = {k: v for k, v in (settings or {}).items() if v is not None
                     and k not in ("name", "spec") and v != _DEFAULTS.get(k, object())
                     and not _SECRET_KEYS.search(k)}
        mine = resp[resp["model"] == name]
        served = sorted({str(s) for s in mine["server_model"].dropna().unique()})[:3]
        rows.append({
            "name": _visible_text(name), "roles": ", ".join(roles.get(name, [])) or "not compared",
            "kind": _cell(rec.kind), "spec": _cell(redact_urls_in(rec.spec)),
            "backend": _cell(backend.get("kind") if isinstance(backend, dict) else backend),
            "overrides": _cell(", ".join(f"{k}={v}" for k, v in sorted(overrides.items()))),
            "responses": _fmt(len(mine)), "probes": _fmt(mine["probe_id"].nunique()),
            "samples": _fmt(int(mine["sample"].max()) + 1 if len(mine) else 0),
            "errors": _fmt(int((errs["model"] == name).sum()) if len(errs) else 0),
            "first": _cell(mine["created_at"].min()) if len(mine) else DASH,
            "last": _cell(mine["created_at"].max()) if len(mine) else DASH,
            "served_as": _cell(", ".join(served)) if served else DASH,
        })
    return rows


def _run_context(run: Run, pairs_roles: dict[str, list[str]], verification: list[str] | None) -> dict:
    """What was done: models, suites, sessions, settings; and the chain of custody."""
    m = run.manifest
    resp = run.responses
    per_suite = resp.groupby("suite")["probe_id"].nunique().to_dict() if len(resp) else {}
    suites = [{"name": _cell(s.name), "version": _cell(s.version), "hash": _cell(s.hash),
               "source": _cell(s.source), "probes": _fmt(per_suite.get(s.name, 0))}
              for s in run.suites.itertuples(index=False)]
    sessions = []
    for s in m.get("sessions", []) or []:
        cmd = s.get("command") or []
        sessions.append({
            "command": _visible_text(shlex.join(redact_urls_in(a) for a in cmd) if isinstance(cmd, list)
                                    else redact_urls_in(cmd)),
            "started": _cell(s.get("started_at")), "ended": _cell(s.get("ended_at")),
            "tool_version": _cell(s.get("tool_version")),
            "settings": _cell(", ".join(f"{k}={v}" for k, v in sorted((s.get("settings") or {}).items()))),
            "summary": _cell(", ".join(f"{k}={v}" for k, v in sorted((s.get("summary") or {}).items())
                                      if v not in ({}, None))),
        })
    transcripts = resp[["model", "probe_id", "sample", "created_at", "sha256"]].head(TRANSCRIPT_ROWS)
    return {
        "path": _visible_text(str(run.path)), "created_at": _cell(m.get("created_at")),
        "tool_version": _cell(m.get("tool_version")), "manifest_hash": _cell(m.get("manifest_hash")),
        "n_responses": _fmt(len(resp)), "n_models": _fmt(len(run.models)),
        "n_probes": _fmt(resp["probe_id"].nunique() if len(resp) else 0), "n_errors": _fmt(len(run.errors)),
        "models": _model_rows(run, pairs_roles), "suites": suites, "sessions": sessions,
        "verified": verification is not None and not verification,
        "checked": verification is not None,
        "problems": [_visible_text(p) for p in (verification or [])],
        "transcripts": [[_visible_text(str(a)), _visible_text(str(b)), _fmt(int(c)), _cell(d), str(e)]
                        for a, b, c, d, e in transcripts.itertuples(index=False, name=None)],
        "transcripts_omitted": _fmt(max(len(resp) - TRANSCRIPT_ROWS, 0)),
        "transcripts_more": len(resp) > TRANSCRIPT_ROWS,
    }


def _probe_context(run: Run) -> tuple[dict[str, dict], list[dict]]:
    """Probe lookup (id → prompt, answer) and the appendix rows, each with its anchor."""
    resp = run.responses
    first = resp.drop_duplicates("probe_id")[["probe_id", "suite", "category", "language",
                                              "prompt", "answer"]]
    lookup = {str(r.probe_id): {"prompt": r.prompt, "answer": r.answer}
              for r in first.itertuples(index=False)}
    rows = [{"anchor": _anchor("probe", str(r.probe_id)), "id": _visible_text(str(r.probe_id)),
             "suite": _cell(r.suite), "category": _cell(r.category), "language": _cell(r.language),
             "prompt": _show_text(r.prompt, 500).segments()}
            for r in first.sort_values(["suite", "probe_id"]).itertuples(index=False)]
    return lookup, rows


def _response_reasoning(run: Run) -> dict[tuple[str, str, int], str]:
    """(model, probe_id, sample) → the response's reasoning trace, for responses that have one."""
    r = run.responses
    if "reasoning" not in r.columns:
        return {}
    return {(str(m), str(p), int(s)): t for m, p, s, t in
            zip(r["model"], r["probe_id"], r["sample"], r["reasoning"]) if isinstance(t, str) and t}


def _response_texts(run: Run) -> dict[tuple[str, str, int], str]:
    """(model, probe_id, sample) → full stored response text."""
    r = run.responses
    return {(str(m), str(p), int(s)): t for m, p, s, t in
            zip(r["model"], r["probe_id"], r["sample"], r["text"])}
