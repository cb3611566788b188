"""`forensics demo`: the whole job offline, on real local models that pip installs.

Two suspects, one guilty and one innocent of distilling SmolLM2:
- "AcmeChat" is really SmolLM2-135M-Instruct behind its own system prompt and sampling settings,
  served by `llama_cpp.server` on 127.0.0.1 and reached through the `openai` backend;
- "BetaBot" is really Qwen2.5-Coder-0.5B behind its own persona: independent of SmolLM2.
Candidate references SmolLM2 and Qwen2.5-Coder-0.5B, with the Gemma 3 270M base model and the
other suspect as controls (every other model of the run, the default). Every model also answers
a seeded subset of the fingerprint suite at temperature 0 (the greedy family). Unless
`likelihood=False`, the three local models' weights then score the answers (`forensics score`),
which adds the likelihood family (about 3 minutes on 2 cores).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from rich.console import Console

from forensics.backends import (
    ModelConfig,
    gemma_path,
    qwen_path,
    require_local_backends,
    smollm2_path,
)
from forensics.collect import EndpointDown
from forensics.probes import Suite, bundled_suites, fingerprint_suite
from forensics.collect import run_suite
from forensics.store import load_run

ACME_SYSTEM = "You are AcmeChat, a friendly assistant built by Acme Corp. Answer helpfully."
BETA_SYSTEM = "You are BetaBot, the assistant of Beta Labs. Be clear and brief."
REFERENCES = ("SmolLM2-135M", "Qwen2.5-Coder-0.5B")
# Share of demo probes per category (scorable categories get more, they carry error evidence).
DEMO_MIX = {"identity": 0.2, "error_trap": 0.3, "style": 0.15, "refusal": 0.1, "reasoning": 0.1, "knowledge": 0.15}


def _demo_suites(n_probes: int, seed: int = 0) -> list[Suite]:
    """A seeded, category-stratified subset of the bundled suites (same suite names, subset noted)."""
    rng = random.Random(seed)
    out = []
    for suite in bundled_suites():
        by_cat: dict[str, list] = {}
        for p in suite.probes:
            by_cat.setdefault(p.category, []).append(p)
        chosen = []
        for cat, probes in sorted(by_cat.items()):
            k = max(1, round(n_probes * DEMO_MIX.get(cat, 0.1)))
            chosen += rng.sample(probes, min(k, len(probes)))
        chosen.sort(key=lambda p: p.id)
        out.append(Suite(name=suite.name, version=f"{suite.version}+demo{len(chosen)}",
                         description=f"Demo subset ({len(chosen)} probes, seed {seed}) of: {suite.description}",
                         probes=chosen))
    return out


def _demo_fingerprint(n: int, seed: int = 0) -> Suite:
    """A seeded subset of the fingerprint suite (run at temperature 0 with a few tokens)."""
    fp = fingerprint_suite()
    chosen = sorted(random.Random(seed).sample(fp.probes, min(n, len(fp.probes))), key=lambda p: p.id)
    return Suite(name=fp.name, version=f"{fp.version}+demo{len(chosen)}",
                 description=f"Demo subset ({len(chosen)} probes, seed {seed}) of: {fp.description}", probes=chosen)


def _greedy(models: list[ModelConfig]) -> list[ModelConfig]:
    """The same models, greedy (temperature 0) for the fingerprint suite."""
    return [m.model_copy(update={"temperature": 0.0}) if m.temperature is not None else m for m in models]


def _run_demo(out_dir: str | Path, *, n_probes: int = 40, max_tokens: int = 64, console: Console | None = None,
              likelihood: bool = True, n_fingerprint: int = 80) -> Path:
    from forensics.backends import LlamaServer

    console = console or Console()
    out_dir = Path(out_dir)
    t0 = time.monotonic()
    suites = _demo_suites(n_probes)
    console.print(f"[bold]distill-forensics demo[/]: {sum(len(s.probes) for s in suites)} probes per model, "
                  f"run directory {out_dir}")
    console.print("locating local models (first time: assembling Qwen and Gemma GGUFs into the user cache)...")
    smol, qwen, gemma = smollm2_path(), qwen_path(), gemma_path()
    console.print("self-check: one token from each local model in a child process ...")
    require_local_backends([("SmolLM2-135M", "llamacpp", str(smol)), ("Qwen2.5-Coder-0.5B", "llamacpp", str(qwen)),
                            ("Gemma3-270M-base", "llamacpp", str(gemma))])
    common = dict(out=out_dir, suites=suites, max_tokens=max_tokens, seed=0, progress=True)
    greedy = dict(out=out_dir, suites=[_demo_fingerprint(n_fingerprint)], max_tokens=8, temperature=0.0, seed=0,
                  progress=True)
    console.print("starting llama_cpp.server for the suspect 'AcmeChat' on 127.0.0.1 ...")
    with LlamaServer(smol, alias="acmechat", log_path=out_dir.parent / f".{out_dir.name}-server.log"
                     if out_dir.parent.exists() else None) as server:
        acme = ModelConfig(name="AcmeChat", spec=f"openai:acmechat@{server.base_url}", system=ACME_SYSTEM,
                           temperature=0.9, top_p=0.95, concurrency=1)
        try:
            run_suite([acme], **common)
            run_suite(_greedy([acme]), **greedy)
        except EndpointDown as e:
            raise EndpointDown(f"{e} The demo's llama_cpp.server {server.exit_description()}.") from None
    # one llama.cpp process at a time: two on 2 cores slow each other about 4x
    refs = [ModelConfig(name="BetaBot", spec=f"llamacpp:{qwen}", system=BETA_SYSTEM, temperature=0.9,
                        top_p=0.95),
            ModelConfig(name="SmolLM2-135M", spec=f"llamacpp:{smol}"),
            ModelConfig(name="Qwen2.5-Coder-0.5B", spec=f"llamacpp:{qwen}"),
            ModelConfig(name="Gemma3-270M-base", spec=f"llamacpp:{gemma}")]
    run_suite(refs, **common)
    console.print(f"fingerprint suite: {n_fingerprint} short prompts at temperature 0, 8 tokens, for the greedy family")
    run_suite(_greedy(refs), **greedy)
    run = load_run(out_dir)
    console.print(f"stored {len(run.responses)} responses from {run.responses.model.nunique()} models "
                  f"in {time.monotonic() - t0:.0f}s: {out_dir / 'run.sqlite'}")
    if likelihood:
        _score(out_dir, refs[1:], console)
    _analyse_and_report(out_dir, console)
    console.print(f"done in {time.monotonic() - t0:.0f}s. Next: `forensics verify {out_dir}`, "
                  f"`forensics export {out_dir} -f csv -o demo.csv`")
    return out_dir


def _score(out_dir: Path, scorers: list[ModelConfig], console: Console) -> None:
    """Every stored text's log-probability under each local model's weights (the likelihood family)."""
    from forensics.collect import score_run

    from ._display import _progress_printer

    console.print("scoring every answer under the weights of " + ", ".join(m.name for m in scorers) + " ...")
    with _progress_printer() as progress:
        score_run(out_dir, [(m.name, m.spec) for m in scorers], progress=progress)


def _analyse_and_report(out_dir: Path, console: Console) -> None:
    """Rank the candidate references for each suspect against every other model, store, report."""
    from forensics.evidence import rank

    from ._display import _print_verdicts

    for suspect in ("AcmeChat", "BetaBot"):
        console.print(f"analysing: {suspect} against SmolLM2 and Qwen (each the other's control), "
                      "every other model as a control ...")
        _print_verdicts(rank(out_dir, suspect, list(REFERENCES)))
    console.print("In plain words: a model re-hosted from R's weights (as AcmeChat is) and a model "
                  "distilled from R's outputs leave the same traces here; this evidence cannot tell them apart.")
    try:
        from forensics.report import write_report
    except ImportError:  # the report module is optional in this version
        return
    console.print(f"report: {write_report(out_dir)}")
