"""`forensics.analyze` on a stored run: roles, the run's embedding cache, stored evidence."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from forensics.core import InputError
from forensics.store import Run, RunStore, load_run

from ._analyze import analyze_responses
from ._embeddings import MODEL_ID
from ._fusion import Fusion
from ._parallel import default_jobs
from ._rank import rank_references
from ._system import apply_calibrated, calibrated_lr, shipped_calibration
from ._labels import Labels
from ._types import Evidence, Reason
from ._watermark import WatermarkEvidence


def _as_run(run: Run | str | Path) -> Run:
    return run if isinstance(run, Run) else load_run(run)


def _roles(run: Run, suspect: str, references: Sequence[str], controls: Sequence[str] | None) -> list[str]:
    models = set(run.responses["model"].unique())
    for name in (suspect, *references, *(controls or [])):
        if name not in models:
            raise InputError(f"model {name!r} has no responses in {run.path} (models: {', '.join(sorted(models))})")
    if suspect in references:
        raise InputError(f"{suspect!r} is both the suspect and a reference")
    if controls is None:
        return sorted(models - {suspect, *references})
    bad = [c for c in controls if c == suspect or c in references]
    if bad:
        raise InputError(f"control {bad[0]!r} is also the suspect or a reference")
    return list(dict.fromkeys(controls))


def _embedder(run: Run, models: Sequence[str], progress=None):
    """The run's cached embedder, its cache first filled for `models`' texts (with `progress`),
    so that long embedding work shows a bar and the analyses only read the cache."""
    from ._embeddings import Embedder

    emb = Embedder(run.path / "cache" / "embeddings")
    if progress is not None:
        texts = run.responses.loc[run.responses["model"].isin(list(models)), "text"].dropna()
        emb.embed([str(t) for t in texts], progress=progress)
    return emb.embed


def responses_with_scores(run: Run) -> pd.DataFrame:
    """The run's responses with a `logprob:<scorer>` column (mean log-probability per token) for
    every scorer cached in the run (`forensics score`); the responses alone when none is."""
    from forensics.store import cached_scores, run_texts

    scores = cached_scores(run.path)
    if scores.empty:
        return run.responses
    scores = scores[scores["n_tokens"] > 0]
    scores = scores.assign(mean=scores["logprob"] / scores["n_tokens"])
    wide = scores.pivot(index="text_key", columns="scorer", values="mean")
    wide.columns = [f"logprob:{c}" for c in wide.columns]
    keys = run_texts(run.path)[["model", "probe_id", "sample", "text_key"]]
    cols = keys.merge(wide, left_on="text_key", right_index=True, how="left").drop(columns="text_key")
    return run.responses.merge(cols, on=["model", "probe_id", "sample"], how="left")


def _calibration(calibration) -> Fusion | None:
    """The calibration to use: a Fusion, a file's path, "shipped" (the packaged one) or None."""
    if calibration is None or isinstance(calibration, Fusion):
        return calibration
    path = shipped_calibration() if calibration == "shipped" else Path(calibration)
    if calibration == "shipped" and not path.exists():
        return None
    try:
        return Fusion.load(path)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"cannot read calibration file {path}: {e}") from None


def _calibrate(run: Run, ev: Evidence, suspect: str, reference: str, controls: list[str], labels, fus,
               embed, progress, memo: dict | None = None) -> None:
    """Replace the verdict's LR by the one LR system's (see `_system`), or state the fallback."""
    own = embed is None  # the run's MiniLM embedder: its population is cached under the model's name
    cal = calibrated_lr(run.responses, suspect, reference, controls, labels=labels, calibration=fus,
                        embed=_embedder(run, [], None) if own else (embed or None),
                        embedding=MODEL_ID if own else None, cache_dir=run.path / "cache", progress=progress,
                        memo=memo)
    apply_calibrated(ev, cal)


def _provenance(run: Run) -> dict:
    return {"run_manifest_hash": run.manifest.get("manifest_hash"), "n_responses": int(len(run.responses))}


def analyze(run: Run | str | Path, suspect: str, reference: str, controls: Sequence[str] | None = None, *,
            seed: int = 0, store: bool = True, embed=None, progress=None,
            watermark: WatermarkEvidence | None = None, labels: Labels | None = None,
            calibration="shipped") -> Evidence:
    """Evidence for H1 "suspect was trained on reference's outputs" against H2 "independent".

    `controls` defaults to every other model in the run. The evidence is stored in the run
    (table `evidence`) unless `store=False`. Same run and seed, same numbers. `progress(what,
    done, total)` hears of the embedding of texts not yet in the run's cache. `watermark`: the
    reference's watermark key and tokenizer, for the radioactivity analysis (only its settings and
    SHA-256 are stored). `labels` and `calibration` (a Fusion, a file, "shipped" or None) choose the
    calibration of the verdict's LR as `_system` says; with `labels` the controls are the admissible
    ones (explicit `controls` are then refused).
    """
    run = _as_run(run)
    fus = _calibration(calibration)
    if labels is not None:
        if controls:
            raise InputError("give either labels or controls, not both")
        adm = labels.admissible_controls(sorted(run.responses["model"].unique()), suspect, reference)
        controls = adm.admitted
    ctrl = _roles(run, suspect, [reference], controls)
    ev = analyze_responses(responses_with_scores(run), suspect, reference, ctrl, seed=seed,
                           embed=_embedder(run, [suspect, reference, *ctrl], progress) if embed is None
                           else embed, watermark=watermark)
    ev.settings.update(_provenance(run))
    if labels is not None:
        _note_admission(ev, adm)
    _calibrate(run, ev, suspect, reference, ctrl, labels, fus, embed, progress)
    if store:
        _store(run, suspect, reference, ctrl, ev)
    return ev


def _candidate_references(run: Run | str | Path, suspect: str, labels: Labels) -> list[str]:
    """The labels' references that have answers in the run (the suspect left out), in the labels' order:
    the candidates `rank` assesses when it is given none."""
    run = _as_run(run)
    models = set(run.responses["model"].unique())
    found = [r for r in labels.references if r in models and r != suspect]
    if not found:
        raise InputError(f"none of the labels' references ({', '.join(labels.references) or 'none listed'}) has "
                         f"answers in {run.path}; give --reference, or import the panel (--panel)")
    return found


def rank(run: Run | str | Path, suspect: str, references: Sequence[str] | None, controls: Sequence[str] | None = None, *,
         seed: int = 0, store: bool = True, embed=None, jobs: int = 1,
         labels: Labels | None = None, progress=None,
         watermark: WatermarkEvidence | None = None, calibration="shipped") -> pd.DataFrame:
    """Rank candidate references for the suspect, each with its own evidence (column `evidence`).

    `jobs` > 1 (0: every core) assesses three or more candidates on several processes; the
    numbers are the same. With `labels`, each reference's controls are the models of the run
    documented as independent of it and unrelated to the suspect (explicit `controls` are then
    refused); the verdict lists who was admitted and who was excluded, and why. `progress` as
    in `analyze`; `watermark`: one candidate's key (`watermark.reference`) and tokenizer;
    `calibration` as in `analyze`. The table is sorted by the verdicts' (calibrated) LRs. With no
    `references` (None or empty) the candidates are the labels' references in the run (`labels` needed)."""
    run = _as_run(run)
    if not references:
        if labels is None:
            raise InputError("name at least one reference, or give labels whose references are the candidates")
        references = _candidate_references(run, suspect, labels)
    fus = _calibration(calibration)
    ctrl = _roles(run, suspect, references, controls)
    admissions = None
    if labels is not None:
        if controls:
            raise InputError("give either --labels or --control, not both")
        models = sorted(run.responses["model"].unique())
        admissions = {r: labels.admissible_controls(models, suspect, r) for r in references}
    table = rank_references(responses_with_scores(run), suspect, list(references), ctrl, seed=seed,
                            embed=_embedder(run, [suspect, *references, *ctrl], progress) if embed is None
                            else embed,
                            jobs=jobs if jobs > 0 else default_jobs(),
                            controls_by_reference=None if admissions is None else
                            {r: a.admitted for r, a in admissions.items()}, watermark=watermark)
    memo: dict = {}  # the population and labelled table, made once for every reference
    for _, row in table.iterrows():
        ev = row["evidence"]
        ev.settings.update(_provenance(run))
        ctrl_k = [c for c in row["controls"].split(", ") if c]
        if admissions is not None:
            _note_admission(ev, admissions[row["reference"]])
        _calibrate(run, ev, suspect, row["reference"], ctrl_k, labels, fus, embed, progress, memo)
        if store:
            _store(run, suspect, row["reference"], ctrl_k, ev)
    return _resorted(table)


def _resorted(table: pd.DataFrame) -> pd.DataFrame:
    """The ranking again from the verdicts, which calibration may have changed."""
    if table.empty:
        return table
    for col, get in (("log10_lr", lambda v: v.log10_lr), ("level", lambda v: v.level),
                     ("wording", lambda v: v.wording), ("inconclusive", lambda v: v.inconclusive)):
        table[col] = [get(ev.verdict) for ev in table["evidence"]]
    table = table.sort_values("log10_lr", ascending=False, kind="mergesort").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    return table


def _note_admission(ev: Evidence, adm) -> None:
    """Who the labels admitted as controls, and who they excluded and why, in the verdict."""
    ev.settings["admission"] = {"admitted": list(adm.admitted), "excluded": dict(adm.excluded)}
    text = (f"Controls chosen from the labels: {len(adm.admitted)} admitted ({', '.join(adm.admitted) or 'none'})"
            + ("; excluded: " + "; ".join(f"{m} ({why})" for m, why in adm.excluded.items())
               if adm.excluded else "") + ".")
    ev.verdict.reasons.append(Reason("controls", text))


def _store(run: Run, suspect: str, reference: str, controls: list[str], ev: Evidence) -> None:
    with RunStore(run.path) as st:
        st.add_evidence(suspect, reference, controls, ev.to_dict())


def stored_evidence(run_dir: str | Path) -> list[Evidence]:
    """The latest stored evidence per (suspect, reference) pair; `Evidence.stored_at` says when."""
    with RunStore(run_dir) as st:
        rows = st.latest_evidence()
    out = []
    for row in rows:
        ev = Evidence.from_dict(row["payload"])
        ev.stored_at = row.get("created_at")
        out.append(ev)
    return out
