"""The report in headless Chromium: injected code never runs (with and without the CSP), the page
makes no network request, and screenshots land in test-artifacts/ for a human to look at.

Chromium is required: these tests fail (never skip) without it; CI installs the Debian package.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from forensics.report import TITLE

from .conftest import ARTIFACTS, PAYLOADS, Page, run_chromium

pytestmark = pytest.mark.slow  # headless Chromium

CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n?')


def _dump(path: Path, tmp_path: Path, netlog: Path | None = None) -> str:
    """The DOM after load, with virtual time for onload/onerror handlers to have fired."""
    extra = [f"--log-net-log={netlog}"] if netlog else []
    return run_chromium(["--virtual-time-budget=2000", *extra, "--dump-dom", path.as_uri()],
                        tmp_path / "profile")


def _page_requests(netlog: Path) -> list[str]:
    """URLs of network requests made on behalf of a file:// page (browser-internal ones excluded)."""
    data = json.loads(netlog.read_text())
    kinds = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    return [e["params"]["url"] for e in data["events"]
            if kinds.get(e["type"]) == "URL_REQUEST_START_JOB"
            and "file://" in str(e["params"].get("network_isolation_key", ""))
            + str(e["params"].get("site_for_cookies", ""))]


def _assert_inert(dom: str) -> None:
    """Nothing injected ran or became live markup, and every payload is shown as text."""
    page = Page(dom)
    titles = [t for t in re.findall(r"<title>(.*?)</title>", dom, flags=re.S)]
    assert titles == [TITLE], titles
    assert "PWNED" not in "".join(titles)
    assert not page.all("script") and not page.all("svg") and not page.all("iframe")
    for tag, attrs in page.elements:
        assert "data-pwned" not in attrs, (tag, attrs)
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert not (attrs.get("href") or "#").lower().startswith("javascript"), attrs
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")
    text = page.text()
    for payload in PAYLOADS:
        assert payload in text, payload


@pytest.fixture(scope="module")
def without_csp(report_html, tmp_path_factory) -> Path:
    """A copy of the report with the CSP meta tag removed."""
    html = report_html.read_text(encoding="utf-8")
    stripped, n = CSP_META.subn("", html)
    assert n == 1
    out = tmp_path_factory.mktemp("nocsp") / "report-no-csp.html"
    out.write_text(stripped, encoding="utf-8")
    return out


def test_harness_detects_script_execution(tmp_path):
    """Positive control: the same payloads, unescaped, do run in this harness."""
    page = tmp_path / "vulnerable.html"
    page.write_text(f"<!DOCTYPE html><html><head><title>{TITLE}</title></head><body>"
                    f"{''.join(PAYLOADS)}</body></html>")
    dom = _dump(page, tmp_path)
    assert "PWNED" in dom and "data-pwned" in dom


def test_no_injected_code_runs_with_csp(report_html, tmp_path):
    _assert_inert(_dump(report_html, tmp_path))


def test_no_injected_code_runs_without_csp_and_no_requests(without_csp, tmp_path):
    netlog = tmp_path / "net.json"
    _assert_inert(_dump(without_csp, tmp_path, netlog))
    assert _page_requests(netlog) == []


def test_netlog_sees_page_requests(tmp_path):
    """Positive control for the request check: a page with external URLs is caught."""
    page = tmp_path / "external.html"
    page.write_text('<!DOCTYPE html><html><head><title>t</title><style>body{background:'
                    'url(http://127.0.0.1:9/b.png)}</style></head><body>'
                    '<img src="http://127.0.0.1:9/a.png" alt=""></body></html>')
    netlog = tmp_path / "net.json"
    _dump(page, tmp_path, netlog)
    assert any("127.0.0.1:9" in u for u in _page_requests(netlog))


def _screenshot(html: Path, out: Path, tmp_path: Path, height: int = 900) -> None:
    run_chromium([f"--screenshot={out}", f"--window-size=1280,{height}", html.as_uri()],
                 tmp_path / "profile")
    assert out.exists()


def _not_blank(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50, f"{png} looks blank"


def test_screenshots(report_html, tmp_path):
    """First screen and one exhibit, saved under test-artifacts/ to be looked at."""
    ARTIFACTS.mkdir(exist_ok=True)
    first = ARTIFACTS / "report-first-screen.png"
    _screenshot(report_html, first, tmp_path)
    html = report_html.read_text(encoding="utf-8")
    # A copy that shows only the exhibits section (a fragment URL does not scroll a headless
    # --screenshot); the inline style is ours, in the test's copy only.
    only = ("<style>header.masthead, nav.toc, main > section:not([id$='-exhibits']), footer, "
            "[id$='-match-1'] {display: none !important}</style></head>")
    copy = tmp_path / "exhibits.html"
    copy.write_text(html.replace("</head>", only, 1), encoding="utf-8")
    exhibit = ARTIFACTS / "report-exhibit.png"
    _screenshot(copy, exhibit, tmp_path, height=1400)
    for png in (first, exhibit):
        _not_blank(png)
