"""Which replicates a p-value treats as independent decides its calibration: probes or models?

For the similarity measures on every null pair (an independent model as the suspect, against a
reference or another independent model) and every documented (student, teacher) pair, count the
measures whose p < 0.05 under (a) a sign-flip test across probes (probes as replicates) and
(b) the controls-as-suspects Student-t prediction (models as replicates). The tool reports the
larger of the two. Controls: the independent models and the references, never S or R.

    python benchmarks/replicate_unit_bench.py --data ../shared/data/alpaca_eval \
        --labels benchmarks/alpaca_eval_labels.yaml [--embed-cache DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from provenance_bench import Embedder, common_subset, import_all, load_labels  # noqa: E402

from forensics.analysis import similarity_analyses  # noqa: E402

_P = re.compile(r"across probes ([0-9.e-]+), controls-as-suspects Student-t prediction ([0-9.e-]+)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--labels", type=Path, required=True)
    ap.add_argument("--embed-cache", type=Path, default=None, help="embedding cache (default: RUN/cache)")
    args = ap.parse_args(argv)
    refs, teachers = load_labels(args.labels)
    models = refs + list(teachers)
    run_dir = Path(tempfile.mkdtemp(prefix="replicate-bench-")) / "run"
    df = common_subset(import_all(args.data, models, run_dir), models, None, 0)
    embed = Embedder(args.embed_cache or run_dir / "cache" / "embeddings").embed
    indep = [m for m, t in teachers.items() if not t]
    pairs = [("null", s, r) for s in indep for r in refs + indep if r != s]
    pairs += [("student", s, t) for s, t in teachers.items() if t]
    cache: dict = {}
    totals = {"null": [0, 0, 0], "student": [0, 0, 0]}
    print("| kind | suspect | reference | measures | probe-level p < 0.05 | model-level p < 0.05 |")
    print("|---|---|---|---|---|---|")
    for kind, s, r in pairs:
        ctrl = [c for c in indep + refs if c not in (s, r)]
        found = [_P.search(" ".join(x.notes)) for x in similarity_analyses(
            df, s, r, ctrl, embed=embed, cache=cache, n_perm=2000, n_boot=200) if x.applicable]
        probe = [float(m.group(1)) < 0.05 for m in found if m]
        model = [float(m.group(2)) < 0.05 for m in found if m]
        t = totals[kind]
        t[0], t[1], t[2] = t[0] + len(probe), t[1] + sum(probe), t[2] + sum(model)
        print(f"| {kind} | {s} | {r} | {len(probe)} | {sum(probe)} | {sum(model)} |", flush=True)
    print()
    for kind, (n, a, b) in totals.items():
        print(f"{kind}: {n} measure-tests; probe-level p < 0.05: {a} ({a / max(n, 1):.0%}); "
              f"model-level p < 0.05: {b} ({b / max(n, 1):.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
