"""A labelled panel of transcripts (a folder of AlpacaEval `model_outputs.json` files) joined to a run.

`import_panel(DIR, RUN)` imports every `DIR/*.json` as the model named by its file stem, into the
run store (hash-chained like every response), so the report can recompute every number from the
run alone. It is done once: the run's manifest records each imported file's SHA-256 (key
`panel_imports`), and a file already imported with the same SHA-256 is skipped without being read
again. A file whose content changed is imported again (its new answers join as new samples) and
said so.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from forensics.core import InputError, file_sha256
from forensics.store import RunStore

from ._import import _bundled_by_prompt, import_transcripts

PANEL_MANIFEST_KEY = "panel_imports"
Progress = Callable[[str, int, int], None]  # (what, done, total)


def panel_files(panel_dir: str | Path) -> list[Path]:
    """The panel's transcript files (`DIR/*.json`, sorted); InputError when there are none."""
    d = Path(panel_dir)
    if not d.exists():
        raise InputError(f"--panel {d}: no such folder")
    if not d.is_dir():
        raise InputError(f"--panel {d}: not a folder (give the folder that holds the panel's *.json files)")
    files = sorted(p for p in d.glob("*.json") if p.is_file())
    if not files:
        raise InputError(f"--panel {d}: no *.json transcript files in it (one AlpacaEval model_outputs.json "
                         "per model, named after the model)")
    return files


def imported_panel(run_dir: str | Path) -> dict[str, dict]:
    """What the run records of panel imports: model name -> {"file", "sha256", "panel"}."""
    return _run_state(run_dir)[0]


def _run_state(run_dir: str | Path) -> tuple[dict[str, dict], dict[str, str]]:
    """(the run's panel imports, every model's kind); empty for a run not yet created."""
    if not (Path(run_dir) / "run.sqlite").exists():
        return {}, {}
    with RunStore(run_dir) as store:
        return (dict(store.get_manifest(PANEL_MANIFEST_KEY, {}) or {}),
                {m["name"]: m["kind"] for m in store.models()})


def _check_name(panel_dir: Path, path: Path, kinds: dict[str, str]) -> None:
    from forensics.backends import ModelConfig

    try:
        ModelConfig(name=path.stem, spec="replay:x")
    except (ValueError, TypeError):  # pydantic's ValidationError is a ValueError
        raise InputError(f"--panel {panel_dir}: {path.name}: the file's name is the model's name, and "
                         f"{path.stem!r} is not one: use letters, digits and _ . : + - (max 64)") from None
    if kinds.get(path.stem, "import") != "import":
        raise InputError(f"--panel {panel_dir}: {path.name}: the run already has a model {path.stem!r} that it "
                         f"collected ({kinds[path.stem]}); a panel model cannot share its name")


def import_panel(panel_dir: str | Path, out: str | Path, *, progress: Progress | None = None,
                 command: list[str] | None = None) -> dict:
    """Import each `panel_dir/*.json` as model `<file stem>` into run `out`, once.

    Returns {"files": n, "imported": [names], "unchanged": [names], "changed": [names], "models":
    [every panel model's name]}. A file whose SHA-256 the run already records for its model is
    skipped unread; any other is imported with `import_transcripts` (idempotent itself) and then
    recorded. Errors name the file: a bad model name, a file that is not a transcript list, a name
    the run already uses for a model it collected.
    """
    files = panel_files(panel_dir)
    done, kinds = _run_state(out)
    for path in files:
        _check_name(Path(panel_dir), path, kinds)
    names = [p.stem for p in files]
    summary: dict = {"files": len(files), "imported": [], "unchanged": [], "changed": [], "models": names}
    todo = []
    for path, name in zip(files, names):
        sha = file_sha256(path)
        if done.get(name, {}).get("sha256") == sha:
            summary["unchanged"].append(name)
        else:
            todo.append((path, name, sha, name in done))
    if progress is not None:
        progress("panel import", len(summary["unchanged"]), len(files))
    by_prompt = _bundled_by_prompt() if todo else {}
    for i, (path, name, sha, changed) in enumerate(todo, start=1):
        try:
            import_transcripts(path, name, out, command=command or ["forensics", *sys.argv[1:]],
                               by_prompt=by_prompt)
        except InputError as e:
            raise InputError(f"--panel {Path(panel_dir)}: {path.name}: {_without_path(str(e), path)}") from None
        with RunStore(out) as store:
            store.lock()
            record = dict(store.get_manifest(PANEL_MANIFEST_KEY, {}) or {})
            record[name] = {"file": path.name, "sha256": sha, "panel": str(Path(panel_dir))}
            store.set_manifest(PANEL_MANIFEST_KEY, record)
            store.update_manifest_hash()
        summary["changed" if changed else "imported"].append(name)
        if progress is not None:
            progress("panel import", len(summary["unchanged"]) + i, len(files))
    return summary


def _without_path(message: str, path: Path) -> str:
    """An import error's text without the file's path, which the caller names once."""
    for prefix in (f"{path}: ", f"{path.resolve()}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message
