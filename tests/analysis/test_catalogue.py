"""The one table of analyses: what the evidence runs, names, and the LR model's family settings."""

from forensics.analysis import CATALOGUE, FAMILIES, analysis_info, family_of, runners
from forensics.evidence import LRModel, analyze_responses, hashing_embed
from tests.synthetic import make_responses


def test_every_analysis_the_evidence_runs_is_catalogued():
    df, s, r, controls = make_responses(5, n_probes=40, distilled=0.5)
    ev = analyze_responses(df, s, r, controls, embed=hashing_embed, n_perm=50, n_boot=50)
    produced = list(ev.summary["analysis"])
    assert produced and all(analysis_info(name) is not None for name in produced), produced
    fams = dict(zip(ev.summary["analysis"], ev.summary["family"]))
    assert all(fams[n] == analysis_info(n).family for n in produced)
    assert ev.settings["analyses_run"] == [fn.__qualname__ for _, fn in runners()]


def test_catalogue_is_consistent():
    names = [a.name for a in CATALOGUE]
    assert len(names) == len(set(names))
    families = {f.name for f in FAMILIES}
    assert {a.family for a in CATALOGUE} == families
    assert all(a.title and a.about and callable(a.function) for a in CATALOGUE)
    assert family_of("similarity.new_measure") == "similarity" and family_of("identity") == "identity"


def test_lr_model_takes_family_settings_from_the_catalogue():
    m = LRModel()
    for f in FAMILIES:
        assert m.null_mass_of(f.name) == (f.null_mass if f.null_mass is not None else m.null_mass)
        assert m.group_of(f.name) == (f.group or f.name)
