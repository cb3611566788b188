"""Fit the shipped calibration: validate the labelled AlpacaEval dev panel and write the fusion and
calibration fitted on all its labelled pairs, with its provenance and cross-validated figures.

    python benchmarks/fit_calibration.py --data ../shared/data/alpaca_eval \
        --labels ../shared/data/alpaca_eval/labels.yaml [--run RUN] \
        [--out forensics/evidence/calibrations/alpaca_eval.json] [--json VALIDATION.json]

Every model file of DATA is imported into one run (RUN, default a temporary folder; the texts'
embeddings are cached there). Prints the figures of both cross-validation schemes, with the
command, the commit and the wall time of each stage.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forensics  # noqa: E402
from forensics._version import __version__  # noqa: E402
from forensics.evidence import EMBEDDING_MODEL, Embedder, fit_panel, load_labels, validate_panel  # noqa: E402


def commit() -> str:
    """The short commit of this checkout ('unknown' outside git)."""
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--labels", type=Path, required=True)
    ap.add_argument("--run", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "forensics/evidence/calibrations/alpaca_eval.json")
    ap.add_argument("--json", type=Path, default=None, help="also write the validation JSON here")
    ap.add_argument("--no-embed", action="store_true", help="leave the embedding similarity out")
    a = ap.parse_args()
    run_dir = a.run or Path(tempfile.mkdtemp()) / "run"
    print(f"command: python benchmarks/fit_calibration.py {' '.join(sys.argv[1:])}")
    print(f"commit {commit()}, distill-forensics {__version__}")
    t0 = time.time()
    files = sorted(a.data.glob("*.json"))
    if not (run_dir / "run.sqlite").exists():
        for f in files:
            forensics.import_transcripts(f, f.stem, run_dir)
    run = forensics.load_run(run_dir)
    print(f"import: {len(files)} models, {len(run.responses)} responses, {time.time() - t0:.0f} s")
    labels = load_labels(a.labels)
    emb = None if a.no_embed else Embedder(run.path / "cache" / "embeddings")
    t1 = time.time()
    if emb is not None:
        emb.embed([str(t) for t in run.responses["text"]])
        print(f"embedding (cached texts are not re-embedded): {time.time() - t1:.0f} s")
    t2 = time.time()
    v = validate_panel(run.responses, labels, embed=emb.embed if emb else None,
                       embedding=None if emb is None else EMBEDDING_MODEL, cache_dir=run.path / "cache")
    print(f"validate: {time.time() - t2:.0f} s")
    prov = {"panel": a.data.name, "labels": a.labels.name,
            "labels_sha256": hashlib.sha256(a.labels.read_bytes()).hexdigest(),
            "commit": commit(), "tool_version": __version__,
            "embedding": None if emb is None else EMBEDDING_MODEL,
            "command": "python benchmarks/fit_calibration.py " + " ".join(sys.argv[1:])}
    fus = fit_panel(v, prov)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    fus.save(a.out)
    print(f"calibration file: {a.out}")
    print(json.dumps({"weights": dict(zip(fus.features, fus.weights)), "intercept": fus.intercept,
                      "calibration": [fus.cal_intercept, fus.cal_slope], "elub": fus.elub,
                      "sources": fus.n_sources, "pairs": fus.n_pairs}, indent=1))
    print(json.dumps(fus.provenance["cross_validated"], indent=1))
    if a.json:
        a.json.write_text(json.dumps(v.to_dict(), indent=1) + "\n")


if __name__ == "__main__":
    main()
