"""A small run whose models answer with hostile payloads, its evidence, and browser helpers."""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import forensics
from forensics.analysis import Exhibit
from forensics.evidence import Evidence, analyze_responses
from forensics.probes import Probe, Suite

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCRIPT = ("<script>document.title='PWNED';document.body.setAttribute('data-pwned','1')</script>")
IMG = "\"><img src=x onerror=\"document.title='PWNED'\">"
LINK = "<a href=\"javascript:document.title='PWNED'\">click</a>"
SVG = "<svg onload=\"document.title='PWNED'\">"
PAYLOADS = [SCRIPT, IMG, LINK, SVG]
CONTROL_TAIL = " nul\x00here and \u202eevil override\u2066 isolate\u200f mark"
HUGE = 1_000_000
WORDS = ("river stone quiet light garden ocean window paper silver morning forest bridge candle "
         "meadow lantern harbour velvet amber orchard falcon").split()
CONTROLS = ["ctrl1", "ctrl2", "ctrl3"]
IDENTITIES = {"suspect": "ChatGPT, a model by OpenAI", "reference": "ChatGPT, made by OpenAI",
              "ctrl1": "Llama, made by Meta", "ctrl2": "Gemma, made by Google",
              "ctrl3": "Mistral, made by Mistral AI"}


def fixture_suite() -> Suite:
    """Six identity probes, twenty-two arithmetic traps, fourteen style probes (one hostile prompt)."""
    probes = [Probe(id=f"id-{i}", category="identity", prompt=f"Who made you? Variant {i}.")
              for i in range(6)]
    probes += [Probe(id=f"trap-{i}", category="error_trap",
                     prompt=f"What is {i + 11} times 7? Only the number.",
                     answer={"type": "numeric", "value": (i + 11) * 7}) for i in range(22)]
    probes += [Probe(id=f"style-{i}", category="style",
                     prompt=f"Describe item {i} in two sentences." + (f" {SCRIPT}" if i == 13 else ""))
               for i in range(14)]
    return Suite(name="report-fixture", version="1", description="hostile report fixture",
                 probes=probes)


def _words(seed: list[int], n: int) -> str:
    """n pseudo-random words, deterministic in the seed."""
    return " ".join(np.random.default_rng(seed).choice(WORDS, n))


def _digest(text: str) -> int:
    """A stable small integer of a prompt (Python's hash() is salted per process)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def make_model(name: str):
    """A callable model: S copies R (with hostile tails), the controls answer independently."""
    copier = name in ("suspect", "reference")
    own = int(hashlib.sha256(name.encode()).hexdigest()[:6], 16)

    def model(messages: list[dict], params) -> str:
        prompt = messages[-1]["content"]
        h = _digest(prompt)
        if prompt.startswith("Who made you"):
            tail = f" {PAYLOADS[h % 4]}" if name == "suspect" else ""
            return f"I am {IDENTITIES[name]}. " + _words([h, own], 6) + tail
        if prompt.startswith("What is"):
            value = int(prompt.split()[2]) * 7
            if copier and h % 3 == 0:
                return f"The answer is {value + 1}."
            return f"The answer is {value - 2 if h % 5 == own % 5 else value}."
        i = int(prompt.split()[2])
        text = _words([h, 1 if copier else own], 24)
        if name == "suspect" and i >= 6:
            text = text.replace("river", "creek").replace("stone", "pebble")
        if copier and i < 4:
            text += " " + PAYLOADS[i]
        if copier and i == 4:
            text += CONTROL_TAIL
        if copier and i == 5 and name == "suspect":
            text = (text + " ") * (HUGE // (len(text) + 1) + 1)
        return text

    return model


def fake_embed(texts: list[str]) -> np.ndarray:
    """A cheap deterministic embedding: hashed bag of the first 200 words, unit length."""
    out = np.zeros((len(texts), 32))
    for i, t in enumerate(texts):
        for w in t.split()[:200]:
            out[i, int(hashlib.md5(w.encode()).hexdigest()[:4], 16) % 32] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


def hostile_exhibits(run) -> list[Exhibit]:
    """Exhibits of every kind whose model text is hostile (guarantees each kind is rendered)."""
    big = run.responses[(run.responses["model"] == "suspect") & (run.responses["probe_id"] == "style-5")]
    assert len(big) == 1 and len(big.iloc[0]["text"]) >= HUGE
    texts = {"suspect": {"model": "suspect", "probe_id": "style-5", "sample": 0, "text": "cut"},
             "reference": {"model": "reference", "probe_id": "style-5", "sample": 0, "text": ""},
             "nearest_control": {"model": "ctrl1", "probe_id": "style-5", "sample": 0, "text": ""}}
    out = [Exhibit("shared_text", {"analysis": name, "probe_id": "style-5", "prompt": "", "sim_sr": 0.99,
                                   "sim_s_nearest_control": 0.1, "gap": 9.0, "texts": texts})
           for name in ("similarity.tfidf_word", "similarity.tfidf_char", "similarity.lcs_ratio",
                        "similarity.embedding_cosine", "stylometry.habits", "x.y")]
    for i, payload in enumerate(PAYLOADS):
        out.append(Exhibit("identity_claim", {
            "model": "suspect", "probe_id": f"id-{i}", "sample": 0, "prompt": "",
            "quote": f"I am ChatGPT {payload}{CONTROL_TAIL}", "claimed_names": [payload],
            "claimed_vendors": ["OpenAI"]}))
        out.append(Exhibit("identity_persona_claim", {
            "model": "suspect", "probe_id": f"id-{i}", "sample": 0, "prompt": "",
            "quote": f"I am ChatGPT {payload}{CONTROL_TAIL}", "persona_names": ["ChatGPT", payload],
            "persona_vendors": ["OpenAI"], "label": payload}))
        out.append(Exhibit("verbal_tic", {"analysis": "stylometry.verbal_tics", "tic": payload, "z": 5.0 - i,
                                          "share_of_responses": {"suspect": 0.5, "reference": 0.6}}))
    out.append(Exhibit("shared_wrong_answer", {
        "probe_id": "trap-0", "prompt": "", "suspect_answer": SCRIPT + CONTROL_TAIL,
        "reference_answer": IMG, "control_answers": {c: LINK for c in CONTROLS},
        "control_correct": {c: True for c in CONTROLS}, "expected": 0.01}))
    out.append(Exhibit("shared_failure", {"probe_id": "trap-1", "prompt": SVG, "note": SVG}))
    return out


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory):
    """The run: five callable models, one small suite, hostile responses (no network)."""
    out = tmp_path_factory.mktemp("report") / "run"
    models = [(name, make_model(name)) for name in ("suspect", "reference", *CONTROLS)]
    return forensics.run_suite(models, out=out, suites=[fixture_suite()], progress=False,
                               use_cache=False, command=["forensics", "run", "--fixture", SVG])


@pytest.fixture(scope="session")
def evidence(hostile_run) -> Evidence:
    """Evidence of suspect vs reference, as computed (fake embedding, few resamples)."""
    return analyze_responses(hostile_run.responses, "suspect", "reference", CONTROLS,
                             embed=fake_embed, n_perm=200, n_boot=200)


@pytest.fixture(scope="session")
def hostile_evidence(evidence, hostile_run) -> Evidence:
    """The evidence plus hand-made exhibits of every kind carrying hostile text."""
    ev = Evidence.from_dict(copy.deepcopy(evidence.to_dict()))
    ev.exhibits = hostile_exhibits(hostile_run) + ev.exhibits
    return ev


@pytest.fixture(scope="session")
def report_html(hostile_run, hostile_evidence, tmp_path_factory) -> Path:
    """The report written for the hostile run."""
    from forensics.report import write_report

    out = tmp_path_factory.mktemp("html") / "report.html"
    return write_report(hostile_run.path, out, evidences=[hostile_evidence])


def chromium() -> str:
    """The Chromium binary; fails (never skips) when it is missing: CI installs it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if not found:
        pytest.fail("Chromium is required for the report's browser tests and was not found: "
                    "install it with `apt-get install -y chromium` (Debian package `chromium`)")
    return found


def run_chromium(args: list[str], profile: Path, timeout: float = 120) -> str:
    """Run headless Chromium with networking features off; returns stdout."""
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-default-apps", "--disable-extensions", "--no-first-run",
           "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
           f"--user-data-dir={profile}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


class Page(HTMLParser):
    """Every element (tag, attrs) and every text node of an HTML document."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.headings: list[int] = []
        self.heading_texts: list[str] = []
        self._in_heading = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
            self.heading_texts.append("")
            self._in_heading = True

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag):
            self._in_heading = False

    def handle_data(self, data):
        self.texts.append(data)
        if self._in_heading:
            self.heading_texts[-1] += data

    def text(self) -> str:
        return "".join(self.texts)

    def all(self, tag: str) -> list[dict]:
        return [a for t, a in self.elements if t == tag]


TINY_PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk"
            "YAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


@pytest.fixture
def fast_figures(monkeypatch):
    """Skip rasterising figures (for tests about numbers and structure, not pictures)."""
    import forensics.report._figures as figures

    monkeypatch.setattr(figures, "_to_uri", lambda fig: TINY_PNG)
