"""The HTML report without a browser: sanitising, escaping, self-containment, structure, numbers."""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
from pathlib import Path

import jinja2
import pytest

from forensics.core import InputError
from forensics.report._format import _fmt, _fmt_p, _fmt_signed
from forensics.report._text import (_Segment, _make_visible, _shared_spans, _show_text,
                                    _split_segments, _visible_text)
from forensics.evidence import Evidence, Reason
from forensics.report import CSP, TITLE, render_report, write_report
from forensics.report._write import _environment, _reports_dir
from forensics.store import RunStore

from .conftest import CONTROL_TAIL, HUGE, PAYLOADS, SVG, Page


@pytest.fixture(scope="module")
def html(report_html) -> str:
    return report_html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(html) -> Page:
    return Page(html)


# -- the sanitiser -------------------------------------------------------------------------------
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202a", "\u202b",
                                  "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069", "\u200e", "\u200f", "\u200b", "\u2028", "\ufeff",
                                  "\U000e0041", "\ud800", "\r"])
def test_invisible_and_bidi_characters_become_visible_tokens(char):
    out, tokens = _make_visible(f"a{char}b")
    assert char not in out
    assert out == f"a\u27e8U+{ord(char):04X}\u27e9b"
    assert [out[s:e] for s, e in tokens] == [f"\u27e8U+{ord(char):04X}\u27e9"]


def test_tabs_newlines_and_ordinary_text_are_kept():
    text = "line one\n\tindented — ünïcödé 中文 العربية 🙂\r\nend"
    assert _make_visible(text) == (text.replace("\r\n", "\n"), [])


def test_token_ranges_follow_earlier_expansions():
    out, tokens = _make_visible("\x00x\u202e")
    assert [out[s:e] for s, e in tokens] == ["\u27e8U+0000\u27e9", "\u27e8U+202E\u27e9"]


def test_long_text_is_cut_with_the_hash_of_the_full_text():
    text = "A" * 5000 + "\u202e"
    shown = _show_text(text, limit=100)
    assert shown.truncated and shown.length == 5001 and shown.visible == "A" * 100
    assert shown.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert not _show_text("short").truncated


def test_a_literal_token_typed_by_a_model_is_not_styled_as_a_control():
    segs = _show_text("\u27e8U+202E\u27e9 and \u202e").segments()
    assert [s.ctrl for s in segs] == [False, True]


def test_shared_spans_need_min_words_and_split_into_segments():
    a, b = "one two three four five", "zero two three four nine"
    ra, rb = _shared_spans(a, b, min_words=3)
    assert [a[s:e] for s, e in ra] == ["two three four"] and [b[s:e] for s, e in rb] == ["two three four"]
    assert _shared_spans(a, b, min_words=4) == ([], [])
    segs = _split_segments(a, ra, [])
    assert segs == [_Segment("one "), _Segment("two three four", mark=True), _Segment(" five")]


def test_segments_are_escaped_by_the_template_macro():
    macros = _environment().get_template("macros.html.j2").module
    out = str(macros.segs([_Segment("<b>x</b>", mark=True), _Segment("\"'&<", ctrl=True)]))
    assert out == '<mark>&lt;b&gt;x&lt;/b&gt;</mark><span class="ctl">&#34;&#39;&amp;&lt;</span>'


# -- escaping and self-containment ---------------------------------------------------------------
def test_payloads_never_appear_as_markup(html, page):
    for payload in PAYLOADS:
        assert payload not in html
        assert payload in page.text()  # shown, as text
    assert not page.all("script") and not page.all("svg") and not page.all("iframe")
    for tag, attrs in page.elements:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert not any("PWNED" in (v or "") for v in attrs.values()), (tag, attrs)


def test_controls_are_visible_and_never_raw(html):
    for char in "\x00\u202e\u2066\u200f":
        assert char not in html
    for token in ("\u27e8U+0000\u27e9", "\u27e8U+202E\u27e9", "\u27e8U+2066\u27e9", "\u27e8U+200F\u27e9"):
        assert token in html


def test_only_anchors_and_data_uris_no_network(html, page):
    for tag, attrs in page.elements:
        for key in ("src", "href", "srcset", "action", "formaction", "poster", "data", "background"):
            value = attrs.get(key)
            if value is None:
                continue
            if key == "href":
                assert value.startswith("#") and len(value) > 1, (tag, value)
            else:
                assert key == "src" and value.startswith("data:image/png;base64,"), (tag, key)
    assert not re.search(r"url\((?!\s*['\"]?data:)", html)
    assert "@import" not in html and not page.all("link") and not page.all("base")
    ids = {a.get("id") for _, a in page.elements if a.get("id")}
    for _, attrs in page.elements:
        if (attrs.get("href") or "").startswith("#"):
            assert attrs["href"][1:] in ids, attrs["href"]


def test_csp_meta_is_the_first_thing_after_the_charset(html, page):
    metas = [a for a in page.all("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert [m["content"] for m in metas] == [CSP]
    assert html.index("Content-Security-Policy") < html.index("<title>") < html.index("<style>")


def test_long_response_is_truncated_with_its_sha(html, hostile_run):
    r = hostile_run.responses
    text = r[(r["model"] == "suspect") & (r["probe_id"] == "style-5")].iloc[0]["text"]
    assert len(text) >= HUGE
    assert hashlib.sha256(text.encode()).hexdigest() in html
    assert "Cut for display" in html
    assert len(html.encode()) < 1_000_000


# -- structure and accessibility -----------------------------------------------------------------
def test_one_h1_and_no_skipped_heading_levels(page):
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    for prev, cur in zip(page.headings, page.headings[1:]):
        assert cur <= prev + 1, page.headings


def test_figures_tables_and_ids(page, html):
    imgs = page.all("img")
    assert imgs and all((a.get("alt") or "").strip() for a in imgs)
    assert len(page.all("figure")) == len(page.all("figcaption")) == len(imgs)
    assert all(a.get("scope") in ("col", "row") for a in page.all("th"))
    ids = [a["id"] for _, a in page.elements if "id" in a]
    assert len(ids) == len(set(ids))
    assert page.all("html")[0].get("lang") == "en"
    assert page.text().count(TITLE) >= 2  # <title> and <h1>


def test_sections_in_order(page):
    order = ["Verdict", "What was done", "Analyses", "Exhibits", "Strongest side-by-side matches",
             "Identical wrong answers", "Identity claims", "Verbal tics",
             "Limitations and alternative explanations", "Appendix", "Statistics tables",
             "Chain of custody", "How to reproduce", "Probes"]
    pos = -1
    for h in order:
        assert h in page.heading_texts[pos + 1:], (h, page.heading_texts)
        pos = page.heading_texts.index(h, pos + 1)


def test_custody_and_method_details(html, hostile_run, evidence):
    m = hostile_run.manifest
    assert m["manifest_hash"] in html and "hash chain verified" in html
    for sha in hostile_run.responses["sha256"]:
        assert sha in html
    for s in hostile_run.suites["hash"]:
        assert s in html
    assert "forensics run --fixture" in html and "&lt;svg onload" in html  # command line, escaped
    assert "analyze_responses(" in html and "forensics verify RUN_DIR" in html
    assert evidence.verdict.propositions["H1"] in Page(html).text()


def test_print_stylesheet_and_palette():
    css = (_reports_dir() / "report.css").read_text()
    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    assert re.search(r"thead\s*{\s*display:\s*table-header-group", css)
    assert re.search(r"tr[^{]*{[^}]*break-inside:\s*avoid", css)
    for colour in ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"):
        assert colour in css


# -- numbers come from the evidence --------------------------------------------------------------
def _analysis_numbers(ev: Evidence) -> list[str]:
    s = ev.summary
    return [_fmt(v) for v in s["statistic"] if v == v] + [_fmt_p(v) for v in s["p_value"] if v == v]


def test_numbers_follow_the_evidence(hostile_run, evidence, fast_figures):
    other = Evidence.from_dict(copy.deepcopy(evidence.to_dict()))
    other.verdict.log10_lr = -1.2345
    other.verdict.reasons = []  # they quote the LR as text
    other.summary["statistic"] = other.summary["statistic"] * 3 + 0.0123
    other.summary["p_value"] = other.summary["p_value"] / 7
    first, second = (Page(render_report(hostile_run, [e])).text() for e in (evidence, other))
    assert _fmt_signed(evidence.verdict.log10_lr) in first and _fmt_signed(-1.2345) in second
    assert _fmt_signed(evidence.verdict.log10_lr) not in second
    for num in _analysis_numbers(evidence):
        assert num in first
    for num in _analysis_numbers(other):
        assert num in second
    changed = [n for n in _analysis_numbers(other) if n not in _analysis_numbers(evidence)]
    assert changed and any(n not in first for n in changed)


def test_templates_type_no_numbers():
    for path in _reports_dir().glob("*.j2"):
        src = re.sub(r"{#.*?#}", "", path.read_text(), flags=re.S)
        for expr in re.findall(r"{{.*?}}|{%.*?%}", src, flags=re.S):
            literal = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", "", expr.replace(".html.j2", ""))
            assert not re.search(r"\d", literal), (path.name, expr)
        markup = re.sub(r"{{.*?}}|{%.*?%}", "", src, flags=re.S)
        text = re.sub(r"<[^>]*>", " ", markup)
        text = re.sub(r"\b(H1|H2|log10|SHA-256)\b", "", text)  # names, not numbers
        assert not re.search(r"\d", text), (path.name, re.findall(r".{0,30}\d.{0,30}", text))
        for tag in re.findall(r"<[^>]*>", markup):
            stripped = re.sub(r"^</?h[1-6]\b|charset=\"utf-8\"|class=\"[^\"]*\"", "", tag)
            assert not re.search(r"\d", stripped), (path.name, tag)
        assert "|safe" not in src.replace(" ", "") and "autoescape false" not in src


def test_environment_autoescapes_and_is_strict():
    env = _environment()
    assert env.autoescape("report.html.j2") is True and env.undefined is jinja2.StrictUndefined
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ y }}").render()


# -- several comparisons, stored evidence, errors ------------------------------------------------
def test_several_comparisons_get_a_comparison_table(hostile_run, evidence, fast_figures):
    other = Evidence.from_dict(copy.deepcopy(evidence.to_dict()))
    other.settings["reference"] = "ctrl1"
    other.verdict.log10_lr = -0.5
    page = Page(render_report(hostile_run, [evidence, other]))
    text = page.text()
    assert "Comparison of all pairs" in text and text.index("Comparison of all pairs") < text.index("What was done")
    assert "suspect compared with reference" in text and "suspect compared with ctrl1" in text
    assert page.headings.count(1) == 1
    for prev, cur in zip(page.headings, page.headings[1:]):
        assert cur <= prev + 1


def _copy_run(run, tmp_path: Path) -> Path:
    dst = tmp_path / "run"
    dst.mkdir()
    shutil.copy2(Path(run.path) / "run.sqlite", dst / "run.sqlite")
    return dst


def test_write_report_uses_stored_evidence(hostile_run, evidence, tmp_path, fast_figures):
    run_dir = _copy_run(hostile_run, tmp_path)
    with pytest.raises(InputError, match="forensics analyze"):
        write_report(run_dir)
    with RunStore(run_dir) as st:
        st.add_evidence("suspect", "reference", ["ctrl1", "ctrl2", "ctrl3"], evidence.to_dict())
    out = write_report(run_dir)
    assert out == run_dir / "report.html"
    text = Page(out.read_text()).text()
    assert evidence.verdict.wording in text and _fmt_signed(evidence.verdict.log10_lr) in text


def test_stale_evidence_is_flagged(hostile_run, evidence, fast_figures):
    ev = Evidence.from_dict(copy.deepcopy(evidence.to_dict()))
    ev.settings["run_manifest_hash"] = "0" * 64
    assert "The run changed after this evidence was computed" in render_report(hostile_run, [ev])


def test_no_evidence_is_an_input_error(hostile_run):
    with pytest.raises(InputError):
        render_report(hostile_run, [])


def test_visible_text_keeps_svg_payload_literal():
    assert _visible_text(SVG) == SVG and _visible_text(CONTROL_TAIL) != CONTROL_TAIL


@pytest.mark.parametrize("level, lr, inconclusive, phrase", [
    (0, 1.7, True, "These data cannot answer"), (-3, -1.6, False, "no more than the"),
    (1, 0.1, False, "do not help to decide"), (4, 3.2, False, "times more probable")])
def test_every_kind_of_verdict_renders(hostile_run, evidence, fast_figures, level, lr,
                                       inconclusive, phrase):
    ev = Evidence.from_dict(copy.deepcopy(evidence.to_dict()))
    ev.verdict.level, ev.verdict.log10_lr, ev.verdict.inconclusive = level, lr, inconclusive
    ev.verdict.reasons = ([Reason("inconclusive", "only 1 control model(s); at least 2 are needed")]
                          if inconclusive else [])
    text = Page(render_report(hostile_run, [ev])).text()
    assert phrase in text and _fmt_signed(lr) in text
    assert ("only 1 control model(s)" in text) == inconclusive


def test_old_or_partial_evidence_still_renders(hostile_run, evidence, fast_figures):
    ev = Evidence.from_dict(copy.deepcopy(evidence.to_dict()))
    ev.summary = ev.summary[["analysis", "statistic", "p_value"]]
    ev.tables = {}
    ev.settings = {"suspect": "suspect", "reference": "reference"}
    html = render_report(hostile_run, [ev])
    assert Page(html).headings.count(1) == 1
    # evidence stored by an earlier version: untyped reasons and exhibits (kind from their keys)
    old = evidence.to_dict()
    old["format"] = "distill-forensics/evidence/1"
    old["verdict"]["reasons"] = ["<b>an old reason</b>"]
    old["exhibits"] = [{"unknown": "<b>kind</b>"}, {"probe_id": "trap-1", "prompt": "", "note": "<i>n</i>"}]
    back = Evidence.from_dict(old)
    assert [e.kind for e in back.exhibits] == ["shared_failure"]
    assert back.verdict.reasons == [Reason("note", "<b>an old reason</b>")]
    html = render_report(hostile_run, [back])
    assert "<b>" not in html and "&lt;b&gt;an old reason&lt;/b&gt;" in html


@pytest.mark.parametrize("value, text", [(0.0, "0"), (0.0104, "0.0104"), (77.0, "77"), (3, "3"),
                                         (999.9, "1,000"), (12345, "12,345"), (2e-5, "2.00e-05"),
                                         (float("nan"), "—"), (None, "—"), (True, "—")])
def test_number_formatting(value, text):
    assert _fmt(value) == text

