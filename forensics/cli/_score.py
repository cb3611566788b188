"""`forensics score`: every stored text's log-probability under open weights (the likelihood family)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from forensics.core import InputError

from ._app import RunDir, app
from ._display import _progress_printer, _safe, out


def _scorer(value: str, specs: dict[str, str]) -> tuple[str, str]:
    name, sep, spec = value.partition("=")
    if sep:
        return name, spec
    if name not in specs:
        raise InputError(f"scorer {name!r} is not a model of this run; give NAME=SPEC "
                         f"(e.g. {name}=llamacpp:model.gguf)")
    return name, specs[name]


@app.command("score")
def _score(
    run_dir: RunDir,
    scorer: Annotated[list[str], typer.Option("--scorer", help="A model whose weights score the texts: a run "
                      "model's name (its stored spec is used) or NAME=SPEC (repeatable; llamacpp: and hf: specs).")],
) -> None:
    """Score every stored text under each scorer's weights (cached in RUN_DIR/cache/scores.sqlite).

    `forensics analyze` then adds the likelihood family for every reference that is a scorer:
    how much likelier the suspect's answers are under R's weights than under the other scorers'.
    Each text is scored given the probe's own prompt, never a model's private system prompt.
    """
    from forensics.collect import score_run
    from forensics.store import load_run

    run = load_run(run_dir)
    specs = dict(zip(run.models["name"], run.models["spec"]))
    scorers = [_scorer(v, specs) for v in scorer]
    with _progress_printer() as progress:
        done = score_run(run_dir, scorers, progress=progress)
    t = Table("scorer", "weights", "scored now", "already cached")
    for s in done:
        t.add_row(_safe(s.scorer), s.scorer_id[:19], str(s.scored), str(s.cached))
    out.print(t)
