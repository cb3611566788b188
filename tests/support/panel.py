"""A synthetic labelled panel in the AlpacaEval format: one `model_outputs.json` per model, named
after it, answering instructions of the bundled `alpaca_eval` suite (never the real panel's files)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from forensics.probes import alpaca_eval_suite


def alpaca_prompts(n: int) -> list[str]:
    """The first `n` instructions of the bundled AlpacaEval suite."""
    return [p.prompt or "" for p in alpaca_eval_suite().probes[:n]]


def write_model_outputs(path: Path, model: str, pairs: list[tuple[str, str]]) -> Path:
    """(instruction, output) pairs as an AlpacaEval model_outputs.json."""
    rows = [{"instruction": i, "dataset": "synthetic", "output": o, "generator": model} for i, o in pairs]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def write_panel(folder: Path, frame: pd.DataFrame, models: list[str] | None = None) -> Path:
    """Each model of `frame` (model, probe_id, text) as `folder/<model>.json`: probe k (in sorted
    probe-id order) answers the suite's k-th instruction. `models` picks some models only."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = sorted(frame["probe_id"].unique())
    prompt_of = dict(zip(ids, alpaca_prompts(len(ids))))
    for model, g in frame.groupby("model"):
        if models is None or model in models:
            write_model_outputs(folder / f"{model}.json", str(model),
                                [(prompt_of[pid], text) for pid, text in zip(g["probe_id"], g["text"])])
    return folder
