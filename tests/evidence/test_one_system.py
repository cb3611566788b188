"""One LR system: `analyze` with a run's labels gives the log10 LR of `validate`'s row for the pair;
a calibration file applies only where its conditions hold; otherwise the verdict says it fell back."""

import numpy as np
import pytest

import forensics
from forensics.evidence import (FILE_MIN_CONTROLS, Fusion, analyze, calibrated_lr, fit_panel, load_labels,
                                shipped_calibration, validate_panel)
from tests.evidence.test_validate import LABELS, collect_panel


@pytest.fixture(scope="module")
def labelled_run(tmp_path_factory):
    """The synthetic labelled panel of test_validate, collected into a run by callable models."""
    tmp = tmp_path_factory.mktemp("one-system")
    collect_panel(tmp / "run")
    (tmp / "labels.yaml").write_text(LABELS)
    return forensics.load_run(tmp / "run"), load_labels(tmp / "labels.yaml")


@pytest.mark.slow
@pytest.mark.parametrize("suspect, reference", [("alpha-2", "ra"), ("delta-1", "rb"), ("beta-1", "ra"),
                                                 ("delta-1", "gamma-1")])
def test_analyze_with_the_labels_gives_validates_lr(labelled_run, suspect, reference):
    run, labels = labelled_run
    v = validate_panel(run.responses, labels)
    row = v.pairs[(v.pairs["suspect"] == suspect) & (v.pairs["reference"] == reference)]
    ev = analyze(run, suspect, reference, labels=labels, embed=False, calibration=None, store=False)
    assert ev.settings["lr_system"]["source"] == "panel"
    assert ev.verdict.log10_lr == float(row["log10_lr"].iloc[0])  # bit for bit
    assert ev.verdict.reasons_of("calibration")[0].startswith(f"Calibrated log10 LR {ev.verdict.log10_lr:+.2f}")
    assert any("hand-set combination" in r for r in ev.verdict.reasons_of("combination"))
    assert sorted(ev.settings["controls"]) == sorted(labels.admissible_controls(
        sorted(run.responses["model"].unique()), suspect, reference).admitted)


def test_a_calibration_file_applies_only_where_its_conditions_hold(labelled_run):
    run, labels = labelled_run
    v = validate_panel(run.responses, labels)
    fus = fit_panel(v, {"labels": "synthetic"})
    everyone = [m for m in sorted(run.responses["model"].unique()) if m not in ("alpha-2", "ra")]
    assert len(everyone) >= FILE_MIN_CONTROLS
    cal = calibrated_lr(run.responses, "alpha-2", "ra", everyone, calibration=fus)
    assert cal.source == "file" and cal.fusion is fus
    assert cal.log10_lr == fus.log10_lr([[cal.features[f] for f in fus.features]])[0]
    few = calibrated_lr(run.responses, "alpha-2", "ra", everyone[:FILE_MIN_CONTROLS - 1], calibration=fus)
    assert few.source == "fallback" and np.isnan(few.log10_lr) and f">= {FILE_MIN_CONTROLS} controls" in few.why
    other = Fusion.from_dict({**fus.to_dict(), "provenance": {**fus.provenance, "embedding": "another-model"}})
    emb = calibrated_lr(run.responses, "alpha-2", "ra", everyone, calibration=other)
    assert emb.source == "fallback" and "another-model" in emb.why
    # a file that fuses the panel-only attribution score cannot be computed in a case without a panel
    panel_only = Fusion.from_dict({**fus.to_dict(), "features": [*fus.features, "family.attribution"],
                                   "weights": [*fus.weights, 0.5]})
    po = calibrated_lr(run.responses, "alpha-2", "ra", everyone, calibration=panel_only)
    assert po.source == "fallback" and "fuses family.attribution" in po.why
    # the run's own labels come first, whatever file is given
    assert calibrated_lr(run.responses, "alpha-2", "ra", everyone, labels=labels, calibration=fus).source == "panel"


def test_the_shipped_calibration_records_its_panel():
    fus = Fusion.load(shipped_calibration())
    prov = fus.provenance
    assert prov["settings"]["n_models"] == len(prov["settings"]["models"]) >= 30
    assert len(prov["settings"]["probe_set_sha256"]) == 64 and prov["commit"] and prov["labels_sha256"]
    cv = prov["cross_validated"]
    assert {"leave_suspect_lineage_out", "leave_reference_family_out"} <= set(cv)
    assert 0 <= cv["leave_suspect_lineage_out"]["cllr_min"] <= cv["leave_suspect_lineage_out"]["cllr"]
    assert fus.n_sources["h1"] >= 10 and fus.n_sources["h2"] >= 10 and fus.elub[0] < 0 < fus.elub[1]


@pytest.mark.slow
def test_an_unlabelled_suspect_is_calibrated_on_the_panel(labelled_run, tmp_path):
    run, labels = labelled_run
    (tmp_path / "l.yaml").write_text("\n".join(line for line in LABELS.splitlines() if "beta-2" not in line))
    partial = load_labels(tmp_path / "l.yaml")
    assert "beta-2" not in partial
    ev = analyze(run, "beta-2", "rb", labels=partial, embed=False, calibration=None, store=False)
    system = ev.settings["lr_system"]
    assert system["source"] == "panel" and "(beta) out" in system["why"]
    assert ev.verdict.log10_lr > 0  # a student of rb the panel has not seen, told apart from the independents
    assert "beta-1" not in ev.settings["controls"]  # the suspect's own model line is never its control
