"""The example notebook runs top to bottom on a fixture run (nbclient, a real kernel)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import forensics

from .synthetic import make_responses

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def test_example_notebook_executes(tmp_path, monkeypatch):
    df, s, r, controls = make_responses(seed=5, n_controls=3, n_probes=40, distilled=0.8)
    run_dir = tmp_path / "run"
    for model, part in df.groupby("model"):
        path = tmp_path / f"{model}.jsonl"
        part[["prompt", "text"]].rename(columns={"text": "response"}).to_json(path, orient="records", lines=True)
        forensics.import_transcripts(path, model, run_dir)
    monkeypatch.setenv("FORENSICS_EXAMPLE_RUN", str(run_dir))
    monkeypatch.setenv("FORENSICS_EXAMPLE_SUSPECT", s)
    monkeypatch.setenv("FORENSICS_EXAMPLE_REFERENCES", f"{r},{controls[0]}")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(ROOT / "examples" / "analysis.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                      for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "log10 LR" in outputs and "support" in outputs
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
