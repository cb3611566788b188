"""Calibration on synthetic models: no false accusations under the null, distillation detected.

Each synthetic model is a random bundle of habits drawn from one population (tests/synthetic.py).
Null case: the suspect is one more independent draw, exactly like the five controls. Distilled
case: the suspect copies each of R's habits (and its per-probe content) with probability 0.8. The fast hashing embedder stands in
for the sentence-embedding model; resampling counts are reduced to keep the suite quick.
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from forensics.analysis import attribution_analysis, similarity_analyses, stylometry_analyses
from forensics.evidence import hashing_embed
from forensics.evidence import analyze_responses
from tests.synthetic import make_responses

pytestmark = pytest.mark.slow  # 36 analyses on a process pool

N_NULL = 32
N_DISTILLED = 4
ANALYSES = [("similarity", similarity_analyses), ("stylometry", stylometry_analyses),
            ("attribution", attribution_analysis)]


def _case(args: tuple[int, float]) -> dict:
    """Verdict, per-analysis p-values and Holm p-values of one synthetic case."""
    seed, distilled = args
    df, s, r, controls = make_responses(seed, n_controls=5, n_probes=36, distilled=distilled)
    ev = analyze_responses(df, s, r, controls, embed=hashing_embed, seed=seed, n_perm=500,
                           n_boot=250, analyses=ANALYSES)
    used = ev.summary[ev.summary["applicable"].astype(bool)]
    return {"seed": seed, "level": ev.verdict.level, "log10_lr": ev.verdict.log10_lr,
            "inconclusive": ev.verdict.inconclusive, "p": used["p_value"].to_numpy(float),
            "p_holm": used["p_holm"].to_numpy(float)}


def _run(cases: list[tuple[int, float]]) -> list[dict]:
    """Run cases on two worker processes (the CI machine has two cores)."""
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("fork")) as pool:
        return list(pool.map(_case, cases))


def test_null_cases_are_calibrated_and_never_accuse():
    out = _run([(1000 + i, 0.0) for i in range(N_NULL)])
    p = np.concatenate([o["p"] for o in out])
    share_any = np.mean([np.any(o["p_holm"] < 0.05) for o in out])
    share_p = np.mean(p < 0.05)
    levels = [o["level"] for o in out]
    assert share_p <= 0.07, share_p
    assert share_any <= 0.07, share_any
    assert max(levels) < 4, [(o["seed"], o["log10_lr"]) for o in out]
    assert np.median([o["log10_lr"] for o in out]) < 0


def test_distilled_suspect_is_detected():
    out = _run([(2000 + i, 0.8) for i in range(N_DISTILLED)])
    detected = [o["log10_lr"] >= 1 and not o["inconclusive"] and np.nanmin(o["p_holm"]) < 0.05
                for o in out]
    assert sum(detected) >= N_DISTILLED - 1, [(o["seed"], o["log10_lr"], o["inconclusive"]) for o in out]
