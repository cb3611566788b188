"""Query cost: teacher top-1, AUC, false accusations and null p-value shares against the number of prompts K.

For every K (random subsets of the prompts every model answered, several seeds) this runs the
provenance benchmark's full evaluation (`provenance_bench.evaluate`) on the subset: every labelled
model against every reference, plus the independent-vs-independent null pairs.

    python benchmarks/query_cost_bench.py --data ../shared/data/alpaca_eval \
        --labels benchmarks/alpaca_eval_labels.yaml [--k 25 50 100 200 400 0] [--seeds 5] [--json OUT]

K = 0 means all prompts (one seed: the subset is the whole set). --json writes
{"table": [one row per K], "details": [every pair of every (K, seed)]}.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from provenance_bench import (Embedder, common_subset, data_arguments, evaluate,  # noqa: E402
                              import_all, load_labels)


def fmt(x: float | None, spec: str = ".3f") -> str:
    return "n/a" if x is None or not np.isfinite(x) else format(x, spec)


def pooled(shares: list[tuple[float | None, int]]) -> float | None:
    """Share over all pairs from (share, number of pairs) per seed; None without pairs."""
    n = sum(count for _, count in shares)
    return float(sum((share or 0.0) * count for share, count in shares) / n) if n else None


def aggregate(k: int, results: list[dict], refs: list[str]) -> dict:
    """Mean/min over seeds of one K's summaries; false accusations summed, null shares pooled."""
    top1 = [r["top1_accuracy"] for r in results if r["top1_accuracy"] is not None]
    aucs = {ref: [r["auc"][ref] for r in results if r["auc"][ref] is not None] for ref in refs}
    kinds = {kind: [r["null_by_kind"][kind] for r in results] for kind in results[0]["null_by_kind"]}
    return {"k": k, "seeds": len(results),
            "top1_mean": float(np.mean(top1)), "top1_min": float(np.min(top1)),
            "auc_mean": {ref: (float(np.mean(v)) if v else None) for ref, v in aucs.items()},
            "auc_min": {ref: (float(np.min(v)) if v else None) for ref, v in aucs.items()},
            "false_accusations": int(sum(r["false_accusations"] for r in results)),
            "n_null_pairs": sum(r["n_null_pairs"] for r in results),
            "null_p05_share": pooled([(r["null_p05_share"], r["n_null_pairs"]) for r in results]),
            "null_p01_share": pooled([(r["null_p01_share"], r["n_null_pairs"]) for r in results]),
            "null_by_kind": {kind: {"n": sum(x["n"] for x in xs),
                                    "p05": pooled([(x["p05"], x["n"]) for x in xs]),
                                    "p01": pooled([(x["p01"], x["n"]) for x in xs])}
                             for kind, xs in kinds.items()},
            "teacher_log10_lr_mean": float(np.mean([v for r in results for v in r["teacher_log10_lr"].values()])),
            "seconds_per_seed": float(np.mean([r["seconds"] for r in results]))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data_arguments(ap)
    ap.add_argument("--k", type=int, nargs="+", default=[25, 50, 100, 200, 400, 0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args(argv)
    refs, teachers = load_labels(args.labels)
    models = refs + list(teachers)
    run_dir = args.run or Path(tempfile.mkdtemp(prefix="query-cost-bench-")) / "run"
    t0 = time.time()
    full = import_all(args.data, models, run_dir)
    embed = Embedder(args.embed_cache or run_dir / "cache" / "embeddings").embed
    embed(list(common_subset(full, models, None, 0)["text"]))
    print(f"imported and embedded in {time.time() - t0:.0f} s", flush=True)
    table, details = [], []
    for k in args.k:
        results = []
        for seed in range(args.seeds if k else 1):
            t1 = time.time()
            df = common_subset(full, models, k or None, seed)
            rows, null_rows, summary = evaluate(df, teachers, refs, embed, seed)
            summary["seconds"] = time.time() - t1
            details.append({"k": df.probe_id.nunique(), "seed": seed,
                            "pairs": [{key: x[key] for key in ("suspect", "reference", "level", "log10_lr",
                                                               "p_value")} for x in rows + null_rows]})
            results.append(summary)
            print(f"  K={k or 'all'} seed {seed}: top-1 {summary['top1_accuracy']:.2f}, false accusations "
                  f"{summary['false_accusations']}, {summary['seconds']:.0f} s", flush=True)
        table.append(aggregate(k or df.probe_id.nunique(), results, refs))
    print("\n| K | seeds | top-1 mean (min) | "
          + " | ".join(f"AUC {r} mean (min)" for r in refs)
          + " | false accusations | null pairs | null p < 0.05 | null p < 0.01 | teacher log10 LR (mean) | s per seed |")
    print("|---" * (9 + len(refs)) + "|")
    for row in table:
        aucs = " | ".join(f"{fmt(row['auc_mean'][r])} ({fmt(row['auc_min'][r])})" for r in refs)
        print(f"| {row['k']} | {row['seeds']} | {row['top1_mean']:.2f} ({row['top1_min']:.2f}) | {aucs} | "
              f"{row['false_accusations']} | {row['n_null_pairs']} | {row['null_p05_share']:.3f} | "
              f"{row['null_p01_share']:.3f} | {row['teacher_log10_lr_mean']:+.2f} | {row['seconds_per_seed']:.0f} |")
    print("\nnull calibration by kind (min Holm p of each pair; pairs pooled over seeds)\n\n"
          "| K | indep vs reference: n | p < 0.05 | p < 0.01 | indep vs indep: n | p < 0.05 | p < 0.01 |\n"
          "|---|---|---|---|---|---|---|")
    for row in table:
        a, b = row["null_by_kind"]["independent_vs_reference"], row["null_by_kind"]["independent_vs_independent"]
        print(f"| {row['k']} | {a['n']} | {a['p05']:.3f} | {a['p01']:.3f} | {b['n']} | {b['p05']:.3f} | {b['p01']:.3f} |")
    print(f"\ntotal {time.time() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"table": table, "details": details}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
