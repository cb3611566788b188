"""The report's watermark radioactivity section: shown with a key (p-value, tokens, settings, caveat),
escaped, never the key; absent without one."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from forensics.evidence import Evidence, WatermarkEvidence, analyze_responses
from forensics.report import render_report
from forensics.watermark import random_key

from .conftest import CONTROL_TAIL, CONTROLS, PAYLOADS, SCRIPT, Page, fake_embed

KEY = random_key(5)


def tokenize(text: str) -> list[int]:
    """Words to ids by hashing (stable across processes)."""
    return [int(hashlib.sha256(w.encode("utf-8", "replace")).hexdigest()[:6], 16) % 5000 for w in text.split()]


@pytest.fixture(scope="module")
def wm_evidence(hostile_run) -> Evidence:
    wm = WatermarkEvidence("reference", KEY, tokenize, "llamacpp:qwen2.5-coder-0.5b")
    ev = analyze_responses(hostile_run.responses, "suspect", "reference", CONTROLS, embed=fake_embed,
                           n_perm=100, n_boot=100, watermark=wm)
    return Evidence.from_dict(json.loads(json.dumps(ev.to_dict())))  # as stored


def _section(html: str) -> str:
    text = Page(html).text()
    start = text.index("Watermark radioactivity\n") if "Watermark radioactivity\n" in text else None
    assert start is not None, "no radioactivity section"
    return text[start:text.index("Exhibits", start)]


def test_the_section_shows_p_value_tuples_settings_and_caveat(hostile_run, wm_evidence, fast_figures):
    row = wm_evidence.summary.set_index("analysis").loc["radioactivity.green_bias"]
    assert row["n"] >= 50 and 0 <= row["p_value"] <= 1
    html = render_report(hostile_run, [wm_evidence])
    page = Page(html)
    assert "Watermark radioactivity" in page.heading_texts
    assert any(a.get("href") == "#pair-1-radioactivity" for a in page.all("a"))
    sec = _section(html)
    assert f"Of the {int(row['n']):,d} distinct token pairs scored" in sec
    assert "The exact one-sided p-value is" in sec
    table = wm_evidence.tables["radioactivity.green_bias"]
    assert all(c in sec for c in CONTROLS) and len(table) == 2 + len(CONTROLS)
    assert KEY.key_sha256[:16] + "…" in sec and "llamacpp:qwen2.5-coder-0.5b" in sec
    assert "Gu et al., ICLR 2024" in sec and "Pan et al., ACL 2025" in sec
    assert "does not show that the suspect is independent" in sec
    for secret in (KEY.secret.hex(), KEY.secret.decode("latin-1"), str(KEY.seed64)):
        assert secret not in html


def test_hostile_names_and_settings_are_escaped(hostile_run, wm_evidence, fast_figures):
    ev = Evidence.from_dict(copy.deepcopy(wm_evidence.to_dict()))
    table = ev.tables["radioactivity.green_bias"]
    table["model"] = [m if m in ("suspect", "reference") else PAYLOADS[i % len(PAYLOADS)] + CONTROL_TAIL
                      for i, m in enumerate(table["model"])]
    ev.settings["watermark"]["tokenizer"] = SCRIPT + CONTROL_TAIL
    ev.settings["watermark"]["scheme"] = PAYLOADS[1]
    html = render_report(hostile_run, [Evidence.from_dict(ev.to_dict())])
    page = Page(html)
    for payload in PAYLOADS:
        assert payload not in html
    assert not page.all("script") and not page.all("svg") and not page.all("iframe")
    for _, attrs in page.elements:
        assert not any(k.startswith("on") for k in attrs)
    assert "\x00" not in html and "\u202e" not in html
    sec = _section(html)
    assert "document.title='PWNED'" in sec  # shown, as text


def test_without_a_key_the_section_is_absent(hostile_run, evidence, fast_figures):
    row = evidence.summary.set_index("analysis").loc["radioactivity.green_bias"]
    assert not row["applicable"] and "no watermark key supplied" in row["note"]
    html = render_report(hostile_run, [evidence])
    page = Page(html)
    assert "Watermark radioactivity" not in page.heading_texts
    assert not any(a.get("id") == "pair-1-radioactivity" for _, a in page.elements)
    assert "Gu et al." not in page.text()
