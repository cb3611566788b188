"""`forensics validate` on a synthetic labelled panel: pairs, cross-validated LRs, figures, CLI."""

import json

import numpy as np
import pandas as pd
import pytest

import forensics
from forensics.evidence import Fusion, load_labels, validate_panel, validation_pairs
from tests.support.cli import run_cli
from tests.synthetic import N_TOPIC, _pseudo_word, distil, draw_model, respond

N_PROBES = 40
LABELS = """
references: [ra, rb]
models:
  ra: {vendor: Acme}
  rb: {vendor: Acme}
  alpha-1: {teacher: ra}
  alpha-2: {teacher: ra}
  alpha-1_v: {same_as: alpha-1}
  beta-1: {teacher: rb}
  beta-2: {teacher: rb}
  gamma-1: {teacher: null}
  delta-1: {teacher: null}
  eps-1: {teacher: null}
  zeta-1: {teacher: null}
  eta-1: {teacher: null}
  theta-1: {teacher: null}
"""


def panel(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    topics = [[_pseudo_word(rng) for _ in range(N_TOPIC)] for _ in range(N_PROBES)]
    ra, rb = draw_model(rng), draw_model(rng)
    models = {"ra": ra, "rb": rb}
    for name, teacher in (("alpha-1", ra), ("alpha-2", ra), ("beta-1", rb), ("beta-2", rb)):
        models[name] = distil(teacher, draw_model(rng), 0.8, rng)
    models["alpha-1_v"] = models["alpha-1"]
    for name in ("gamma-1", "delta-1", "eps-1", "zeta-1", "eta-1", "theta-1"):
        models[name] = draw_model(rng)
    rows = []
    for mi, (name, model) in enumerate(models.items()):
        for p in range(N_PROBES):
            r = np.random.default_rng([seed, mi, p])
            rows.append({"model": name, "probe_id": f"p{p:03d}", "sample": 0, "suite": "synthetic",
                         "category": "style", "language": "en", "prompt": f"About {topics[p][0]}?",
                         "text": respond(model, topics[p], p, r), "answer": None})
    return pd.DataFrame(rows)


def collect_panel(out) -> None:
    """The synthetic panel collected into run OUT by callable models answering its probes."""
    df = panel()
    models = [(m, (lambda texts: lambda messages, params: texts[messages[-1]["content"]])(
        dict(zip(g["prompt"], g["text"])))) for m, g in df.groupby("model")]
    suite = forensics.Suite(name="syn", version="1", description="synthetic", probes=[
        forensics.Probe(id=pid, category="style", prompt=prompt)
        for pid, prompt in df.drop_duplicates("probe_id")[["probe_id", "prompt"]].itertuples(index=False)])
    forensics.run_suite(models, out=out, suites=[suite], progress=False, use_cache=False)


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    p = tmp_path_factory.mktemp("labels") / "labels.yaml"
    p.write_text(LABELS)
    return load_labels(p)


def test_validation_pairs_cover_every_kind(labels):
    models = sorted(labels.models)
    pairs = validation_pairs(labels, models)
    kinds = {k for *_, k in pairs}
    assert kinds == {"student_teacher", "independent_reference", "same_weights", "null2", "other"}
    assert ("alpha-1_v", "alpha-1", "same", "same_weights") in pairs
    assert ("beta-1", "rb", "h1", "student_teacher") in pairs
    assert len({(s, r) for s, r, *_ in pairs}) == len(pairs)


def test_null2_pairs_never_join_one_model_line(tmp_path):
    p = tmp_path / "l.yaml"
    p.write_text("references: [r]\nmodels:\n  r: {vendor: V}\n  gem-2b: {teacher: null}\n"
                 "  gem-7b: {teacher: null}\n  other-1: {teacher: null}\n")
    pairs = validation_pairs(load_labels(p), ["r", "gem-2b", "gem-7b", "other-1"])
    null2 = {(s, r) for s, r, _, kind in pairs if kind == "null2"}
    assert null2 == {("gem-2b", "other-1"), ("gem-7b", "other-1")}


def test_validate_panel_separates_synthetic_students(labels):
    v = validate_panel(panel(), labels)
    d = json.loads(json.dumps(v.to_dict(), allow_nan=False))
    assert {"pairs", "cllr", "cllr_min", "cllr_cal", "eer", "roc_auc", "rate_misleading_for_h1"} <= set(d)
    assert {"suspect", "reference", "label", "log10_lr"} <= set(d["pairs"][0])
    assert {p["label"] for p in d["pairs"]} == {"h1", "h2", "same", "other"}
    # same-weights pairs count as H1; sources are the distinct suspects of each class
    assert 0 <= d["cllr_min"] <= d["cllr"] and d["n_h1"] == 5 + 2 and d["n_h2"] == 12
    assert d["n_h1_sources"] == 5 and d["n_h2_sources"] == 6
    # synthetic students copy 80% of their teacher's habits: the system must see it
    assert d["roc_auc"] > 0.9 and d["teacher_top1"] == d["teacher_top1_of"] == 5
    assert d["students_only"]["roc_auc"] > 0.9 and d["median_h1_log10_lr"] > 0 > d["max_h2_log10_lr"]
    same = [p for p in d["pairs"] if p["label"] == "same"]
    assert same and min(p["log10_lr"] for p in same) > max(p["log10_lr"] for p in d["pairs"] if p["label"] == "h2")
    # misleading evidence counted in sources, with a one-sided 95% upper limit
    m = d["h2_lr_above_1"]
    assert (m["k_sources"], m["n_sources"], m["n_pairs"]) == (0, 6, 12) and 0.3 < m["upper_95"] < 0.45
    # the second scheme holds the reference's family out too: here a reference has no other students
    assert d["reference_out"]["n_h1"] == 7 and d["reference_out"]["cllr"] >= d["cllr_min"]
    null2 = [p for p in d["pairs"] if p["kind"] == "null2"]
    assert null2 and all(p["p_value"] is not None and 0 <= p["p_value"] <= 1 for p in null2)
    assert min(p["p_value"] for p in d["pairs"] if p["kind"] == "student_teacher") < 0.01


def test_cli_validate_writes_json_and_html(tmp_path, labels):
    collect_panel(tmp_path / "run")
    (tmp_path / "labels.yaml").write_text(LABELS)
    r = run_cli("validate", str(tmp_path / "run"), "--labels", str(tmp_path / "labels.yaml"),
                "--json", str(tmp_path / "v.json"), "--html", str(tmp_path / "v.html"), "--no-embed",
                "--fit", str(tmp_path / "cal.json"))
    assert r.returncode == 0, r.stderr
    assert "cllr" in r.stdout and "teacher_top1" in r.stdout
    assert "pair scores" in r.stderr  # progress bars go to stderr
    d = json.loads((tmp_path / "v.json").read_text())
    assert d["format"] == "distill-forensics/validation/2" and len(d["pairs"]) > 20
    fus = Fusion.load(tmp_path / "cal.json")
    assert fus.n_sources == {"h1": 5, "h2": 6} and fus.weights and all(w > 0 for w in fus.weights)
    cv = fus.provenance["cross_validated"]["leave_suspect_lineage_out"]
    # a calibration file fuses the families that carry to a case's own controls, with their own figures
    assert fus.features == ["family.similarity", "family.stylometry"] and d["file"]["features"] == fus.features
    assert cv["cllr"] == pytest.approx(d["file"]["cllr"]) and fus.provenance["settings"]["n_models"] == 13
    assert "fused as a calibration file fuses them (similarity, stylometry)" in r.stdout
    assert len(fus.provenance["models"]) == 13 and fus.provenance["embedding"] is None
    assert "reference family out too" in r.stdout and "of 6 (≤" in r.stdout
    html = (tmp_path / "v.html").read_text()
    assert "Tippett plot" in html and html.count("data:image/png;base64,") == 2 and "<script" not in html


def test_a_tie_with_another_reference_is_not_a_teacher_top1(labels):
    from forensics.evidence._validate import _case_figures

    rows = [("alpha-1", "ra", "h1", "student_teacher", 0.3), ("alpha-1", "rb", "other", "other", 0.3),
            ("beta-1", "rb", "h1", "student_teacher", 0.5), ("beta-1", "ra", "other", "other", 0.1)]
    t = pd.DataFrame(rows, columns=["suspect", "reference", "label", "kind", "log10_lr"])
    f = _case_figures(t, labels)
    assert (f["teacher_top1"], f["teacher_top1_of"]) == (1, 2)


@pytest.mark.slow  # loads the bundled MiniLM
def test_cli_validate_embeds_once_and_caches_the_population(tmp_path):
    collect_panel(tmp_path / "run")
    (tmp_path / "labels.yaml").write_text(LABELS)
    args = ("validate", str(tmp_path / "run"), "--labels", str(tmp_path / "labels.yaml"))
    first = run_cli(*args, "--json", str(tmp_path / "a.json"))
    assert first.returncode == 0, first.stderr
    cached = list((tmp_path / "run" / "cache").glob("population-*.npz"))
    assert len(cached) == 1 and (tmp_path / "run" / "cache" / "embeddings").is_dir()
    stamp = cached[0].stat().st_mtime_ns
    second = run_cli(*args, "--json", str(tmp_path / "b.json"))
    assert second.returncode == 0 and cached[0].stat().st_mtime_ns == stamp  # read back, not recomputed
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    assert "embedding" in a["settings"]["measures"] and a["pairs"] == b["pairs"]
    no_embed = run_cli(*args, "--no-embed", "--json", str(tmp_path / "c.json"))
    c = json.loads((tmp_path / "c.json").read_text())
    assert no_embed.returncode == 0 and "embedding" not in c["settings"]["measures"]
    assert len(list((tmp_path / "run" / "cache").glob("population-*.npz"))) == 2
