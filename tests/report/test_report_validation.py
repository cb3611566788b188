"""The report's validation section: the panel the verdict's LR system was validated on, its figures
with sources and upper limits, its ELUB bounds, the Tippett plot with this case marked, the
assumption in words; or, where no calibration applies, that the LR is not validated. Escaped, and
checked in headless Chromium like the rest of the report."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from forensics.evidence import CalibratedLR, Evidence, apply_calibrated, fit_fusion
from forensics.report import render_report

from .conftest import PAYLOADS, Page, run_chromium

HOSTILE = PAYLOADS[0]


def _fusion():
    rng = np.random.default_rng(4)
    x = np.r_[rng.normal(1.5, 1, (12, 2)), rng.normal(0, 1, (30, 2))]
    y = np.r_[np.ones(12, bool), np.zeros(30, bool)]
    fus = fit_fusion(x, y, [f"s{i}" for i in range(12)] + [f"i{i // 3}" for i in range(30)])
    head = {"cllr": 0.61, "cllr_min": 0.52, "roc_auc": 0.83,
            "h2_lr_above_1": {"k_sources": 2, "n_sources": 10, "source_rate": 0.2, "upper_95": 0.51},
            "h2_lr_above_10": {"k_sources": 0, "n_sources": 10, "source_rate": 0.0, "upper_95": 0.26},
            "h1_lr_below_1": {"k_sources": 3, "n_sources": 12, "source_rate": 0.25, "upper_95": 0.53}}
    fus.provenance = {"labels": f"panel {HOSTILE}.yaml", "models": [f"m{i}" for i in range(22)],
                      "cross_validated": {"leave_suspect_lineage_out": head, "leave_reference_family_out": head,
                                          "log10_lrs": {"h1": list(fus.log10_lr(x[y])),
                                                        "h2": list(fus.log10_lr(x[~y]))}}}
    return fus


def _calibrated(evidence, source: str) -> Evidence:
    ev = Evidence.from_dict(copy.deepcopy(evidence.to_dict()))
    fus = _fusion() if source != "fallback" else None
    cal = CalibratedLR(0.42 if fus else float("nan"), source,
                       f"why {HOSTILE}" if fus is None else "fitted on a panel",
                       {"family.similarity": 1.2, "family.stylometry": 0.8}, fus)
    return apply_calibrated(ev, cal)


def _section(html: str) -> str:
    text = Page(html).text()
    start = text.index("Validation of the likelihood ratio\n")
    return text[start:text.index("Exhibits", start)]


def test_a_calibrated_verdict_shows_its_validation(hostile_run, evidence, fast_figures):
    ev = _calibrated(evidence, "file")
    assert ev.verdict.log10_lr == 0.42
    html = render_report(hostile_run, [ev])
    page = Page(html)
    assert "Validation of the likelihood ratio" in page.heading_texts
    assert any(a.get("href") == "#pair-1-validation" for a in page.all("a"))
    sec = _section(html)
    fus = ev.settings["lr_system"]["fusion"]
    assert f"{fus['elub'][0]:+.2f} to {fus['elub'][1]:+.2f}" in sec and "12 H1 and 10 H2 models" in sec
    assert "Cllr_min" in sec and "0.52" in sec and "0.61" in sec
    assert "2 of 10 models (0.2); one-sided 95% upper limit 0.51" in sec
    assert "3 of 12 models (0.25); one-sided 95% upper limit 0.53" in sec
    assert "is an assumption" in sec and "22 models" in sec
    assert HOSTILE in sec and HOSTILE not in html  # the panel's name is shown as escaped text
    imgs = [a for a in page.all("img") if "Tippett" in (a.get("alt") or "")]
    assert len(imgs) == 1


def test_the_tippett_plot_marks_this_case(hostile_run, evidence, monkeypatch, fast_figures):
    import forensics.report._validation_plots as plots

    seen = {}
    real = plots.tippett_figure

    def spy(llr, is_h1, case=None):
        seen.update(n=len(llr), h1=int(np.sum(is_h1)), case=case)
        return real(llr, is_h1, case)

    monkeypatch.setattr(plots, "tippett_figure", spy)
    render_report(hostile_run, [_calibrated(evidence, "file")])
    assert seen == {"n": 42, "h1": 12, "case": 0.42}


def test_a_fallback_verdict_says_it_is_not_validated(hostile_run, evidence, fast_figures):
    ev = _calibrated(evidence, "fallback")
    assert ev.verdict.log10_lr == evidence.verdict.log10_lr
    assert ev.verdict.reasons_of("calibration")[0].startswith("No validated calibration applies")
    sec = _section(render_report(hostile_run, [ev]))
    assert "Not validated." in sec and f"why {HOSTILE}" in sec and "Cllr" not in sec


def test_evidence_from_before_the_one_system_has_no_section(hostile_run, evidence, fast_figures):
    assert "Validation of the likelihood ratio" not in Page(render_report(hostile_run, [evidence])).heading_texts


@pytest.mark.slow  # headless Chromium
def test_the_section_renders_in_chromium(hostile_run, evidence, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(render_report(hostile_run, [_calibrated(evidence, "file")]), encoding="utf-8")
    dom = run_chromium(["--virtual-time-budget=2000", "--dump-dom", path.as_uri()], tmp_path / "profile")
    page = Page(dom)
    assert "Validation of the likelihood ratio" in page.heading_texts
    assert not page.all("script") and "PWNED" not in "".join(page.heading_texts)
    sec = _section(dom)
    assert "one-sided 95% upper limit" in sec and HOSTILE in sec
    assert any("Tippett" in (a.get("alt") or "") and a["src"].startswith("data:image/png;base64,")
               for a in page.all("img"))
