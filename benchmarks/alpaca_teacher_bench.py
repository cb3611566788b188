"""Real-data benchmark: which OpenAI model taught each AlpacaEval model, if any?

Reads the AlpacaEval outputs (one JSON list of {instruction, output, generator} per model),
joins them on the instruction, and for each suspect ranks the candidate references
text_davinci_003, gpt-3.5-turbo-0301 and gpt4_0314. Controls for suspect S and reference Rk:
the independent models (llama-2-7b-chat-hf, oasst-sft-pythia-12b, guanaco-7b) other than S,
plus the other references. Documented labels: alpaca-7b learned from text-davinci-003; vicuna-7b
and baize-v2-7b from ChatGPT; llama-2, oasst and guanaco are independent (guanaco noisily so).

    python benchmarks/alpaca_teacher_bench.py [--data DIR] [--cache DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forensics.evidence import Embedder  # noqa: E402
from forensics.evidence import rank_references  # noqa: E402

REFERENCES = ["text_davinci_003", "gpt-3.5-turbo-0301", "gpt4_0314"]
INDEPENDENT = ["llama-2-7b-chat-hf", "oasst-sft-pythia-12b", "guanaco-7b"]
SUSPECTS = ["alpaca-7b", "vicuna-7b", "baize-v2-7b", *INDEPENDENT]
TEACHER = {"alpaca-7b": "text_davinci_003", "vicuna-7b": "gpt-3.5-turbo-0301",
           "baize-v2-7b": "gpt-3.5-turbo-0301"}
LABELS = {2: "weak", 3: "moderate", 4: "moderately strong", 5: "strong", 6: "very strong",
          7: "extremely strong", 1: "no support", 0: "inconclusive"}


def load(data: Path, models: list[str]) -> pd.DataFrame:
    """Responses frame (RESPONSE_COLUMNS) of the instructions every model answered."""
    outputs = {}
    for m in models:
        rows = json.loads((data / f"{m}.json").read_text(encoding="utf-8"))
        by_instr: dict[str, str] = {}
        for r in rows:
            by_instr.setdefault(r["instruction"], r["output"] or "")
        outputs[m] = by_instr
    common = sorted(set.intersection(*(set(v) for v in outputs.values())))
    records = []
    for instr in common:
        pid = hashlib.sha256(instr.encode("utf-8")).hexdigest()[:12]
        for m in models:
            records.append({"model": m, "probe_id": pid, "sample": 0, "suite": "alpaca_eval",
                            "category": "adhoc", "language": "en", "prompt": instr,
                            "text": outputs[m][instr], "answer": None})
    return pd.DataFrame(records)


def label(level: int) -> str:
    """Verbal label of a signed level."""
    return LABELS.get(level, "no support") if level >= 0 else f"{LABELS[-level]} (for H2)"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a markdown table and the target checks."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "alpaca_eval")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/forensics-embed-cache"))
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--suspects", nargs="*", default=SUSPECTS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--independent-controls-only", action="store_true",
                    help="controls are the independent models only (not the other references)")
    args = ap.parse_args(argv)

    t0 = time.time()
    df = load(args.data, sorted(set(REFERENCES + SUSPECTS)))
    n_probes = df["probe_id"].nunique()
    embedder = Embedder(args.cache)
    embedder.embed(list(df["text"]))
    t_embed = time.time() - t0
    print(f"{n_probes} common instructions, {len(df)} responses; load + embed {t_embed:.0f} s",
          flush=True)
    cache: dict = {}
    rows = []
    for s in args.suspects:
        t1 = time.time()
        controls = [c for c in INDEPENDENT if c != s]
        ranked = rank_references(df, s, REFERENCES, controls, embed=embedder.embed, seed=args.seed,
                                 others_as_controls=not args.independent_controls_only,
                                 cache=cache)
        dt = time.time() - t1
        for r in ranked.itertuples():
            fam = r.evidence.tables["families"]
            rows.append({"suspect": s, "reference": r.reference, "rank": r.rank, "level": r.level,
                         "support": label(r.level), "log10_lr": r.log10_lr,
                         "min_p_holm": r.min_p_holm, "inconclusive": r.inconclusive,
                         "families": {f: round(v, 2) for f, v in zip(fam["family"], fam["log10_lr"])},
                         "seconds": dt / len(ranked)})
        print(f"  {s}: {dt:.0f} s", flush=True)
    total = time.time() - t0
    print("\n| suspect | reference | rank | level | support | log10 LR | min Holm p | families |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        fams = ", ".join(f"{k} {v:+.2f}" for k, v in r["families"].items())
        print(f"| {r['suspect']} | {r['reference']} | {r['rank']} | {r['level']} | {r['support']} | "
              f"{r['log10_lr']:+.2f} | {r['min_p_holm']:.3g} | {fams} |")
    print(f"\ntotal {total:.0f} s (load + embed {t_embed:.0f} s)")
    ok = _check(rows)
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "total_s": total, "embed_s": t_embed}, indent=1))
    return 0 if ok else 1


def _check(rows: list[dict]) -> bool:
    """Print whether each target holds."""
    ok = True
    for s, teacher in TEACHER.items():
        mine = [r for r in rows if r["suspect"] == s]
        if not mine:
            continue
        top = mine[0]
        hit = top["reference"] == teacher and top["level"] >= 3 and not top["inconclusive"]
        ok &= hit
        print(f"{'PASS' if hit else 'MISS'}: {s} ranks {top['reference']} first "
              f"({top['support']}, log10 LR {top['log10_lr']:+.2f}); documented teacher {teacher}")
    for r in rows:
        if r["suspect"] in INDEPENDENT:
            bad = r["level"] >= 4
            ok &= not bad
            if bad:
                print(f"MISS: independent {r['suspect']} reaches {r['support']} for {r['reference']}")
    indep = [r for r in rows if r["suspect"] in INDEPENDENT]
    if indep:
        worst = max(indep, key=lambda r: r["log10_lr"])
        print(f"{'PASS' if worst['level'] < 4 else 'MISS'}: highest independent: {worst['suspect']} "
              f"vs {worst['reference']}, {worst['support']} (log10 LR {worst['log10_lr']:+.2f})")
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
