"""Import transcripts users already have into a run (adds or extends one model)."""

from __future__ import annotations

import hashlib
import heapq
import json
import sys
from pathlib import Path

from forensics.backends import Params, Request, Response, read_transcripts
from forensics.core import InputError, file_sha256, storable
from forensics.probes import Probe, Suite, alpaca_eval_suite, bundled_suites
from forensics.store import RunStore

ADHOC_SUITE = "adhoc"


def adhoc_probe_id(prompt: str) -> str:
    return "adhoc-" + hashlib.sha256(prompt.strip().encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _bundled_by_prompt() -> dict[str, tuple[Suite, Probe]]:
    """Single-turn probes by prompt: the default suites', then the opt-in `alpaca_eval` suite's (so a
    panel's AlpacaEval files and a run collected with `--suite alpaca_eval` share probe ids). A prompt
    in two suites stays with the first."""
    out = {}
    for suite in [*bundled_suites(), alpaca_eval_suite()]:
        for p in suite.probes:
            if p.prompt is not None and not p.system:
                out.setdefault(p.prompt.strip(), (suite, p))
    return out


def import_transcripts(path: str | Path, name: str, out: str | Path, *,
                       command: list[str] | None = None,
                       by_prompt: dict[str, tuple[Suite, Probe]] | None = None) -> dict:
    """Add FILE's (prompt, response) pairs to model NAME in run OUT.

    A prompt equal to a bundled single-turn probe (of the default suites or the `alpaca_eval`
    suite) is filed under that probe; any other prompt
    becomes a probe of the run's ad-hoc suite. Importing the same file twice changes nothing;
    a prompt answered twice with different text becomes a second sample. `by_prompt`: the bundled
    probes by prompt, for a caller importing many files (read from the suites when None).
    """
    from forensics.backends import ModelConfig

    try:
        ModelConfig(name=name, spec="replay:x")
    except Exception:
        raise InputError(f"--name {name!r}: use letters, digits and _ . : + - (max 64)") from None
    src = Path(path)
    bundled = _bundled_by_prompt() if by_prompt is None else by_prompt
    # pass 1, streamed, before the run directory is touched: a bad file leaves nothing behind
    n_records = n_bundled = 0
    adhoc_prompts: dict[str, str] = {}  # probe id -> prompt, for prompts not in a bundled suite
    used_suites: dict[str, Suite] = {}
    for t in read_transcripts(src):
        n_records += 1
        hit = bundled.get(t.prompt.strip())
        if hit:
            used_suites[hit[0].name] = hit[0]
            n_bundled += 1
        else:
            adhoc_prompts.setdefault(adhoc_probe_id(t.prompt), t.prompt)
    if n_records == 0:
        raise InputError(f"{src}: no transcripts in file")
    store = RunStore(out, create=True)
    try:
        store.lock()
        texts: dict[str, list[str]] = {}
        for pid, text in store.model_texts(name):
            texts.setdefault(pid, []).append(_digest(text))
        adhoc = set(store.suite_probe_ids(ADHOC_SUITE))
        new_adhoc = {pid: prompt for pid, prompt in adhoc_prompts.items() if pid not in adhoc}
        del adhoc_prompts
        for suite in used_suites.values():
            if suite.name not in {s["name"] for s in store.suites()}:
                store.add_suite(suite, source="bundled")
        if new_adhoc:
            _extend_adhoc_suite(store, new_adhoc)
        _register_model(store, name, src)
        store.begin_session(command or list(sys.argv), {"import": str(src), "model": name})
        added = skipped = 0
        for t in read_transcripts(src):  # pass 2, streamed: write
            hit = bundled.get(t.prompt.strip())
            pid = hit[1].id if hit else adhoc_probe_id(t.prompt)
            if not hit and pid not in new_adhoc and pid not in adhoc:
                raise InputError(f"{src}: the file changed while it was being imported; import it again")
            seen = texts.setdefault(pid, [])
            digest = _digest(t.response)
            if digest in seen:
                skipped += 1
                continue
            req = Request(pid, name, len(seen), (), Params())
            info = {"imported_from": src.name, "messages": [{"role": "user", "content": t.prompt}]}
            store.add_response(req, Response(text=t.response, finish_reason="imported"), request_info=info)
            seen.append(digest)
            added += 1
        summary = {"records": n_records, "added": added, "unchanged": skipped,
                   "new_adhoc_probes": len(new_adhoc), "bundled_matches": n_bundled}
        store.end_session(summary)
        return summary
    finally:
        store.close()


ADHOC_DESCRIPTION = "Prompts imported from transcripts, not in a bundled suite."


def _adhoc_probe(pid: str, prompt: str) -> Probe:
    return Probe(id=pid, category="adhoc", prompt=prompt, language="und")


def _extend_adhoc_suite(store: RunStore, new: dict[str, str]) -> None:
    """Add probes to the run's ad-hoc suite, streamed: what `store.add_suite(Suite(...))` would write
    (the same rows and the same `Suite.content_hash`) without holding every probe of a large import
    in memory at once (a 200 MB import of distinct prompts peaked near 600 MB that way)."""
    head = {"description": ADHOC_DESCRIPTION, "name": ADHOC_SUITE, "version": "run"}

    def enc(obj: object) -> str:  # as core.sha256_json encodes
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    # ids first: no SELECT cursor stays open over the table while rows are inserted into it
    old = store.suite_probe_ids(ADHOC_SUITE)
    existing = ((pid, lambda pid=pid: store.probe(pid)) for pid in sorted(old))
    added = ((pid, lambda pid=pid: _adhoc_probe(pid, new[pid])) for pid in sorted(new))
    h = hashlib.sha256(('{"description":' + enc(head["description"]) + ',"name":' + enc(head["name"])
                        + ',"probes":[').encode("utf-8"))
    rows = []
    with store.transaction():
        for i, (pid, make) in enumerate(heapq.merge(existing, added, key=lambda x: x[0])):
            probe = make()
            h.update(((',' if i else '') + enc(probe.model_dump(mode="json"))).encode("utf-8"))
            if pid in new:
                rows.append(probe)
                if len(rows) >= 1000:
                    store.put_probes(ADHOC_SUITE, rows)
                    rows.clear()
        store.put_probes(ADHOC_SUITE, rows)
        h.update(('],"version":' + enc(head["version"]) + '}').encode("utf-8"))
        store.put_suite_row(ADHOC_SUITE, head["version"], h.hexdigest(), "import")


def _digest(text: str) -> str:
    return hashlib.sha256(storable(text).encode("utf-8")).hexdigest()


def _register_model(store: RunStore, name: str, src: Path) -> None:
    row = store.model_record(name)
    if row and row[0] != "import":
        raise InputError(f"model {name!r} is already in this run as a {row[0]} model; import under another --name")
    settings = row[1] if row else {"files": []}
    entry = {"file": src.name, "sha256": file_sha256(src)}
    if entry not in settings["files"]:
        settings["files"].append(entry)
    store.put_model(name, "import", f"import:{name}", settings)
