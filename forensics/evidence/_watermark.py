"""Watermark scores of every model's stored texts under one key and tokenizer (radioactivity)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from forensics.watermark import WatermarkKey, score_tokens

SCORE_COLUMNS = ("model", "n_texts", "n_tokens", "n_scored", "n_green", "green_share", "z", "p_value")
SKIPPED_CATEGORIES = ("fingerprint",)  # few-token greedy answers: hardly any scorable tuples


@dataclass(frozen=True)
class WatermarkEvidence:
    """The reference's watermark key, and the tokenizer (R's) its green lists are defined over.

    `tokenizer_spec` is recorded with the evidence; the key only as its SHA-256."""

    reference: str
    key: WatermarkKey = field(repr=False)
    tokenize: Callable[[str], list[int]] = field(repr=False)
    tokenizer_spec: str = ""

    def settings(self) -> dict:
        return {"reference": self.reference, "tokenizer": self.tokenizer_spec, **self.key.settings()}


def radioactivity_scores(responses: pd.DataFrame, key: WatermarkKey, tokenize: Callable[[str], list[int]],
                         models: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per model: its texts (answers, fingerprint suite left out) tokenized and scored for the
    key's green bias, each (context, token) tuple once across the model's texts (Sander et al.)."""
    df = responses
    if "category" in df.columns:
        df = df[~df["category"].isin(SKIPPED_CATEGORIES)]
    rows = []
    for model in (models if models is not None else sorted(df["model"].astype(str).unique())):
        texts = [t for t in df.loc[df["model"] == model, "text"] if isinstance(t, str) and t]
        s = score_tokens(key, [tokenize(t) for t in texts])
        rows.append({"model": model, "n_texts": len(texts), **{k: v for k, v in s.as_dict().items()
                                                                if k != "gamma"}})
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))
