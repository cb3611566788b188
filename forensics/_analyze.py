"""`forensics.analyze` on a stored run: roles, the run's embedding cache, stored evidence."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ._errors import InputError
from .api import Run, load_run
from .evidence import Evidence, analyze_responses, rank_references
from .store import RunStore


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


def _embedder(run: Run):
    from .embeddings import Embedder

    return Embedder(run.path / "cache" / "embeddings").embed


def _provenance(run: Run) -> dict:
    return {"run_manifest_hash": run.manifest.get("manifest_hash"), "n_responses": int(len(run.responses))}


def analyze(run: Run | str | Path, suspect: str, reference: str, controls: Sequence[str] | None = None, *,
            seed: int = 0, store: bool = True, embed=None) -> Evidence:
    """Evidence for H1 "suspect was trained on reference's outputs" against H2 "independent".

    `controls` defaults to every other model in the run. The evidence is stored in the run
    (table `evidence`) unless `store=False`. Same run and seed, same numbers.
    """
    run = _as_run(run)
    ctrl = _roles(run, suspect, [reference], controls)
    ev = analyze_responses(run.responses, suspect, reference, ctrl, seed=seed,
                           embed=_embedder(run) if embed is None else embed)
    ev.settings.update(_provenance(run))
    if store:
        _store(run, suspect, reference, ctrl, ev)
    return ev


def rank(run: Run | str | Path, suspect: str, references: Sequence[str], controls: Sequence[str] | None = None, *,
         seed: int = 0, store: bool = True, embed=None, jobs: int = 1) -> pd.DataFrame:
    """Rank candidate references for the suspect, each with its own evidence (column `evidence`).

    `jobs` > 1 (0: every core) assesses three or more candidates on several processes; the
    numbers are the same."""
    from ._parallel import default_jobs

    run = _as_run(run)
    ctrl = _roles(run, suspect, references, controls)
    table = rank_references(run.responses, suspect, list(references), ctrl, seed=seed,
                            embed=_embedder(run) if embed is None else embed,
                            jobs=jobs if jobs > 0 else default_jobs())
    for _, row in table.iterrows():
        row["evidence"].settings.update(_provenance(run))
        if store:
            ctrl_k = [c for c in row["controls"].split(", ") if c]
            _store(run, suspect, row["reference"], ctrl_k, row["evidence"])
    return table


def _store(run: Run, suspect: str, reference: str, controls: list[str], ev: Evidence) -> None:
    with RunStore(run.path) as st:
        st.add_evidence(suspect, reference, controls, ev.to_dict())


def stored_evidence(run_dir: str | Path) -> list[Evidence]:
    """The latest stored evidence per (suspect, reference) pair."""
    with RunStore(run_dir) as st:
        return [Evidence.from_dict(row["payload"]) for row in st.latest_evidence()]
