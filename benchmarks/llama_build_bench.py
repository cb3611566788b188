"""Generation speed of the local models under one llama-cpp-python build (tokens/s, 1 and 2 threads).

    python benchmarks/llama_build_bench.py [--site DIR --label NAME] [--models smollm2 qwen2.5-coder-0.5b]
        [--threads 1 2] [--tokens 64] [--rounds 3] [--json OUT]

Each (model, threads) runs in a fresh child process, so a build that crashes on this CPU is
reported as a crash, not as the benchmark dying. `--site DIR` puts another build of llama_cpp
(an unpacked wheel) first on the child's path; without it the installed build is measured.
Prompt processing (a ~100-token prompt) and generation (greedy, `--tokens` new tokens, EOS
ignored) are timed separately; the median of `--rounds` after one warm-up is printed.
Run on a quiet machine: a second busy process halves the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CHILD = r"""
import json, statistics, sys, time, ctypes
import llama_cpp
quiet = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
llama_cpp.llama_log_set(quiet, ctypes.c_void_p(0))
path, threads, tokens, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, sys.argv[5])
from forensics.backends._selfcheck_child import PROMPT
llm = llama_cpp.Llama(model_path=path, n_ctx=1024, n_threads=threads, n_threads_batch=threads, verbose=False)
prompt = llm.tokenize(PROMPT.encode())
pp, tg = [], []
for r in range(rounds + 1):
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(prompt)
    t1 = time.perf_counter()
    for _ in range(tokens):
        tok = llm.sample(temp=0.0)
        llm.eval([tok])
    t2 = time.perf_counter()
    if r:
        pp.append(len(prompt) / (t1 - t0))
        tg.append(tokens / (t2 - t1))
info = llama_cpp.llama_print_system_info()
print(json.dumps({"pp_tok_s": statistics.median(pp), "tg_tok_s": statistics.median(tg),
                  "prompt_tokens": len(prompt),
                  "system_info": info.decode() if isinstance(info, bytes) else str(info)}))
"""


def measure(path: Path, threads: int, tokens: int, rounds: int, site: str | None) -> dict:
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = site + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), str(threads), str(tokens), str(rounds),
                           str(HERE.parent)], capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode < 0:
        return {"crashed": signal.Signals(-proc.returncode).name}
    if proc.returncode != 0:
        return {"crashed": f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    from forensics.backends import cpu_model, relevant_flags
    from forensics.backends import resolve_local_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", help="directory holding another llama_cpp build (an unpacked wheel)")
    ap.add_argument("--label", default="installed", help="name of the build in the table")
    ap.add_argument("--models", nargs="+", default=["smollm2", "qwen2.5-coder-0.5b"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE).stdout.strip()
    print(f"command: python benchmarks/llama_build_bench.py {' '.join(sys.argv[1:])}")
    print(f"commit {commit}; CPU {cpu_model()}; flags {' '.join(relevant_flags())}")
    rows = []
    print("| build | model | threads | prompt tok/s | generation tok/s |")
    print("|---|---|---|---|---|")
    for key in a.models:
        path = resolve_local_model(key)
        for t in a.threads:
            r = measure(path, t, a.tokens, a.rounds, a.site)
            rows.append({"build": a.label, "model": key, "threads": t, **r})
            if "crashed" in r:
                print(f"| {a.label} | {key} | {t} | crashed: {r['crashed']} | crashed |", flush=True)
            else:
                print(f"| {a.label} | {key} | {t} | {r['pp_tok_s']:.0f} | {r['tg_tok_s']:.1f} |", flush=True)
    if rows and "system_info" in rows[0]:
        print(f"build features: {rows[0]['system_info'].strip()}")
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
