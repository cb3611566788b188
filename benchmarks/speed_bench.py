"""Speed against the physical floor: analysis vs embedding only, run engine vs a bare openai loop.

    python benchmarks/speed_bench.py analysis --data ../shared/data/alpaca_eval \
        --labels benchmarks/alpaca_eval_labels.yaml
    python benchmarks/speed_bench.py engine [--probes 30] [--max-tokens 32 1] [--concurrency 2] [--rounds 3]

`analysis`: (floor) embed every response text once with all-MiniLM-L6-v2, nothing else; (full)
import every model into a fresh run, embed with a cold cache and run the provenance benchmark's
full evaluation (every labelled model against every reference, and the independent-vs-independent
pairs). Each phase runs in its own process and reports its wall time and peak RSS.

`validate`: (floor) embed every text of the panel's prompts that every model answered, nothing
else; (validate) import every model of the labels file into a fresh run and run `forensics
validate`'s computation (`validate_panel`, all pairs) on it. Issue 12's target: validate <= 2x floor.

    python benchmarks/speed_bench.py validate --data ../shared/data/alpaca_eval \
        --labels ../shared/data/alpaca_eval/labels.yaml

`engine`: a real `llama_cpp.server` (SmolLM2-135M-Instruct) on 127.0.0.1; the same requests
(messages, temperature 0, seed, max_tokens) sent (bare) by an asyncio loop of `openai` SDK calls
under a semaphore, and (engine) by `forensics.run_suite` with the response cache off, at the same
concurrency; rounds alternate the order. Reports the median of engine throughput / bare throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size of this process (or of its largest finished child), MiB."""
    return resource.getrusage(who).ru_maxrss / 1024


# ------------------------------------------------------------------------------ analysis


def _phase(phase: str, data: Path, labels: Path) -> dict:
    """One phase in this process: 'floor' or 'full'."""
    from provenance_bench import Embedder, common_subset, evaluate, import_all, load_labels

    refs, teachers = load_labels(labels)
    models = refs + list(teachers)
    tmp = Path(tempfile.mkdtemp(prefix="speed-bench-"))
    if phase == "floor":
        # the same texts the full analysis embeds, read without the run store
        df = common_subset(import_all(data, models, tmp / "run"), models, None, 0)
        texts = list(df["text"])
        t0 = time.perf_counter()
        Embedder(None).embed(texts)
        return {"phase": phase, "seconds": time.perf_counter() - t0, "texts": len(texts),
                "peak_rss_mb": peak_rss_mb()}
    t0 = time.perf_counter()
    df = common_subset(import_all(data, models, tmp / "run"), models, None, 0)
    t_import = time.perf_counter() - t0
    embed = Embedder(tmp / "run" / "cache" / "embeddings").embed
    embed(list(df["text"]))
    t_embed = time.perf_counter() - t0 - t_import
    rows, null_rows, summary = evaluate(df, teachers, refs, embed, 0)
    return {"phase": phase, "seconds": time.perf_counter() - t0, "import_s": t_import, "embed_s": t_embed,
            "pairs": len(rows) + len(null_rows), "texts": len(df), "top1": summary["top1_accuracy"],
            "peak_rss_mb": peak_rss_mb(), "peak_rss_worker_mb": peak_rss_mb(resource.RUSAGE_CHILDREN)}


def _validate_phase(phase: str, data: Path, labels_path: Path) -> dict:
    """One phase of `validate` in this process: 'vfloor' or 'validate'."""
    from provenance_bench import Embedder, common_subset, import_all

    from forensics.evidence import load_labels, validate_panel

    labels = load_labels(labels_path)
    models = sorted(p.stem for p in data.glob("*.json") if p.stem in labels)
    tmp = Path(tempfile.mkdtemp(prefix="speed-bench-"))
    t0 = time.perf_counter()
    responses = import_all(data, models, tmp / "run")
    t_import = time.perf_counter() - t0
    df = common_subset(responses, models, None, 0)
    if phase == "vfloor":
        t0 = time.perf_counter()
        Embedder(None).embed(list(df["text"]))
        return {"phase": phase, "seconds": time.perf_counter() - t0, "texts": len(df), "models": len(models),
                "peak_rss_mb": peak_rss_mb()}
    val = validate_panel(responses, labels)  # as `forensics validate` does
    return {"phase": phase, "seconds": time.perf_counter() - t0, "import_s": t_import, "texts": len(df),
            "models": len(models), "pairs": int(val.summary["n_pairs"]), "cllr": val.summary["cllr"],
            "peak_rss_mb": peak_rss_mb()}


def validate(args: argparse.Namespace) -> list[dict]:
    out = []
    for phase in ("vfloor", "validate"):
        proc = subprocess.run([sys.executable, __file__, "_phase", phase, "--data", str(args.data),
                               "--labels", str(args.labels)], capture_output=True, text=True, check=True)
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"  {phase}: {out[-1]['seconds']:.0f} s, peak RSS {out[-1]['peak_rss_mb']:.0f} MiB", flush=True)
    floor, val = out
    print("\n| phase | wall s | peak RSS MiB | notes |\n|---|---|---|---|")
    print(f"| floor: embed {floor['texts']} texts of {floor['models']} models | {floor['seconds']:.0f} | "
          f"{floor['peak_rss_mb']:.0f} | all-MiniLM-L6-v2, batch 32, no store |")
    print(f"| validate, cold | {val['seconds']:.0f} | {val['peak_rss_mb']:.0f} | import {val['import_s']:.0f} s, "
          f"{val['pairs']} pairs, Cllr {val['cllr']:.3f} |")
    print(f"\nvalidate / floor = {val['seconds'] / floor['seconds']:.2f} (target <= 2)")
    return out


def analysis(args: argparse.Namespace) -> list[dict]:
    from forensics.evidence import default_jobs

    out = []
    for phase in ("floor", "full"):
        proc = subprocess.run([sys.executable, __file__, "_phase", phase, "--data", str(args.data),
                               "--labels", str(args.labels)], capture_output=True, text=True, check=True)
        out.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"  {phase}: {out[-1]['seconds']:.0f} s, peak RSS {out[-1]['peak_rss_mb']:.0f} MiB", flush=True)
    floor, full = out
    print("\n| phase | wall s | peak RSS MiB | notes |\n|---|---|---|---|")
    print(f"| floor: embed {floor['texts']} texts | {floor['seconds']:.0f} | {floor['peak_rss_mb']:.0f} | all-MiniLM-L6-v2, batch 32, no store |")
    print(f"| full analysis | {full['seconds']:.0f} | {full['peak_rss_mb']:.0f} (+ largest worker "
          f"{full['peak_rss_worker_mb']:.0f}, pages shared copy-on-write) | import {full['import_s']:.0f} s, "
          f"embed {full['embed_s']:.0f} s, {full['pairs']} pair assessments on {default_jobs()} processes |")
    print(f"\nfull / floor = {full['seconds'] / floor['seconds']:.2f} (target <= 1.5)")
    return out


# ------------------------------------------------------------------------------ engine


async def _bare(base_url: str, model: str, requests: list, concurrency: int) -> tuple[float, int]:
    """The same requests as plain AsyncOpenAI calls under a semaphore: (seconds, completion tokens)."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="sk-local", max_retries=0)
    sem = asyncio.Semaphore(concurrency)

    async def one(req) -> int:
        async with sem:
            p = req.params
            kwargs = dict(model=model, messages=list(req.messages), temperature=p.temperature,
                          max_tokens=p.max_tokens, top_p=p.top_p)
            if req.sample_seed is not None:
                kwargs["seed"] = req.sample_seed
            resp = await client.chat.completions.create(**kwargs)
            return resp.usage.completion_tokens or 0

    t0 = time.perf_counter()
    tokens = await asyncio.gather(*(one(r) for r in requests))
    dt = time.perf_counter() - t0
    await client.close()
    return dt, int(sum(tokens))


def _engine_once(base_url: str, model: str, suite, max_tokens: int, concurrency: int) -> tuple[float, int]:
    """forensics.run_suite on the same suite into a fresh run: (seconds, completion tokens)."""
    import forensics

    out = Path(tempfile.mkdtemp(prefix="speed-engine-")) / "run"
    t0 = time.perf_counter()
    forensics.run_suite([f"smol=openai:{model}@{base_url}"], out=out, suites=[suite], progress=False,
                        use_cache=False, concurrency=concurrency, temperature=0.0, max_tokens=max_tokens)
    dt = time.perf_counter() - t0
    df = forensics.load_run(out).responses
    return dt, int(df["tokens_out"].fillna(0).sum()) if "tokens_out" in df else -1


def engine(args: argparse.Namespace) -> list[dict]:
    from forensics.backends import LlamaServer
    from forensics.backends import smollm2_path
    from forensics.probes import Suite, resolve_suites
    from forensics.collect import RunSettings, plan_requests
    from forensics.backends import ModelConfig

    os.environ.setdefault("OPENAI_API_KEY", "sk-local")
    base = resolve_suites(["style"])[0]
    suite = Suite(name="speed_bench", version=base.version, description="speed benchmark subset",
                  probes=base.probes[: args.probes])
    results = []
    with LlamaServer(smollm2_path(), alias="smol", n_ctx=2048) as server:
        for max_tokens in args.max_tokens:
            settings = RunSettings(temperature=0.0, max_tokens=max_tokens, concurrency=args.concurrency)
            cfg = ModelConfig(name="smol", spec=f"openai:smol@{server.base_url}")
            requests = plan_requests([suite], [cfg], settings)
            asyncio.run(_bare(server.base_url, "smol", requests[:2], args.concurrency))  # warm-up
            ratios, bare_s, eng_s = [], [], []
            for rnd in range(args.rounds):
                order = ("bare", "engine") if rnd % 2 == 0 else ("engine", "bare")
                times = {}
                for arm in order:
                    if arm == "bare":
                        times[arm] = asyncio.run(_bare(server.base_url, "smol", requests, args.concurrency))
                    else:
                        times[arm] = _engine_once(server.base_url, "smol", suite, max_tokens, args.concurrency)
                bare_s.append(times["bare"][0])
                eng_s.append(times["engine"][0])
                ratios.append(times["bare"][0] / times["engine"][0])  # engine throughput / bare throughput
                print(f"  max_tokens {max_tokens} round {rnd}: bare {times['bare'][0]:.1f} s "
                      f"({times['bare'][1]} tokens), engine {times['engine'][0]:.1f} s ({times['engine'][1]} tokens)",
                      flush=True)
            results.append({"max_tokens": max_tokens, "requests": len(requests), "bare_s": bare_s,
                            "engine_s": eng_s, "ratio_median": statistics.median(ratios)})
    print("\n| max_tokens | requests | concurrency | bare s (median) | engine s (median) | engine / bare throughput |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['max_tokens']} | {r['requests']} | {args.concurrency} | {statistics.median(r['bare_s']):.1f} | "
              f"{statistics.median(r['engine_s']):.1f} | {r['ratio_median']:.3f} |")
    print("target: engine / bare >= 0.9")
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("analysis", help="full analysis vs the embedding floor, peak memory")
    p = sub.add_parser("_phase", help=argparse.SUPPRESS)
    p.add_argument("phase", choices=["floor", "full", "vfloor", "validate"])
    v = sub.add_parser("validate", help="`forensics validate` on the panel vs embedding its texts")
    v.add_argument("--json", type=Path, default=None)
    for x in (a, p, v):
        x.add_argument("--data", type=Path, required=True)
        x.add_argument("--labels", type=Path, required=True)
    a.add_argument("--json", type=Path, default=None)
    e = sub.add_parser("engine", help="run engine vs a bare asyncio openai loop on llama_cpp.server")
    e.add_argument("--probes", type=int, default=30)
    e.add_argument("--max-tokens", type=int, nargs="+", default=[32, 1])
    e.add_argument("--concurrency", type=int, default=2)
    e.add_argument("--rounds", type=int, default=3)
    e.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.cmd == "_phase":
        run = _validate_phase if args.phase in ("vfloor", "validate") else _phase
        print(json.dumps(run(args.phase, args.data, args.labels)))
        return 0
    t0 = time.time()
    out = {"analysis": analysis, "validate": validate, "engine": engine}[args.cmd](args)
    print(f"total {time.time() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
