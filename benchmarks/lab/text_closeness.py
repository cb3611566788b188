"""How close each lab model's texts are to the teacher's, probe by probe (RESULTS section 15).

    python benchmarks/lab/text_closeness.py [RUN_SQLITE_GZ]

Mean per-probe TF-IDF cosine (word unigrams, fitted on the texts compared) of each model's answer
to the teacher's answer to the same probe, on the logged prompts and on the judge suites; read
from the committed `judge-logged` fixture by default.
"""

from __future__ import annotations

import gzip
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.roles import TEACHER  # noqa: E402

from forensics.store import load_run  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "judge-logged.run.sqlite.gz"
LOGGED = "distill-lab-logged"


def closeness(df) -> dict[str, float]:
    """Mean over probes of cos(TF-IDF of the model's answer, TF-IDF of the teacher's)."""
    piv = df.pivot_table(index="probe_id", columns="model", values="text", aggfunc="first").fillna("")
    vec = TfidfVectorizer().fit(df["text"].fillna(""))
    ref = vec.transform(piv[TEACHER])
    out = {}
    for model in piv.columns:
        x = vec.transform(piv[model])
        out[model] = float(np.mean(np.asarray(x.multiply(ref).sum(axis=1)).ravel()))  # rows are unit-norm
    return out


def main() -> int:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE
    with tempfile.TemporaryDirectory() as tmp:
        with gzip.open(src, "rb") as f, open(Path(tmp) / "run.sqlite", "wb") as g:
            shutil.copyfileobj(f, g)
        df = load_run(tmp).responses
    df = df[df["suite"] != "fingerprint"]
    print(f"# python benchmarks/lab/text_closeness.py {src.name}")
    for title, part in (("logged prompts", df[df["suite"] == LOGGED]), ("judge suites", df[df["suite"] != LOGGED])):
        print(f"{title}: mean per-probe TF-IDF cosine to {TEACHER}")
        for model, v in sorted(closeness(part).items()):
            print(f"  {model:<20} {v:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
