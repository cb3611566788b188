"""Two more candidate scores for issue 12, against the chosen one, on the AlpacaEval panel.

    python benchmarks/score_variants_bench.py [--data DIR] [--json OUT]

Every variant is a statistic of (S, R) z-scored among the pair's admissible controls, each control
scored as if it were the suspect (the others its controls), exactly as `forensics validate` builds
its raw score; only the statistic differs:
- `chosen`: the system's score (R's distinctive word 1-2-gram choices, `distinctive_agreement`);
- `masked K (a,b)`: the same statistic on topic-masked text (Stamatatos' text distortion: every
  word outside the panel's K most frequent becomes `*`, every number `#`), word a..b-grams;
- `reuse N`: per prompt, the word N-grams of R's answer that no control's answer to the same
  prompt contains; the statistic is the share of them that S's answer contains.
Figures per variant (raw z, no calibration, so optimistic for a variant chosen on them): AUC of
student→teacher (h1) against independent→reference (h2), teacher top-1 among the 3 references,
the h1 median and minimum, and the largest h2 score with its pair. Last, per model, how many of
its answers contain ChatGPT's signature phrase "as an AI language model" (case ignored).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forensics.analysis import Profiles, distinctive_agreement, model_profiles  # noqa: E402
from forensics.evidence import load_labels  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "alpaca_eval"
PHRASE = "as an ai language model"
TOKEN = re.compile(r"\w+|[^\w\s]")
Statistic = Callable[[str, str, Sequence[str]], float]


def load(data: Path) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """(models, instructions every model answered, texts[model][k])."""
    outputs = {}
    for path in sorted(data.glob("*.json")):
        by_instr: dict[str, str] = {}
        for r in json.loads(path.read_text(encoding="utf-8")):
            by_instr.setdefault(r["instruction"], r["output"] or "")
        outputs[path.stem] = by_instr
    common = sorted(set.intersection(*(set(v) for v in outputs.values())))
    return list(outputs), common, {m: [o[i] for i in common] for m, o in outputs.items()}


def masked_profiles(models: list[str], texts: dict[str, list[str]], keep: int,
                    ngram: tuple[int, int], n_features: int = 5000) -> Profiles:
    """Profiles of topic-masked text: words outside the `keep` most frequent become `*`."""
    count = collections.Counter(w for m in models for t in texts[m] for w in TOKEN.findall(t.lower()))
    kept = {w for w, _ in count.most_common(keep)}

    def mask(t: str) -> str:
        return " ".join(w if w in kept else ("#" if w.isdigit() else "*") for w in TOKEN.findall(t.lower()))

    docs = ["\n".join(mask(t) for t in texts[m]) for m in models]
    x = CountVectorizer(ngram_range=ngram, token_pattern=r"\S+", lowercase=False).fit_transform(docs)
    order = np.argsort(-np.asarray(x.sum(0)).ravel(), kind="stable")[:n_features]
    counts = x[:, order].toarray().astype(float)
    return Profiles(models, [str(k) for k in order], counts / np.maximum(counts.sum(1, keepdims=True), 1))


def reuse_statistic(texts: dict[str, list[str]], n: int) -> Statistic:
    """Share of R's prompt-unique word n-grams (absent from every control's answer) that S repeats."""
    grams = {}
    for m, rows in texts.items():
        out = []
        for t in rows:
            w = TOKEN.findall(t.lower())
            out.append({tuple(w[i:i + n]) for i in range(len(w) - n + 1)})
        grams[m] = out

    def stat(s: str, r: str, controls: Sequence[str]) -> float:
        hit = total = 0
        for k, own in enumerate(grams[r]):
            unique = own.difference(*(grams[c][k] for c in controls))
            hit += len(unique & grams[s][k])
            total += len(unique)
        return hit / total if total else float("nan")
    return stat


def pair_z(stat: Statistic, s: str, r: str, controls: list[str]) -> float:
    """S's statistic as a z among its controls' (each scored as if it were the suspect)."""
    null = np.array([stat(c, r, [x for x in controls if x != c]) for c in controls])
    null = null[np.isfinite(null)]
    return float((stat(s, r, controls) - null.mean()) / null.std(ddof=1))


def figures(stat: Statistic, models: list[str], labels) -> dict:
    """AUC, teacher top-1, h1 median/min and max h2 of one statistic's raw z."""
    z: dict[tuple[str, str], float] = {}
    kind: dict[tuple[str, str], str] = {}
    for s in models:
        for r in labels.references:
            if s == r or s not in labels or labels.pair_label(s, r) not in ("h1", "h2"):
                continue
            ctrl = [c for c in labels.admissible_controls(models, s, r).admitted if c not in (s, r)]
            z[(s, r)] = pair_z(stat, s, r, ctrl)
            kind[(s, r)] = labels.pair_label(s, r)
    students = sorted({s for (s, _), k in kind.items() if k == "h1"})
    top = 0
    for s in students:
        cand = {}
        for r in labels.references:
            if r != s:
                ctrl = [c for c in labels.admissible_controls(models, s, r).admitted if c not in (s, r)]
                cand[r] = z[(s, r)] if (s, r) in z else pair_z(stat, s, r, ctrl)
        top += max(cand, key=lambda r: cand[r]) in labels.teachers(s)
    h1 = [v for p, v in z.items() if kind[p] == "h1"]
    h2 = {p: v for p, v in z.items() if kind[p] == "h2"}
    worst = max(h2, key=h2.get)
    return {"auc": roc_auc_score([kind[p] == "h1" for p in z], list(z.values())),
            "teacher_top1": top, "n_students": len(students), "median_h1": float(np.median(h1)),
            "min_h1": float(np.min(h1)), "max_h2": h2[worst], "max_h2_pair": list(worst)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA, help="AlpacaEval folder with labels.yaml")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"$ python benchmarks/score_variants_bench.py   (commit {commit})")
    labels = load_labels(args.data / "labels.yaml")
    models, probes, texts = load(args.data)
    models = [m for m in models if m in labels]
    print(f"{len(models)} models, {len(probes)} prompts every model answered")
    chosen = model_profiles(models, [texts[m] for m in models])
    variants: dict[str, Statistic] = {
        "chosen": lambda s, r, c: distinctive_agreement(chosen, s, r, c)}
    for keep in (50, 150, 300):
        for ngram in ((1, 2), (1, 3), (2, 4)):
            prof = masked_profiles(models, texts, keep, ngram)
            variants[f"masked {keep} {ngram}"] = lambda s, r, c, p=prof: distinctive_agreement(p, s, r, c)
    variants["reuse 3"] = reuse_statistic(texts, 3)
    out = {}
    print(f"{'variant':<20} {'AUC':>6} {'top-1':>6} {'med h1':>7} {'min h1':>7} {'max h2':>7}  largest h2")
    for name, stat in variants.items():
        f = out[name] = figures(stat, models, labels)
        print(f"{name:<20} {f['auc']:6.3f} {f['teacher_top1']:>3}/{f['n_students']:<2} "
              f"{f['median_h1']:7.2f} {f['min_h1']:7.2f} {f['max_h2']:7.2f}  "
              f"{f['max_h2_pair'][0]} → {f['max_h2_pair'][1]}",
              flush=True)
    phrase = {m: sum(PHRASE in t.lower() for t in texts[m]) for m in models}
    print(f'answers (of {len(probes)}) containing "{PHRASE}":')
    print(textwrap.fill(", ".join(f"{m} {n}" for m, n in sorted(phrase.items(), key=lambda kv: -kv[1])),
                        width=98, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False))
    if args.json:
        args.json.write_text(json.dumps({"commit": commit, "variants": out, "phrase": phrase}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
