"""Exhibits for the report: side-by-side matches, identical wrong answers, identity claims (self
and role-play persona claims apart), tics.

Every model-derived string leaves here as display text or `Segment`s; the template escapes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from forensics.analysis import Exhibit

from ._format import _anchor, _cell, _fmt, _fmt_pct
from ._text import _marked_share, _shared_spans, _show_text, _visible_text

N_MATCHES = 6
N_WRONG = 10
N_IDENTITY = 12
N_TICS = 15
PROMPT_CHARS = 500
ANSWER_CHARS = 300
QUOTE_CHARS = 400

TextKey = tuple[str, str, int]


# The report's exhibit groups, by the kind each analysis gave its exhibits.
_GROUP = {"shared_text": "match", "shared_wrong_answer": "wrong", "shared_failure": "wrong",
          "identity_claim": "identity", "identity_persona_claim": "persona", "verbal_tic": "tic"}


def _lookup(texts: Mapping[TextKey, str], model: str, probe_id: str, sample: object,
            fallback: object) -> object:
    """The stored full response when the run has it, else the exhibit's own (truncated) copy."""
    try:
        key = (str(model), str(probe_id), int(sample))
    except (TypeError, ValueError):
        return fallback
    return texts.get(key, fallback)


def _probe_ref(probes: Mapping[str, dict], probe_id: object) -> dict:
    """A probe id with its in-page anchor (None when the probe is not in the appendix)."""
    pid = str(probe_id)
    info = probes.get(pid)
    return {"id": _visible_text(pid), "anchor": _anchor("probe", pid) if info else None,
            "prompt": _show_text(info["prompt"] if info else "", PROMPT_CHARS).segments()}


def _column(role: str, model: str, sample: object, shown, marks, trace=None) -> dict:
    """One column of a side-by-side exhibit (with the response's reasoning trace, if any)."""
    return {"role": role, "model": _visible_text(str(model)), "sample": _cell(sample),
            "reasoning": trace.segments() if trace is not None else None,
            "reasoning_length": _fmt(trace.length) if trace is not None else "",
            "segments": shown.segments(marks), "truncated": shown.truncated,
            "length": _fmt(shown.length), "shown_chars": _fmt(len(shown.visible)),
            "sha256": shown.sha256, "shared": _fmt_pct(_marked_share(shown.visible, marks))}


def _matches(items: list[dict], texts: Mapping[TextKey, str], probes: Mapping[str, dict],
             titles: Callable[[str], str], reasoning: Mapping[TextKey, str] | None = None) -> list[dict]:
    """The probes most often and most strongly flagged by the similarity-type analyses."""
    by_probe: dict[str, list[dict]] = {}
    for ex in items:
        by_probe.setdefault(str(ex.get("probe_id")), []).append(ex)
    order = sorted(by_probe, key=lambda p: (-len(by_probe[p]),
                                            -max(float(e.get("gap") or 0) for e in by_probe[p]), p))
    out = []
    for pid in order[:N_MATCHES]:
        exs = by_probe[pid]
        best = max(exs, key=lambda e: float(e.get("gap") or 0))
        tx = best["texts"]
        shown = {}
        for role in ("suspect", "reference", "nearest_control"):
            t = tx.get(role) or {}
            shown[role] = (t, _show_text(_lookup(texts, t.get("model", ""), pid, t.get("sample", 0),
                                                t.get("text", ""))))
        s_vis, r_vis, c_vis = (shown[r][1].visible for r in ("suspect", "reference", "nearest_control"))
        s_marks, r_marks = _shared_spans(s_vis, r_vis)
        _, c_marks = _shared_spans(s_vis, c_vis)
        roles = {"suspect": ("Suspect", s_marks), "reference": ("Reference", r_marks),
                 "nearest_control": ("Nearest control", c_marks)}
        out.append({
            "probe": _probe_ref(probes, pid),
            "flagged_by": [{"title": titles(str(e.get("analysis"))),
                            "sim_sr": _fmt(e.get("sim_sr")), "sim_sc": _fmt(e.get("sim_s_nearest_control")),
                            "gap": _fmt(e.get("gap"))} for e in exs],
            "columns": [_column(label, t.get("model", ""), t.get("sample", 0), s, marks,
                                _trace(reasoning, t.get("model", ""), pid, t.get("sample", 0)))
                        for role, (label, marks) in roles.items() for t, s in [shown[role]]],
        })
    return out


def _trace(reasoning: Mapping[TextKey, str] | None, model: str, pid: str, sample: object):
    """The shown reasoning trace of a response, or None."""
    text = _lookup(reasoning or {}, model, pid, sample, None)
    return _show_text(text) if isinstance(text, str) and text else None


def _answer_text(answer: object) -> str:
    """A probe's expected answer (stored as JSON) in words."""
    if answer is None:
        return ""
    try:
        a = json.loads(answer) if isinstance(answer, str) else answer
    except ValueError:
        return _visible_text(str(answer))
    if not isinstance(a, Mapping):
        return _visible_text(str(a))
    if "value" in a:
        v = a["value"]
        if isinstance(v, float):
            v = f"{v:g}" if not v.is_integer() else f"{int(v)}"
        tol = a.get("tolerance")
        return _visible_text(str(v)) + (f" ± {tol:g}" if isinstance(tol, (int, float)) and tol else "")
    if "values" in a:
        return " or ".join(_visible_text(str(v)) for v in a["values"])
    if "pattern" in a:
        return "matches /" + _visible_text(str(a["pattern"])) + "/"
    return _visible_text(json.dumps(a, ensure_ascii=False))


def _short(value: object, texts: Mapping[TextKey, str], model: str, pid: str) -> list:
    """An extracted answer as segments, or the start of the model's first response."""
    if value is None or value == "":
        value = texts.get((model, pid, 0), "")
    return _show_text(str(value), ANSWER_CHARS).segments()


def _wrong(items: list[dict], texts: Mapping[TextKey, str], probes: Mapping[str, dict],
           suspect: str, reference: str, controls: list[str]) -> list[dict]:
    """Probes where S and R fail together (identical wrong answers first)."""
    merged: dict[str, dict] = {}
    for ex in items:
        merged.setdefault(str(ex.get("probe_id")), {}).update(
            {k: v for k, v in ex.items() if v is not None})
    out = []
    for pid, ex in sorted(merged.items(), key=lambda kv: ("suspect_answer" not in kv[1],
                                                          float(kv[1].get("expected", 1.0)), kv[0])):
        info = probes.get(pid, {})
        ctrl_ans = ex.get("control_answers") or {}
        ctrl_ok = ex.get("control_correct") or {}
        out.append({
            "probe": _probe_ref(probes, pid), "expected": _answer_text(info.get("answer")),
            "identical": "suspect_answer" in ex,
            "suspect": _short(ex.get("suspect_answer"), texts, suspect, pid),
            "reference": _short(ex.get("reference_answer"), texts, reference, pid),
            "controls": [{"model": _visible_text(c), "answer": _short(ctrl_ans.get(c), texts, c, pid),
                          "correct": ctrl_ok.get(c)} for c in controls],
            "chance": _fmt(ex.get("expected")), "note": _visible_text(str(ex.get("note", ""))),
        })
        if len(out) >= N_WRONG:
            break
    return out


def _claim_rows(items: list[dict], texts: Mapping[TextKey, str], probes: Mapping[str, dict],
                suspect: str, reference: str) -> list[tuple[dict, dict]]:
    """(exhibit, common display fields) of the first identity-like exhibits, the suspect's first."""
    items = sorted(items, key=lambda e: (str(e.get("model")) != suspect, str(e.get("probe_id"))))
    out = []
    for ex in items[:N_IDENTITY]:
        model, pid = str(ex.get("model", "")), str(ex.get("probe_id", ""))
        full = _show_text(_lookup(texts, model, pid, ex.get("sample", 0), ex.get("quote", "")))
        role = "suspect" if model == suspect else "reference" if model == reference else "other"
        out.append((ex, {"model": _visible_text(model), "role": role, "probe": _probe_ref(probes, pid),
                         "sample": _cell(ex.get("sample")),
                         "quote": _show_text(str(ex.get("quote", "")), QUOTE_CHARS).segments(),
                         "sha256": full.sha256, "length": _fmt(full.length)}))
    return out


def _names(value: object) -> str:
    """A stored list of names as one line of display text (anything else: empty)."""
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else ""


def _identity(items: list[dict], texts: Mapping[TextKey, str], probes: Mapping[str, dict],
              suspect: str, reference: str) -> list[dict]:
    """Self-identification quotes, the suspect's first."""
    return [{**row, "names": _cell(_names(ex.get("claimed_names"))),
             "vendors": _cell(_names(ex.get("claimed_vendors")))}
            for ex, row in _claim_rows(items, texts, probes, suspect, reference)]


def _persona(items: list[dict], texts: Mapping[TextKey, str], probes: Mapping[str, dict],
             suspect: str, reference: str) -> list[dict]:
    """Claims made while speaking as a role-play persona (never counted), the suspect's first."""
    out = []
    for ex, row in _claim_rows(items, texts, probes, suspect, reference):
        who = _names(ex.get("persona_names")) or _names(ex.get("persona_vendors")) or "another model"
        out.append({**row, "label": _visible_text(f"speaking as {who[:QUOTE_CHARS]} in a role-play")})
    return out


def _tics(items: list[dict], texts: Mapping[TextKey, str], probes: Mapping[str, dict],
          models: list[str]) -> dict:
    """The reference's distinctive phrases, how often each model uses them, and an example probe."""
    s_texts = [(pid, re.sub(r"\s+", " ", t.casefold())) for (m, pid, _), t in texts.items()
               if m == models[0]]
    rows = []
    for ex in sorted(items, key=lambda e: -float(e.get("z") or 0))[:N_TICS]:
        tic = str(ex.get("tic", ""))
        needle = re.sub(r"\s+", " ", tic.casefold())
        example = next((pid for pid, t in s_texts if needle and needle in t), None)
        share = ex.get("share_of_responses") or {}
        rows.append({"tic": _visible_text(tic), "z": _fmt(ex.get("z")),
                     "shares": [_fmt_pct(share.get(m)) for m in models],
                     "example": _probe_ref(probes, example) if example else None})
    return {"models": [_visible_text(m) for m in models], "rows": rows}


def _build_exhibits(exhibits: list[Exhibit], texts: Mapping[TextKey, str], probes: Mapping[str, dict],
                   suspect: str, reference: str, controls: list[str],
                   titles: Callable[[str], str], reasoning: Mapping[TextKey, str] | None = None) -> dict:
    """All exhibit groups of one comparison, ready for the template (reasoning traces beside the
    side-by-side answers, collapsed)."""
    groups: dict[str, list[dict]] = {"match": [], "wrong": [], "identity": [], "persona": [], "tic": [],
                                     "other": []}
    for ex in exhibits:
        groups[_GROUP.get(ex.kind, "other")].append(dict(ex.fields))
    return {
        "matches": _matches(groups["match"], texts, probes, titles, reasoning),
        "wrong": _wrong(groups["wrong"], texts, probes, suspect, reference, controls),
        "identity": _identity(groups["identity"], texts, probes, suspect, reference),
        "identity_persona": _persona(groups["persona"], texts, probes, suspect, reference),
        "tics": _tics(groups["tic"], texts, probes, [suspect, reference, *controls]),
        "n_total": len(exhibits), "n_other": len(groups["other"]),
        "caps": {"matches": N_MATCHES, "wrong": N_WRONG, "identity": N_IDENTITY,
                 "identity_persona": N_IDENTITY, "tics": N_TICS},
    }
