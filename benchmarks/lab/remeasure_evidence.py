"""Recompute the lab's evidence sections from its committed fixtures, without retraining.

    python benchmarks/lab/remeasure_evidence.py [--write]

The judged run stores, the teacher's watermarked data and the lab key are committed; this ranks
each student among the candidate teachers again (as `measure.evidence` does) on the bundled suites
(`evidence`) and with the logged prompts (`evidence_with_logged_prompts`), prints how far each
log10 LR moved from lab_results.json, and with --write stores the new sections there with the
command and commit that made them (`evidence_remeasured`). Used when an analysis changes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.measure import evidence  # noqa: E402

from forensics.backends import load_tokenizer, qwen_path  # noqa: E402
from forensics.evidence import watermarked_contexts  # noqa: E402
from forensics.store import load_run  # noqa: E402
from forensics.watermark import load_key  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECTIONS = {"judge": "evidence", "judge-logged": "evidence_with_logged_prompts"}


def _unpack(name: str, root: Path) -> Path:
    run_dir = root / name
    run_dir.mkdir()
    with gzip.open(FIXTURES / f"{name}.run.sqlite.gz", "rb") as f, open(run_dir / "run.sqlite", "wb") as g:
        shutil.copyfileobj(f, g)
    return run_dir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the new sections in lab_results.json")
    args = ap.parse_args()
    key_path = FIXTURES / "lab-teacher.key"
    results_path = FIXTURES / "lab_results.json"
    results = json.loads(results_path.read_text())
    root = Path(tempfile.mkdtemp(prefix="lab-remeasure-"))
    phi = watermarked_contexts(load_run(_unpack("teacher-data", root)), load_key(key_path),
                               load_tokenizer(f"llamacpp:{qwen_path()}"))
    for run, section in SECTIONS.items():
        rows = evidence(_unpack(run, root), key_path, phi)
        old = {(r["suspect"], r["reference"]): r for r in results[section]}
        for r in rows:
            o = old[(r["suspect"], r["reference"])]
            same = all(r[k] == o[k] for k in ("rank", "verdict", "level", "inconclusive"))
            print(f"{section:30s} {r['suspect']:10s} {r['reference']:20s} log10 LR {o['log10_lr']:+.4f} -> "
                  f"{r['log10_lr']:+.4f}  {'same rank and verdict' if same else 'RANK OR VERDICT CHANGED'}")
        results[section] = rows
    shutil.rmtree(root)
    if args.write:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        results["evidence_remeasured"] = {"command": "python benchmarks/lab/remeasure_evidence.py --write",
                                          "commit": commit, "sections": sorted(SECTIONS.values())}
        results_path.write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {results_path}")


if __name__ == "__main__":
    main()
