"""Precision and recall of the identity extractor on the hand-labelled set in identity_eval/.

Headline (issue 32): "claims a vendor other than its own" in a self-claim or a channel claim
(role-play tag or named character), from each row's `claims` key (check.py's is_positive),
per language; the extractor's positive is its self-claimed or persona-claimed vendors. Per
kind (self, channel, trace) the same with one kind's vendors on both sides (the extractor has
no trace kind yet: its trace column is empty). The old figures (label self_claim only against
the extractor's self-claims, and persona rows read as persona) are kept below. Prints its
command and commit; `--json OUT` writes the figures.

    python benchmarks/identity_eval_bench.py [--json OUT] [--errors]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from forensics.analysis import extract_identity_claims

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "identity_eval"))
from check import is_positive  # the set's own definition of a positive

LANGS = ("en", "zh")
# the extractor's column for each kind of claim (None: not extracted yet)
PRED_COLUMNS = {"self": ("claimed_vendors",), "channel": ("persona_vendors",), "trace": ()}
DATA = HERE / "identity_eval" / "responses.jsonl"


def load() -> pd.DataFrame:
    """The labelled rows, in the frame the extractor reads."""
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    df = pd.DataFrame(rows)
    return df.assign(model=df["id"], probe_id=df["id"], sample=0, language=df["lang"])


def _pr(truth: pd.Series, pred: pd.Series) -> dict:
    tp = int((truth & pred).sum())
    fp = int((~truth & pred).sum())
    fn = int((truth & ~pred).sum())
    return {"n": len(truth), "positives": int(truth.sum()), "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan")}


def _other(vendors, own) -> bool:
    return bool(set(vendors) - {own})


def _by_language(df: pd.DataFrame, truth: str, pred: str, name: str) -> list[dict]:
    parts = [(lang, df[df["lang"] == lang]) for lang in LANGS]
    parts += [("other 8", df[~df["lang"].isin(LANGS)]), ("all", df)]
    return [{"figure": name, "language": lang, **_pr(part[truth], part[pred])} for lang, part in parts]


def evaluate(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-row predictions and per-language figures (headline, per kind, old definitions)."""
    t0 = time.perf_counter()
    got = extract_identity_claims(df)
    seconds = time.perf_counter() - t0
    df = df.reset_index(drop=True)
    got = got.reset_index(drop=True)
    recs = df.to_dict("records")
    for kind, cols in PRED_COLUMNS.items():
        df[f"truth_{kind}"] = [is_positive(r, (kind,)) for r in recs]
        df[f"pred_{kind}_vendors"] = [sorted({v for c in cols if c in got.columns for v in got.at[i, c]})
                                      for i in range(len(df))]
        df[f"pred_{kind}"] = [_other(v, sv) for v, sv in zip(df[f"pred_{kind}_vendors"], df["speaker_vendor"])]
    df["truth"] = [is_positive(r) for r in recs]
    df["pred_vendors"] = [sorted(set(a) | set(b)) for a, b in zip(df["pred_self_vendors"], df["pred_channel_vendors"])]
    df["pred"] = [_other(v, sv) for v, sv in zip(df["pred_vendors"], df["speaker_vendor"])]
    df["truth_old"] = [lab == "self_claim" and _other(cv, sv)
                       for lab, cv, sv in zip(df["label"], df["claimed_vendors"], df["speaker_vendor"])]
    df["persona_row"] = df["label"] == "persona_claim"
    df["pred_persona"] = [bool(v) for v in got["persona_vendors"]] if "persona_vendors" in got.columns \
        else False  # older extractors
    df["quote"] = list(got["quote"])
    rows = _by_language(df, "truth", "pred", "headline: self + channel")
    for kind in PRED_COLUMNS:
        rows += _by_language(df, f"truth_{kind}", f"pred_{kind}", f"kind: {kind}")
    rows += _by_language(df, "truth_old", "pred_self", "old: label self_claim vs self")
    rows += _by_language(df, "persona_row", "pred_persona", "old: persona rows read as persona")
    fig = pd.DataFrame(rows)
    fig.attrs["seconds"] = seconds
    return df, fig


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--errors", action="store_true", help="print every wrong row")
    args = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE, check=False).stdout.strip()
    print(f"$ python {' '.join(sys.argv)}   (commit {commit})")
    df, fig = evaluate(load())
    with pd.option_context("display.width", 100, "display.precision", 3):
        for name, part in fig.groupby("figure", sort=False):
            print(f"\n{name}")
            print(part.drop(columns="figure").to_string(index=False))
    print(f"extractor time: {fig.attrs['seconds']:.2f} s for {len(df)} texts")
    if args.errors:
        for r in df[df["truth"] != df["pred"]].itertuples():
            kind = "FN" if r.truth else "FP"
            print(f"{kind} {r.id} [{r.cls}] truth={r.claims} got={r.pred_vendors} "
                  f"speaker={r.speaker_vendor}: {r.text[:140]!r}")
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "figures": fig.to_dict("records")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
