"""Precision and recall of the identity extractor on the hand-labelled set in identity_eval/.

Headline: "claims a vendor other than its own" (a self-claim naming a vendor that is not the
speaker's maker), per language. Also: persona claims (never counted as self-claims) and
mentions (never claims). Prints its command and commit; `--json OUT` writes the figures.

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


def evaluate(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-row predictions and per-language figures."""
    t0 = time.perf_counter()
    got = extract_identity_claims(df)
    seconds = time.perf_counter() - t0
    df = df.reset_index(drop=True)
    other = lambda vendors, own: bool(set(vendors) - {own})
    df["truth"] = [lab == "self_claim" and other(cv, sv)
                   for lab, cv, sv in zip(df["label"], df["claimed_vendors"], df["speaker_vendor"])]
    df["pred"] = [other(cv, sv) for cv, sv in zip(got["claimed_vendors"], df["speaker_vendor"])]
    df["pred_vendors"] = list(got["claimed_vendors"])
    persona = got["persona_vendors"] if "persona_vendors" in got.columns else [[]] * len(got)  # older extractors
    df["pred_persona"] = [bool(v) for v in persona]
    df["quote"] = list(got["quote"])
    rows = []
    for lang, part in [("en", df[df["lang"] == "en"]), ("zh", df[df["lang"] == "zh"]),
                       ("other 8", df[~df["lang"].isin(["en", "zh"])]), ("all", df)]:
        rows.append({"language": lang, **_pr(part["truth"], part["pred"])})
    persona = df["label"] == "persona_claim"
    rows.append({"language": "persona rows read as persona", **_pr(persona, df["pred_persona"])})
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
        print(fig.to_string(index=False))
    print(f"extractor time: {fig.attrs['seconds']:.2f} s for {len(df)} texts")
    if args.errors:
        for r in df[df["truth"] != df["pred"]].itertuples():
            kind = "FN" if r.truth else "FP"
            print(f"{kind} {r.id} [{r.cls}] truth={r.claimed_vendors} got={r.pred_vendors} "
                  f"speaker={r.speaker_vendor}: {r.text[:140]!r}")
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "figures": fig.to_dict("records")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
