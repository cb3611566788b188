"""Detection accuracy on labelled real model outputs: teacher top-1, ROC AUC, false accusations.

DIR holds AlpacaEval-format files `<model>.json`; LABELS (YAML) names the candidate references
and, for every other model, its documented teacher (or null for an independent model):

    references: [text_davinci_003, gpt-3.5-turbo-0301, gpt4_0314]
    models:
      alpaca-7b: {teacher: text_davinci_003}
      llama-2-7b-chat-hf: {teacher: null}

Everything is imported into one run (`forensics import`), then for every labelled model S and
every reference R the analysis runs with, as controls, the independent models and the other
references (never S or R). Independent-vs-independent pairs give a second null sample.

    python benchmarks/provenance_bench.py --data ../shared/data/alpaca_eval \
        --labels benchmarks/alpaca_eval_labels.yaml [--json OUT.json] [--prompts K] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forensics  # noqa: E402
from forensics.evidence import Embedder  # noqa: E402
from forensics.evidence import analyze_pairs, default_jobs  # noqa: E402

MODERATELY_STRONG = 4


def load_labels(path: Path) -> tuple[list[str], dict[str, str | None]]:
    """(references, {model: documented teacher or None}) from a labels YAML file."""
    labels = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(labels["references"]), {m: (v or {}).get("teacher") for m, v in labels["models"].items()}


def data_arguments(ap: argparse.ArgumentParser) -> None:
    """The options every AlpacaEval-format benchmark takes: data, labels, JSON output, run, cache."""
    ap.add_argument("--data", type=Path, required=True, help="folder of <model>.json AlpacaEval outputs")
    ap.add_argument("--labels", type=Path, required=True, help="labels YAML (references, teachers)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--run", type=Path, default=None, help="run directory (default: a temporary one)")
    ap.add_argument("--embed-cache", type=Path, default=None, help="embedding cache (default: RUN/cache)")


def import_all(data: Path, models: list[str], run_dir: Path) -> pd.DataFrame:
    """Import each model's file into one run (idempotent) and return the responses frame."""
    for m in models:
        forensics.import_transcripts(data / f"{m}.json", m, run_dir)
    return forensics.load_run(run_dir).responses


def common_subset(df: pd.DataFrame, models: list[str], k: int | None, seed: int) -> pd.DataFrame:
    """Responses on the probes every model answered, optionally a seeded random subset of K."""
    sub = df[df["model"].isin(models) & (df["sample"] == 0)]
    per = sub.groupby("probe_id")["model"].nunique()
    probes = sorted(per.index[per == len(models)])
    if k is not None and k < len(probes):
        probes = sorted(random.Random(seed).sample(probes, k))
    return sub[sub["probe_id"].isin(probes)].reset_index(drop=True)


def flat(ev, s: str, r: str) -> dict:
    """One (suspect, reference) assessment as a flat row."""
    p = ev.summary["p_holm"].dropna()
    return {"suspect": s, "reference": r, "level": int(ev.verdict.level), "log10_lr": float(ev.verdict.log10_lr),
            "p_value": float(p.min()) if len(p) else 1.0, "inconclusive": bool(ev.verdict.inconclusive),
            "wording": ev.verdict.wording}


def auc(pos: list[float], neg: list[float]) -> float | None:
    """ROC AUC of positives over negatives (ties count half); None when a class is empty."""
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def summarise(rows: list[dict], teachers: dict[str, str | None], refs: list[str], null_rows: list[dict]) -> dict:
    """Top-1 accuracy, AUC per reference, false accusations, null p-value shares (both null kinds)."""
    by = {(r["suspect"], r["reference"]): r for r in rows}
    distilled = [s for s, t in teachers.items() if t]
    independent = [s for s, t in teachers.items() if not t]
    top1 = [max(refs, key=lambda r: by[(s, r)]["log10_lr"]) == teachers[s] for s in distilled]
    aucs = {r: auc([by[(s, r)]["log10_lr"] for s in distilled if teachers[s] == r],
                   [by[(s, r)]["log10_lr"] for s in independent]) for r in refs}
    false_acc = sum(1 for s in independent for r in refs if by[(s, r)]["level"] >= MODERATELY_STRONG)
    false_acc += sum(1 for x in null_rows if x["level"] >= MODERATELY_STRONG)
    vs_ref = [by[(s, r)]["p_value"] for s in independent for r in refs]
    vs_ind = [x["p_value"] for x in null_rows]
    null_p = vs_ref + vs_ind

    def share(ps: list[float], alpha: float) -> float | None:
        return float(np.mean([p < alpha for p in ps])) if ps else None

    return {"top1_accuracy": float(np.mean(top1)) if top1 else None, "auc": aucs,
            "false_accusations": int(false_acc),
            "null_p05_share": share(null_p, 0.05), "null_p01_share": share(null_p, 0.01),
            "n_null_pairs": len(null_p),
            "null_by_kind": {"independent_vs_reference": {"n": len(vs_ref), "p05": share(vs_ref, 0.05),
                                                          "p01": share(vs_ref, 0.01)},
                             "independent_vs_independent": {"n": len(vs_ind), "p05": share(vs_ind, 0.05),
                                                            "p01": share(vs_ind, 0.01)}},
            "teacher_log10_lr": {s: by[(s, teachers[s])]["log10_lr"] for s in distilled}}


def evaluate(df: pd.DataFrame, teachers: dict[str, str | None], refs: list[str], embed, seed: int,
             jobs: int | None = None) -> tuple[list[dict], list[dict], dict]:
    """Every (labelled model, reference) pair and every independent-vs-independent pair, summarised.

    Controls of each pair: the independent models and the references, never S or R. The pairs are
    assessed on `jobs` processes (default: every core); the numbers do not depend on it.
    """
    independent = [m for m, t in teachers.items() if not t]
    main = [(s, r) for s in teachers for r in refs]
    null = [(s, r) for s in independent for r in independent if r != s]  # a second null sample
    triples = [(s, r, [c for c in independent + refs if c not in (s, r)]) for s, r in main + null]
    evs = analyze_pairs(df, triples, jobs=jobs or default_jobs(), embed=embed, seed=seed)
    flat_rows = [flat(ev, s, r) for ev, (s, r, _) in zip(evs, triples)]
    rows, null_rows = flat_rows[:len(main)], flat_rows[len(main):]
    return rows, null_rows, summarise(rows, teachers, refs, null_rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data_arguments(ap)
    ap.add_argument("--prompts", type=int, default=None, help="random subset of K prompts (default: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=None, help="processes for the pair assessments (default: all cores)")
    args = ap.parse_args(argv)
    refs, teachers = load_labels(args.labels)
    models = refs + list(teachers)
    run_dir = args.run or Path(tempfile.mkdtemp(prefix="provenance-bench-")) / "run"
    t0 = time.time()
    df = common_subset(import_all(args.data, models, run_dir), models, args.prompts, args.seed)
    embed = Embedder(args.embed_cache or run_dir / "cache" / "embeddings").embed
    embed(list(df["text"]))
    print(f"{df.probe_id.nunique()} prompts x {len(models)} models imported and embedded in {time.time() - t0:.0f} s",
          flush=True)
    rows, null_rows, summary = evaluate(df, teachers, refs, embed, args.seed, jobs=args.jobs)
    print("\n| suspect | reference | teacher? | level | log10 LR | min Holm p |\n|---|---|---|---|---|---|")
    for x in rows:
        mark = "yes" if teachers[x["suspect"]] == x["reference"] else ""
        print(f"| {x['suspect']} | {x['reference']} | {mark} | {x['level']} | {x['log10_lr']:+.2f} | {x['p_value']:.3g} |")
    print(f"\ntop-1 teacher accuracy: {summary['top1_accuracy']}")
    print("AUC per reference (distilled-from-R vs independent, by log10 LR): "
          + ", ".join(f"{r}: {'n/a' if a is None else f'{a:.3f}'}" for r, a in summary["auc"].items()))
    print("false accusations (an independent model at moderately strong or above, against a reference "
          f"or another independent model): {summary['false_accusations']}")
    print("\nnull calibration (min Holm p over the analyses of each pair)\n\n"
          "| null pairs | n | p < 0.05 | p < 0.01 |\n|---|---|---|---|")
    for kind, v in summary["null_by_kind"].items():
        print(f"| {kind.replace('_', ' ')} | {v['n']} | {v['p05']:.3f} | {v['p01']:.3f} |")
    print(f"| all | {summary['n_null_pairs']} | {summary['null_p05_share']:.3f} | {summary['null_p01_share']:.3f} |")
    print(f"total {time.time() - t0:.0f} s")
    if args.json:
        out = {k: summary[k] for k in ("top1_accuracy", "auc", "false_accusations", "null_p05_share",
                                       "null_p01_share", "null_by_kind")}
        out["pairs"] = [{k: x[k] for k in ("suspect", "reference", "level", "log10_lr", "p_value")} for x in rows]
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
