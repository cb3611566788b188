"""Report benchmark: render time and file size for a large run (targets: <= 10 s, <= 5 MB).

Ten callable models (a suspect, two candidate references, seven controls) answer 800 probes
each (synthetic word-salad with model-specific habits; the suspect copies reference R1 half the
time, and a few responses are hostile or 1 MB long). Evidence for both references comes from
`rank_references` with a fake embedding; only the report's rendering and writing are timed.

    python benchmarks/report_bench.py [--out DIR] [--probes 800] [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forensics  # noqa: E402
from forensics.evidence import rank_references  # noqa: E402
from forensics.probes import Probe, Suite  # noqa: E402
from forensics.report import write_report  # noqa: E402

TARGET_S, TARGET_MB = 10.0, 5.0
VOCAB = [f"w{i:03d}" for i in range(600)]
OPENERS = ["Sure!", "Certainly.", "Great question!", "Of course,", "Well,", "Happy to help!"]
HOSTILE = "<script>document.title='PWNED'</script>\u202e\x00"
CONTROLS = [f"ctrl{i}" for i in range(1, 8)]


def suite(n: int) -> Suite:
    """n probes: a fifth identity, a fifth arithmetic traps with answers, the rest style."""
    probes = []
    for i in range(n):
        if i % 5 == 0:
            probes.append(Probe(id=f"b-id-{i}", category="identity", prompt=f"Who are you? ({i})"))
        elif i % 5 == 1:
            probes.append(Probe(id=f"b-trap-{i}", category="error_trap",
                                prompt=f"What is {i} plus 17? Only the number.",
                                answer={"type": "numeric", "value": i + 17}))
        else:
            probes.append(Probe(id=f"b-style-{i}", category="style", prompt=f"Explain topic {i}."))
    return Suite(name="bench", version="1", description="report benchmark", probes=probes)


def model(name: str, teacher: str | None = None):
    """A callable model with its own vocabulary habits; copies `teacher` half the time."""
    def seed_of(who: str, prompt: str) -> list[int]:
        return [int(hashlib.sha256(f"{who}|{prompt}".encode()).hexdigest()[:8], 16)]

    def answer(who: str, prompt: str) -> str:
        rng = np.random.default_rng(seed_of(who, prompt))
        if prompt.startswith("Who are you"):
            return f"I am {who}, an assistant made by {who.upper()} Labs. I am happy to help."
        if prompt.startswith("What is"):
            value = int(prompt.split()[2]) + 17
            return f"The answer is {value + int(rng.random() < 0.25)}."
        words = rng.choice(VOCAB, int(rng.integers(80, 220)))
        return f"{OPENERS[int(rng.integers(len(OPENERS)))]} " + " ".join(words) + "."

    def fn(messages: list[dict], params) -> str:
        prompt = messages[-1]["content"]
        who = teacher if teacher and seed_of(name, prompt)[0] % 2 == 0 else name
        text = answer(who, prompt)
        h = seed_of(name, prompt)[0]
        if h % 97 == 0:
            text += " " + HOSTILE
        if h % 331 == 0:
            text = (text + " ") * (1_000_000 // (len(text) + 1) + 1)
        return text

    return fn


def fake_embed(texts: list[str]) -> np.ndarray:
    """Hashed bag of the first 300 words, unit length."""
    out = np.zeros((len(texts), 64))
    for i, t in enumerate(texts):
        for w in t.split()[:300]:
            out[i, int(hashlib.md5(w.encode()).hexdigest()[:4], 16) % 64] += 1.0
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="run directory (default: a temporary one)")
    ap.add_argument("--probes", type=int, default=800)
    ap.add_argument("--json", type=Path, default=None, help="write the numbers here too")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="report-bench-")) / "run"
    models = [("suspect", model("suspect", teacher="ref1")), ("ref1", model("ref1")),
              ("ref2", model("ref2")), *[(c, model(c)) for c in CONTROLS]]
    t0 = time.perf_counter()
    run = forensics.run_suite(models, out=out, suites=[suite(args.probes)], progress=False,
                              use_cache=False)
    t1 = time.perf_counter()
    table = rank_references(run.responses, "suspect", ["ref1", "ref2"], CONTROLS,
                            embed=fake_embed, n_perm=200, n_boot=200)
    t2 = time.perf_counter()
    evidences = list(table["evidence"])
    path = write_report(out, out / "report.html", evidences=evidences)
    t3 = time.perf_counter()
    size_mb = path.stat().st_size / 1e6
    numbers = {"models": len(models), "responses": len(run.responses),
               "comparisons": len(evidences), "collect_s": round(t1 - t0, 2),
               "analyze_s": round(t2 - t1, 2), "report_s": round(t3 - t2, 2),
               "report_mb": round(size_mb, 2), "report": str(path)}
    print(json.dumps(numbers, indent=2))
    ok_t, ok_s = t3 - t2 <= TARGET_S, size_mb <= TARGET_MB
    print(f"render+write {t3 - t2:.2f} s (target <= {TARGET_S:g} s: {'ok' if ok_t else 'MISSED'}); "
          f"size {size_mb:.2f} MB (target <= {TARGET_MB:g} MB: {'ok' if ok_s else 'MISSED'})")
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0 if ok_t and ok_s else 1


if __name__ == "__main__":
    raise SystemExit(main())
