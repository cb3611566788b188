"""Identity exhibits in the report: self-claims quoted by their sentence, role-play persona claims
in a table of their own, and model text escaped in both."""

from __future__ import annotations

import copy

import pytest

from forensics.analysis import Exhibit
from forensics.evidence import Evidence
from forensics.report import render_report

from .conftest import CONTROL_TAIL, PAYLOADS, Page

pytestmark = pytest.mark.usefixtures("english_parser")  # spaCy loads once, outside the tests' time


def _with_persona(evidence: Evidence) -> Evidence:
    ev = Evidence.from_dict(copy.deepcopy(evidence.to_dict()))
    ev.exhibits = [e for e in ev.exhibits if not e.kind.startswith("identity")] + [
        Exhibit("identity_claim", {"model": "suspect", "probe_id": "id-0", "sample": 0, "prompt": "",
                                   "quote": "I'm Claude, made by Anthropic.", "claimed_names": ["Claude"],
                                   "claimed_vendors": ["Anthropic"]}),
        *[Exhibit("identity_persona_claim", {
            "model": "suspect", "probe_id": f"id-{i + 1}", "sample": 0, "prompt": "",
            "quote": f"I am ChatGPT, made by OpenAI {p}{CONTROL_TAIL}", "persona_names": ["ChatGPT", p],
            "persona_vendors": ["OpenAI"], "label": p}) for i, p in enumerate(PAYLOADS)]]
    return Evidence.from_dict(ev.to_dict())  # the new kind survives storage


def test_identity_persona_claims_render_apart_and_escaped(hostile_run, evidence, fast_figures):
    ev = _with_persona(evidence)
    assert [e.kind for e in ev.exhibits].count("identity_persona_claim") == len(PAYLOADS)
    html = render_report(hostile_run, [ev])
    page = Page(html)
    text = page.text()
    for payload in PAYLOADS:
        assert payload not in html
        assert f"speaking as ChatGPT, {payload} in a role-play" in text
    assert not page.all("script") and not page.all("svg") and not page.all("iframe")
    for _, attrs in page.elements:
        assert not any(k.startswith("on") for k in attrs)
    assert "\x00" not in html and "\u202e" not in html
    self_at = text.index("Self-identification quotes")
    persona_at = text.index("Role-play persona claims (not counted)")
    assert self_at < text.index("I'm Claude, made by Anthropic.") < persona_at
    assert text.index("I am ChatGPT, made by OpenAI", persona_at) > persona_at
    assert "never counted as self-identification" in text


def test_identity_claim_quotes_the_claim_sentence(hostile_run, evidence, fast_figures):
    quotes = [e["quote"] for e in evidence.exhibits if e.kind == "identity_claim"]
    assert quotes and all(q in ("I am ChatGPT, a model by OpenAI.", "I am ChatGPT, made by OpenAI.")
                          for q in quotes)
    text = Page(render_report(hostile_run, [evidence])).text()
    assert "I am ChatGPT, a model by OpenAI." in text
    assert "Role-play persona claims" not in text  # no persona claim, no persona table
