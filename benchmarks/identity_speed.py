"""Time `extract_identity_claims` on every text of the AlpacaEval dev panel (issue 14: at most 2x
the previous extractor). Run it with PYTHONPATH pointing at another checkout to time that one.

    python benchmarks/identity_speed.py [../shared/data/alpaca_eval]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from forensics.analysis import extract_identity_claims


def panel(folder: Path) -> pd.DataFrame:
    """Every output of every model file in the folder, one row each."""
    rows = []
    for f in sorted(folder.glob("*.json")):
        for i, rec in enumerate(json.loads(f.read_text(encoding="utf-8"))):
            rows.append({"model": f.stem, "probe_id": str(i), "sample": 0, "language": "en",
                         "text": rec.get("output", "")})
    return pd.DataFrame(rows)


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "../shared/data/alpaca_eval")
    import forensics.analysis.identity as mod

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=Path(mod.__file__).parent, check=False).stdout.strip()
    df = panel(folder)
    t0 = time.perf_counter()
    out = extract_identity_claims(df)
    dt = time.perf_counter() - t0
    n_claims = int(sum(bool(v) for v in out["claimed_vendors"]))
    print(f"$ python {' '.join(sys.argv)}  (extractor {mod.__file__}, commit {commit})")
    print(f"{len(df)} texts in {dt:.1f} s; {n_claims} with a claimed vendor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
