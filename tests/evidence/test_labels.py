"""Labels: parsing, lineage, admissible controls and pair labels."""

import pytest

from forensics.core import InputError
from forensics.evidence import load_labels

LABELS = """
references: [ref-a, ref-b]
models:
  ref-a: {vendor: Acme}
  ref-b: {vendor: Acme}
  ref-b-new: {family: ref-b, vendor: Acme}
  alpha-1: {teacher: ref-a}
  alpha-1_short: {same_as: alpha-1}
  beta-1: {teachers: [ref-b]}
  gamma-1: {teacher: null}
  gamma-2: {teacher: null}
  delta-1: {teacher: null, noisy: true}
  other-vendor: {vendor: Globex}
"""


@pytest.fixture
def labels(tmp_path):
    p = tmp_path / "labels.yaml"
    p.write_text(LABELS)
    return load_labels(p)


def test_pair_labels(labels):
    assert labels.pair_label("alpha-1", "ref-a") == "h1"
    assert labels.pair_label("alpha-1_short", "ref-a") == "h1"  # the same weights inherit the teacher
    assert labels.pair_label("alpha-1_short", "alpha-1") == "same"
    assert labels.pair_label("beta-1", "ref-a") == "other"  # a student of ref-a's vendor sibling
    assert labels.pair_label("gamma-1", "ref-a") == "h2"
    assert labels.pair_label("other-vendor", "ref-b") == "h2"
    assert labels.pair_label("delta-1", "ref-a") == "other"  # noisy: not ground truth
    assert labels.pair_label("ref-b-new", "ref-b") == "other"


def test_admissible_controls_name_every_exclusion(labels):
    models = sorted(labels.models)
    adm = labels.admissible_controls(models, "alpha-1", "ref-a")
    assert adm.admitted == ["gamma-1", "gamma-2", "other-vendor"]
    assert "relative of ref-a" in adm.excluded["ref-b"] and "relative" in adm.excluded["ref-b-new"]
    assert "student of ref-a" in adm.excluded["alpha-1_short"]
    assert "student of ref-b" in adm.excluded["beta-1"]
    assert "noisy" in adm.excluded["delta-1"]
    assert set(adm.admitted) | set(adm.excluded) == set(models) - {"alpha-1", "ref-a"}
    # a suspect's own relatives and students never serve as its controls
    adm = labels.admissible_controls(models + ["unlabelled"], "gamma-1", "ref-a")
    assert "gamma-1" not in adm.admitted and adm.excluded["unlabelled"] == "not in the labels"


def test_groups_hold_out_a_model_line(labels):
    assert labels.group("alpha-1") == labels.group("alpha-1_short") == "alpha"
    assert labels.group("ref-b-new") == labels.group("ref-b")
    assert labels.group("gamma-1") == labels.group("gamma-2") == "gamma"


def test_a_model_of_the_suspects_own_line_is_no_control(labels):
    """gamma-1 and gamma-2 are both documented independents, but one developer's model line."""
    adm = labels.admissible_controls(sorted(labels.models), "gamma-1", "ref-a")
    assert "same model line" in adm.excluded["gamma-2"] and "other-vendor" in adm.admitted


@pytest.mark.parametrize("text, msg", [
    ("models: {a: {teacher: x}}", "names 'x'"),
    ("models: {a: {teacher: b, teachers: [b]}, b: {}}", "either teacher or teachers"),
    ("models: {a: {parent: b}}", "parent"),
    ("references: [r]\nmodels: 3", "models"),
])
def test_bad_labels_files_name_the_problem(tmp_path, text, msg):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(InputError, match=msg):
        load_labels(p)


def test_a_model_without_documented_lineage_is_no_control(tmp_path):
    p = tmp_path / "l.yaml"
    p.write_text("references: [r]\nmodels:\n  r: {vendor: V}\n  x: {group: g}\n  y: {teacher: null}\n")
    labels = load_labels(p)
    adm = labels.admissible_controls(["r", "s", "x", "y"], "s", "r")
    assert adm.admitted == ["y"] and adm.excluded["x"] == "no documented lineage"
