"""The `forensics` command line: thin wrappers over the Python API."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from forensics.core import ForensicsError, InputError

from ._display import _safe, err, out
from ._watermark import watermark_app

app = typer.Typer(
    help="distill-forensics: was suspect model S distilled from reference model R? "
    "Probe models, store every response, test S against R and independent controls, report.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
probes_app = typer.Typer(help="List, show and validate probe suites.", no_args_is_help=True)
app.add_typer(probes_app, name="probes")
app.add_typer(watermark_app, name="watermark")

RunDir = Annotated[Path, typer.Argument(help="Run directory (holds run.sqlite).")]


@app.command("run")
def _run(
    model: Annotated[list[str], typer.Option("--model", "-m", help="NAME=SPEC; SPEC is openai:MODEL[@BASE_URL], "
                     "llamacpp:PATH.gguf|smollm2|qwen2.5-coder-0.5b|gemma3-270m, hf:PATH, or replay:FILE. Repeatable.")] = [],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run directory; an existing one is resumed.")] = ...,
    suite: Annotated[list[str], typer.Option("--suite", "-s", help="Bundled suite name or YAML path (default: all bundled).")] = [],
    models_file: Annotated[Optional[Path], typer.Option("--models-file", help="YAML: models: {NAME: {spec: ..., temperature: ..., system: ...}}")] = None,
    samples: Annotated[int, typer.Option(min=1, max=1000, help="Samples per probe.")] = 1,
    temperature: Annotated[float, typer.Option(min=0, max=2, help="Sampling temperature for every model (0 = greedy).")] = 0.7,
    max_tokens: Annotated[int, typer.Option(min=1, max=100_000, help="Most tokens per answer.")] = 256,
    seed: Annotated[int, typer.Option(help="Run seed; sample k uses seed+k.")] = 0,
    concurrency: Annotated[Optional[int], typer.Option(min=1, max=256, help="Requests in flight per endpoint.")] = None,
    system_variant: Annotated[list[str], typer.Option("--system-variant", help="Run every probe under this system prompt too (repeatable).")] = [],
    api_key_env: Annotated[Optional[str], typer.Option(help="Environment variable holding the API key (default OPENAI_API_KEY).")] = None,
    max_attempts: Annotated[int, typer.Option(min=1, max=50, help="Attempts per cell before a final error.")] = 5,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the response cache shared across runs.")] = False,
    down_after: Annotated[int, typer.Option(min=1, max=100, help="Stop the run when an endpoint refuses this many "
                          "connections in a row (resumable).")] = 3,
    no_self_check: Annotated[bool, typer.Option("--no-self-check", help="Skip the one-token check of each local "
                             "model in a child process.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    watermark: Annotated[Optional[Path], typer.Option("--watermark", help="Key file: local models generate "
                         "green-list watermarked text (Kirchenbauer et al.); the run stores only the key's "
                         "SHA-256. Make one with `forensics watermark keygen`.")] = None,
    wm_gamma: Annotated[float, typer.Option("--watermark-gamma", help="Green share of the vocabulary.")] = 0.25,
    wm_delta: Annotated[float, typer.Option("--watermark-delta", help="Logit added to green tokens.")] = 2.0,
    wm_context: Annotated[int, typer.Option("--watermark-context", help="Context width h (tokens).")] = 1,
) -> None:
    """Send probe suites to models and store every response (resumable: rerun to continue)."""
    from forensics.backends import load_models_file, parse_model_option
    from forensics.collect import RunSettings, run_suite
    from forensics.watermark import load_key

    configs = [parse_model_option(m, api_key_env) for m in model]
    if models_file:
        configs += load_models_file(models_file)
    settings = RunSettings(samples=samples, temperature=temperature, max_tokens=max_tokens, seed=seed,
                           concurrency=concurrency, max_attempts=max_attempts, use_cache=not no_cache,
                           system_variants=list(system_variant), down_after=down_after,
                           self_check=not no_self_check,
                           watermark=load_key(watermark, gamma=wm_gamma, delta=wm_delta, context=wm_context)
                           if watermark else None)
    result = run_suite(configs, out=out_dir, suites=suite or None, settings=settings,
                       progress=not quiet, command=_argv())
    s = result.summary
    out.print(f"run: {_safe(out_dir)}  planned {s.planned}, already done {s.already_done}, new {s.completed} "
              f"({s.from_cache} from cache), failed {s.failed}, attempts {s.attempts}")
    if s.failed:
        kinds = escape(", ".join(f"{k}: {v}" for k, v in sorted(s.failures_by_kind.items())))
        err.print(f"[yellow]{s.failed} cells ended with an error ({kinds}). Nothing was stored for them; "
                  f"run the same command again to retry just those cells, and see `forensics errors {_safe(out_dir)}`.[/]")
        raise typer.Exit(1)


@app.command("import")
def _import(
    file: Annotated[Path, typer.Argument(help="AlpacaEval model_outputs.json, JSONL or CSV with prompt/response.")],
    name: Annotated[str, typer.Option("--name", "-n", help="Model name in the run.")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run directory (created or extended).")],
) -> None:
    """Import transcripts you already have as model NAME (adds or extends it)."""
    from forensics.collect import import_transcripts

    s = import_transcripts(file, name, out_dir, command=_argv())
    out.print(f"imported {s['records']} records into {_safe(out_dir)} as {name!r}: {s['added']} added, "
              f"{s['unchanged']} already there, {s['bundled_matches']} matched bundled probes")


@app.command("export")
def _export(
    run_dir: RunDir,
    format: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or parquet")] = "jsonl",
    output: Annotated[Path, typer.Option("--output", "-o", help="Output file.")] = ...,
) -> None:
    """Write one row per response (probe_id, category, model, sample, prompt, text, ...)."""
    from forensics.store import export_run

    n = export_run(run_dir, format, output)
    out.print(f"wrote {n} rows to {_safe(output)}")


@app.command("verify")
def _verify(run_dir: RunDir) -> None:
    """Recompute every response hash, the hash chain and the manifest hash. Exit 0 when intact."""
    from forensics.store import RunStore, verify_run

    problems = verify_run(run_dir)
    if problems:
        for p in problems:
            err.print(f"[red]TAMPERED[/] {_safe(p)}", highlight=False)
        raise typer.Exit(3)
    with RunStore(run_dir) as store:
        out.print(f"intact: {store.count_responses()} responses, manifest hash {store.get_manifest('manifest_hash')}")


@app.command("errors")
def _errors(run_dir: RunDir) -> None:
    """List cells that ended with an error (rerun `forensics run` to retry them)."""
    from forensics.store import RunStore

    with RunStore(run_dir) as store:
        rows = store.errors()
    if not rows:
        out.print("no failed cells")
        return
    t = Table("model", "probe", "sample", "kind", "attempts", "message")
    for r in rows:
        t.add_row(_safe(r["model"]), _safe(r["probe_id"]), str(r["sample"]), _safe(r["kind"]), str(r["attempts"]),
                  _safe(r["message"][:120]))
    out.print(t)


@app.command("report")
def _report(
    run_dir: RunDir,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="HTML file (default RUN_DIR/report.html).")] = None,
    suspect: Annotated[Optional[str], typer.Option("--suspect", "-S", help="Analyse first with this suspect.")] = None,
    reference: Annotated[list[str], typer.Option("--reference", "-R", help="Reference(s), with --suspect.")] = [],
    control: Annotated[list[str], typer.Option("--control", "-C", help="Control(s), with --suspect (default: every other model).")] = [],
) -> None:
    """Write the self-contained HTML evidence report (from stored evidence, or analysing first)."""
    from forensics.evidence import rank
    from forensics.report import write_report

    if suspect:
        if not reference:
            raise InputError("--suspect needs at least one --reference")
        rank(run_dir, suspect, reference, control or None)
    path = write_report(run_dir, output)
    out.print(f"report: {_safe(path)}")


@probes_app.command("list")
def _probes_list(
    suite: Annotated[list[str], typer.Option("--suite", "-s", help="Suite name or path (default: all bundled).")] = [],
    as_json: Annotated[bool, typer.Option("--json", help="JSON list of probes.")] = False,
) -> None:
    """List probes: id, suite, category, language, and the prompt."""
    from forensics.probes import resolve_suites

    rows = [{"id": p.id, "suite": s.name, "category": p.category, "language": p.language,
             "scorable": p.answer is not None, "prompt": p.text}
            for s in resolve_suites(suite or None) for p in s.probes]
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    t = Table("id", "suite", "category", "lang", "scorable", "prompt")
    for r in rows:
        t.add_row(_safe(r["id"]), _safe(r["suite"]), _safe(r["category"]), _safe(r["language"]),
                  "yes" if r["scorable"] else "", _safe(r["prompt"][:70]))
    out.print(t)
    out.print(f"{len(rows)} probes")


@probes_app.command("show")
def _probes_show(probe_id: Annotated[str, typer.Argument(help="Probe id.")]) -> None:
    """Show one probe in full (YAML)."""
    import yaml

    from forensics.probes import bundled_suites, opt_in_suites

    for s in [*bundled_suites(), *opt_in_suites()]:
        for p in s.probes:
            if p.id == probe_id:
                data = {"suite": s.name, **p.model_dump(mode="json", exclude_none=True)}
                out.print(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), markup=False, highlight=False)
                return
    raise InputError(f"no bundled probe with id {probe_id!r} (see `forensics probes list`)")


@probes_app.command("validate")
def _probes_validate(paths: Annotated[Optional[list[Path]], typer.Argument(help="Suite files (default: all bundled, "
                     "the opt-in ones too).")] = None) -> None:
    """Validate suite files against the schema; exit 2 naming file, probe and field on error."""
    from forensics.probes import (
        bundled_suites,
        check_unique_ids,
        load_suite,
        opt_in_suites,
    )

    suites = [load_suite(p) for p in paths] if paths else [*bundled_suites(), *opt_in_suites()]
    check_unique_ids(suites)
    for s in suites:
        out.print(f"ok  {s.name} v{s.version}: {len(s.probes)} probes, sha256 {s.content_hash[:16]}")


@probes_app.command("schema")
def _probes_schema(output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the schema to this file (default: print it).")] = None) -> None:
    """Print (or write) the JSON Schema of a probe suite."""
    from forensics.probes import suite_json_schema

    text = json.dumps(suite_json_schema(), indent=2, sort_keys=True) + "\n"
    if output:
        output.write_text(text)
    else:
        sys.stdout.write(text)


@app.command("demo")
def _demo(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where to write the demo run.")] = Path("forensics-demo"),
    probes: Annotated[int, typer.Option(min=10, help="Probes per model (besides the fingerprint subset).")] = 40,
    max_tokens: Annotated[int, typer.Option(min=8, help="Tokens per answer to the text probes.")] = 64,
    likelihood: Annotated[bool, typer.Option("--likelihood/--no-likelihood", help="Score the answers under the "
                          "three local models' weights (the likelihood family; under 3 minutes on 2 cores).")] = True,
) -> None:
    """The whole job offline on real local models: suspects 'AcmeChat' (SmolLM2 behind its own server)
    and 'BetaBot' (Qwen2.5-Coder behind a persona, independent of SmolLM2), judged against SmolLM2 and
    Qwen with every other model as a control; the text, greedy and likelihood families."""
    from ._demo import _run_demo

    _run_demo(out_dir, n_probes=probes, max_tokens=max_tokens, console=out, likelihood=likelihood)


@app.command("doctor")
def _doctor(
    model: Annotated[list[str], typer.Option("--model", "-m", help="NAME=SPEC of a local model to check too "
                     "(default: the bundled local models that are installed).")] = [],
) -> None:
    """Check that local backends run on this CPU: one token from each local model in a child process.

    Prints the CPU, its instruction-set flags, the thread default, the llama.cpp CPU library and
    whether it holds AMX instructions. A child that dies from a signal gives one clear error
    naming the model, the signal and how to rebuild, and exit code 2.
    """
    from forensics.backends import (
        BackendCrashError,
        amx_instruction_count,
        check_model,
        cpu_model,
        crash_message,
        default_threads,
        ggml_cpu_libraries,
        local_models,
        relevant_flags,
        usable_cores,
    )

    out.print(f"CPU: {_safe(cpu_model())}; usable cores {usable_cores()}, llama.cpp threads {default_threads()}")
    out.print(f"flags: {' '.join(relevant_flags()) or 'none reported'}")
    for lib in ggml_cpu_libraries():
        n = amx_instruction_count(lib)
        amx = "objdump missing: AMX not checked" if n is None else f"{n} AMX ldtilecfg instructions"
        out.print(f"llama.cpp CPU library: {_safe(lib.name)} ({amx})")
    if model:
        from forensics.backends import parse_model_option

        targets = local_models([parse_model_option(m) for m in model])
    else:
        targets = _installed_local_models()
    if not targets:
        out.print("no local models to check")
        return
    t = Table("model", "backend", "self-check", "seconds", "detail")
    failed = []
    for name, kind, path in targets:
        c = check_model(name, kind, path)
        t.add_row(_safe(name), kind, "ok" if c.ok else "[red]FAILED[/]", f"{c.seconds:.1f}", _safe(c.detail[:60]))
        if not c.ok:
            failed.append(c)
    out.print(t)
    if failed:
        raise BackendCrashError(crash_message(failed[0]))


def _installed_local_models() -> list[tuple[str, str, str]]:
    """The bundled local models whose packages are installed, as (name, kind, path)."""
    from forensics.backends import LOCAL_MODELS, resolve_local_model

    found = []
    for key in LOCAL_MODELS:
        try:
            found.append((key, "llamacpp", str(resolve_local_model(key))))
        except ForensicsError:
            continue
    return found


def _argv() -> list[str]:
    """The command line as stored in the manifest: URLs lose credentials and query strings."""
    from forensics.core import redact_urls_in

    return ["forensics", *(redact_urls_in(a) for a in sys.argv[1:])]


def main() -> None:
    try:
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except ForensicsError as e:
        err.print(f"[bold red]error:[/] {_safe(e)}", highlight=False)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("interrupted; rerun the same command to resume")
        sys.exit(130)
    except Exception as e:  # click usage errors and anything unexpected
        bases = {c.__name__ for c in type(e).__mro__}  # typer vendors click: match by name
        if "ClickException" in bases:
            e.show()
            sys.exit(2 if "UsageError" in bases else e.exit_code)
        if os.environ.get("FORENSICS_DEBUG"):
            raise
        err.print(f"[bold red]internal error:[/] {type(e).__name__}: {_safe(str(e)[:500])} "
                  "(set FORENSICS_DEBUG=1 for a traceback)", highlight=False)
        sys.exit(1)
