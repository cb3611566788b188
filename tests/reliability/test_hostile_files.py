"""Hostile input files: probe-suite YAML, models files (run configs) and transcript imports.

Property (hypothesis, 1,000+ generated cases per test, derandomized): every file is either loaded
correctly or refused with `InputError` carrying one single-line message that names the file; no
other exception ever escapes. A sample of the refused files then goes through the real CLI (exit 2,
one `error:` line on stderr, no traceback), followed by explicit cases: invalid UTF-8, a 200 MB
import, duplicate probe ids, YAML alias bombs, deep-nesting bombs and path traversal."""

from __future__ import annotations

import copy
import itertools
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensics._errors import InputError
from forensics.backends.replay import PROMPT_KEYS, RESPONSE_KEYS, read_transcripts
from forensics.importing import ADHOC_DESCRIPTION, import_transcripts
from forensics.probes import CATEGORIES, Probe, Suite, bundled_suites, load_suite
from forensics.specs import load_models_file, redact_spec
from forensics.store import RunStore, verify_store

from ..support.fake_openai import FakeOpenAIServer, ServerConfig
from .conftest import assert_clean_exit_2, check_input_error, clean_exit_2, cli, cli_batch, record

N_FUZZ = 1000
FUZZ = settings(max_examples=N_FUZZ, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))
_counter = itertools.count()


def _case_path(root: Path, suffix: str) -> Path:
    return root / f"case-{next(_counter):06d}{suffix}"


def _outcome(fn, path: Path, stats: Counter):
    """fn(path) -> (value, None) or (None, message); anything but InputError propagates (a failure)."""
    try:
        value = fn(path)
    except InputError as e:
        stats["refused"] += 1
        return None, check_input_error(e, path)
    stats["loaded"] += 1
    return value, None


# ---------------------------------------------------------------------------------------------
# strategies

TEXT = st.text(max_size=25)


def _same(x):
    return x


NONEMPTY = st.text(min_size=1, max_size=25).filter(lambda s: s.strip())
JUNK = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=12)
    | st.binary(max_size=6) | st.dates(),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6) | st.integers(), c, max_size=3),
    max_leaves=6)
YAML_TOKENS = ["&a ", "*a", "<<: *a\n", "!!python/object:os.system ", "!!binary ", "!!timestamp 2024-13-45",
               "\t", "\x00", "\x1b[31m", '"\\ud800"', "'\\ud800'", "\\", "? ", ": ", "- ", "{", "}", "[", "]",
               "'", '"', "#", "%YAML 1.1\n", "---\n", "...\n", "\n  - ", "1" * 5000, "~", ".nan", "&b [*b]",
               "\ufeff", "\u2028", "\x85", "|\n  x\n", ">-\n", "!!str ", "!!int 0x", "!!float 1e9999",
               "2024-01-01", "0o777", "!custom ", "{{{{", "[" * 300]


@st.composite
def mutated(draw, doc, dump):
    """A document, maybe with structural mutations, dumped, maybe with text and byte mutations."""
    doc = copy.deepcopy(doc)
    if draw(st.sampled_from(["pristine", "mutated", "mutated"])) == "pristine":
        return doc, dump(doc, draw).encode("utf-8"), False
    changed = False
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        slots = []  # (container, key) pairs reachable in the document

        def walk(x):
            if isinstance(x, dict):
                for k, v in x.items():
                    slots.append((x, k))
                    walk(v)
            elif isinstance(x, list):
                for i, v in enumerate(x):
                    slots.append((x, i))
                    walk(v)
        walk(doc)
        if not slots:
            break
        box, key = draw(st.sampled_from(slots))
        op = draw(st.sampled_from(["delete", "replace", "add", "duplicate"]))
        changed = True
        if op == "delete":
            del box[key]
        elif op == "replace":
            box[key] = draw(JUNK)
        elif op == "add" and isinstance(box, dict):
            box[draw(st.text(max_size=8) | st.integers())] = draw(JUNK)
        elif op == "add":
            box.append(draw(JUNK))
        elif isinstance(box, list):
            box.append(copy.deepcopy(box[key]))
        else:
            box[str(key) + "_copy"] = copy.deepcopy(box[key])
    text = dump(doc, draw)
    for _ in range(draw(st.integers(1, 2)) if draw(st.sampled_from([False, False, True])) else 0):
        changed = True
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "truncate", "cut"]))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(YAML_TOKENS) | st.text(max_size=5)) + text[pos:]
        elif op == "truncate":
            text = text[:pos]
        else:
            text = text[:pos] + text[pos + draw(st.integers(1, 20)):]
    enc = draw(st.sampled_from(["utf-8"] * 8 + ["utf-8-sig", "utf-16", "latin-1", "cp1252"]))
    raw = text.encode(enc, "surrogatepass" if enc.startswith("utf") else "replace")
    if draw(st.sampled_from([False] * 9 + [True])):
        pos = draw(st.integers(0, len(raw)))
        raw = raw[:pos] + draw(st.binary(min_size=1, max_size=4)) + raw[pos:]
        changed = True
    changed = changed or enc not in ("utf-8", "utf-8-sig")
    return doc, raw, changed


def _yaml_dump(doc, draw) -> str:
    return yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False,
                          default_flow_style=draw(st.sampled_from([False, True, None])))


ANSWERS = st.one_of(
    st.fixed_dictionaries({"type": st.just("exact"), "value": NONEMPTY}, optional={"case_sensitive": st.booleans()}),
    st.fixed_dictionaries({"type": st.just("one_of"), "values": st.lists(NONEMPTY, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"type": st.just("regex"), "pattern": st.sampled_from([r"\b391\b", "paris|london", "^(yes|no)"])}),
    st.fixed_dictionaries({"type": st.just("numeric"),
                           "value": st.integers(-10**6, 10**6) | st.floats(-1e6, 1e6, allow_nan=False),
                           "tolerance": st.floats(0, 10)}))
MESSAGES = st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant", "system"]),
                                           "content": TEXT}), max_size=3
                    ).map(lambda ms: ms + [{"role": "user", "content": "and then?"}])
PROBE = st.tuples(
    st.fixed_dictionaries(
        {"id": st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,10}", fullmatch=True),
         "category": st.sampled_from([c for c in CATEGORIES])},
        optional={"language": st.sampled_from(["en", "de", "fr", "zh-Hans", "pt-BR", "und"]),
                  "tags": st.lists(TEXT, max_size=3), "system": TEXT, "answer": ANSWERS}),
    st.one_of(st.fixed_dictionaries({"prompt": NONEMPTY}), st.fixed_dictionaries({"messages": MESSAGES})),
).map(lambda t: {**t[0], **t[1]})
SUITE = st.fixed_dictionaries({
    "name": st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True),
    "version": st.text(max_size=8) | st.sampled_from(["1.0", "2"]),
    "description": TEXT,
    "probes": st.lists(PROBE, min_size=1, max_size=5, unique_by=lambda p: p["id"])})

ENV_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
URLS = st.builds(
    lambda scheme, cred, host, port, path, query: f"{scheme}://{cred}{host}{'' if port is None else f':{port}'}{path}{query}",
    st.sampled_from(["http", "https", "HTTP", "ftp", "http:"]),
    st.sampled_from(["", "user:pw-SECRET@", "u@", ":@", "a:b:c@"]),
    st.sampled_from(["127.0.0.1", "localhost", "[::1]", "[::1", "api.example.com", "", "exa mple.com", "h\x00st",
                     "xn--d1acufc.xn--p1ai", "999.1.1.1", "[fe80::1%eth0]"]),
    st.none() | st.integers(-5, 70000) | st.just("abc"),
    st.sampled_from(["/v1", "", "/v1/", "/a b", "/../../etc"]),
    st.sampled_from(["", "?api_key=SECRET-Q", "#frag", "?a=1&b=2", "?token=SECRET-Q#x"]))
SPECS = st.one_of(
    st.builds(lambda m, u: f"openai:{m}" + ("" if u is None else f"@{u}"),
              st.sampled_from(["gpt-4o", "acme/chat-v2", "", "m@x", "a b"]), st.none() | URLS),
    st.sampled_from(["llamacpp:smollm2", "llamacpp:/nope.gguf", "hf:./ckpt", "replay:x.json", "replay:",
                     "callable:x", "openai", ":", "OPENAI:x"]),
    TEXT)
NUMBER = st.integers(-5, 300) | st.floats() | st.text(max_size=4) | st.none()
GOOD_SPECS = st.builds(lambda m, port, q: f"openai:{m}@http://user:pw-SECRET@127.0.0.1:{port}/v1{q}",
                       st.sampled_from(["acme", "org/model-1"]), st.integers(1, 65535),
                       st.sampled_from(["", "?api_key=SECRET-Q"])) | st.sampled_from(
    ["openai:gpt-4o", "llamacpp:smollm2", "hf:./ckpt", "replay:t.json", "openai:m@https://api.example.com/v1"])
VALID_BODY = st.fixed_dictionaries({"spec": GOOD_SPECS}, optional={
    "api_key_env": ENV_NAMES, "timeout_s": st.floats(0.1, 600), "concurrency": st.integers(1, 256),
    "n_ctx": st.integers(256, 8192), "n_threads": st.integers(1, 64), "chat_format": TEXT, "system": TEXT,
    "temperature": st.floats(0, 2), "max_tokens": st.integers(1, 4096), "top_p": st.floats(0.01, 1)})
ANY_BODY = st.fixed_dictionaries({"spec": SPECS | GOOD_SPECS}, optional={
    "api_key_env": ENV_NAMES | TEXT, "timeout_s": NUMBER, "concurrency": NUMBER, "n_ctx": NUMBER,
    "n_threads": NUMBER, "chat_format": TEXT, "system": TEXT, "temperature": NUMBER, "max_tokens": NUMBER,
    "top_p": NUMBER})
VALID_NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:+-]{0,12}", fullmatch=True)
ANY_NAME = VALID_NAME | TEXT | st.integers() | st.none() | st.booleans() | st.floats(allow_nan=False)
MODELS_DOC = st.one_of(  # half valid as generated, half anything goes
    st.fixed_dictionaries({"models": st.dictionaries(VALID_NAME, VALID_BODY, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"models": st.dictionaries(ANY_NAME, ANY_BODY | VALID_BODY, min_size=1, max_size=3)}))

BUNDLED_PROMPTS = [p.prompt for s in bundled_suites() for p in s.probes if p.prompt and not p.system][:50]
# text with everything, lone surrogates included (they reach files as "\ud800" JSON escapes)
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=30)
FIELD = st.one_of(ANY_TEXT, st.sampled_from(BUNDLED_PROMPTS), st.sampled_from(["", " ", "\n", "x" * 200]),
                  st.integers(), st.floats(), st.none(), st.booleans(), st.lists(st.integers(), max_size=2),
                  st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
VALID_RECORD = st.one_of(
    st.fixed_dictionaries({"instruction": NONEMPTY | st.sampled_from(BUNDLED_PROMPTS), "output": TEXT}),
    st.tuples(st.sampled_from(PROMPT_KEYS), NONEMPTY | st.sampled_from(BUNDLED_PROMPTS) | ANY_TEXT,
              st.sampled_from(RESPONSE_KEYS), ANY_TEXT,
              st.dictionaries(st.sampled_from(["generator", "dataset", "id", "extra"]), FIELD, max_size=2)
              ).map(lambda t: {t[0]: t[1], t[2]: t[3], **t[4]}))
ANY_RECORD = VALID_RECORD | st.dictionaries(st.sampled_from(PROMPT_KEYS + RESPONSE_KEYS + ("generator", "x")),
                                            FIELD, max_size=4) | FIELD
RECORDS = st.lists(VALID_RECORD, min_size=1, max_size=6) | st.lists(ANY_RECORD, max_size=6)


def _dump_records(records, fmt: str, draw) -> str:
    if fmt == ".json":
        return json.dumps(records, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])),
                          default=str)
    if fmt in (".jsonl", ".ndjson"):
        lines = [json.dumps(r, ensure_ascii=draw(st.booleans()), default=str) for r in records]
        return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n  \n"]))
    import csv
    import io
    cols = sorted({str(k) for r in records if isinstance(r, dict) for k in r}) or list(draw(
        st.sampled_from([("prompt", "response"), ("instruction", "output"), ("x",)])))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    w.writerow(cols)
    for r in records:
        row = {str(k): v for k, v in r.items()} if isinstance(r, dict) else None
        w.writerow([("" if row.get(c) is None else str(row.get(c))) if row is not None else str(r) for c in cols])
    return buf.getvalue()


@st.composite
def transcript_files(draw):
    fmt = draw(st.sampled_from([".json", ".jsonl", ".csv", ".ndjson"]))
    records = draw(RECORDS)
    _, raw, changed = draw(mutated(records, lambda doc, d: _dump_records(doc, fmt, d)))
    return fmt, raw


# ---------------------------------------------------------------------------------------------
# (a) probe-suite YAML


def _check_suite_loaded(suite: Suite, store: RunStore) -> None:
    suite.content_hash.encode()  # hashable as UTF-8
    store.add_suite(suite, source="fuzz")  # and storable


def test_fuzz_suite_yaml(module_tmp):
    root = module_tmp / "suites"
    root.mkdir()
    stats: Counter = Counter()
    store = RunStore(module_tmp / "suite-store", create=True)

    @FUZZ
    @given(doc=SUITE, data=st.data())
    def check(doc, data):
        doc, raw, changed = data.draw(mutated(doc, _yaml_dump))
        path = _case_path(root, ".yaml")
        path.write_bytes(raw)
        suite, _ = _outcome(load_suite, path, stats)
        if suite is not None:
            _check_suite_loaded(suite, store)
        # an unmutated valid document loads, as exactly what was written (when PyYAML's own dumper and
        # loader round-trip it: its dumper mangles e.g. a quoted "\x85" next to spaces)
        if not changed and yaml.safe_load(raw) == doc:
            assert suite == Suite.model_validate(doc)
            stats["valid documents round-tripped"] += 1

    try:
        check()
    finally:
        store.close()
    assert stats["loaded"] and stats["refused"]
    record("fuzz: probe-suite YAML (structured, mutated)", cases=stats["loaded"] + stats["refused"], **stats)


def test_fuzz_suite_raw_bytes(module_tmp):
    root = module_tmp / "suites-raw"
    root.mkdir()
    stats: Counter = Counter()

    @FUZZ
    @given(raw=st.binary(max_size=2000) | st.lists(st.sampled_from(YAML_TOKENS) | st.text(max_size=6), max_size=30)
           .map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass")))
    def check(raw):
        path = _case_path(root, ".yaml")
        path.write_bytes(raw)
        suite, _ = _outcome(load_suite, path, stats)
        if suite is not None:
            suite.content_hash.encode()

    check()
    record("fuzz: probe-suite YAML (raw bytes / token soup)", cases=stats["loaded"] + stats["refused"], **stats)


# ---------------------------------------------------------------------------------------------
# (b) run configs: the --models-file YAML


def _check_models_loaded(configs) -> None:
    for cfg in configs:
        safe = redact_spec(cfg.spec)  # what the run stores; must not raise for a loaded config
        stored = json.dumps(cfg.redacted() | {"spec": safe})
        assert "SECRET" not in stored and "pw-" not in stored, stored


def test_fuzz_models_file(module_tmp):
    root = module_tmp / "models"
    root.mkdir()
    stats: Counter = Counter()

    @FUZZ
    @given(doc=MODELS_DOC, data=st.data())
    def check(doc, data):
        doc, raw, _ = data.draw(mutated(doc, _yaml_dump))
        path = _case_path(root, ".yaml")
        path.write_bytes(raw)
        configs, _ = _outcome(load_models_file, path, stats)
        if configs is not None:
            _check_models_loaded(configs)

    check()
    assert stats["loaded"] and stats["refused"]
    record("fuzz: models file YAML (structured, mutated)", cases=stats["loaded"] + stats["refused"], **stats)


def test_fuzz_models_file_raw_bytes(module_tmp):
    root = module_tmp / "models-raw"
    root.mkdir()
    stats: Counter = Counter()

    @FUZZ
    @given(raw=st.binary(max_size=2000) | st.lists(
        st.sampled_from(YAML_TOKENS + ["models:", "models:\n  a:\n    spec: ", "openai:m@http://", " {spec: "])
        | st.text(max_size=6), max_size=30).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass")))
    def check(raw):
        path = _case_path(root, ".yaml")
        path.write_bytes(raw)
        configs, _ = _outcome(load_models_file, path, stats)
        if configs is not None:
            _check_models_loaded(configs)

    check()
    record("fuzz: models file YAML (raw bytes / token soup)", cases=stats["loaded"] + stats["refused"], **stats)


# ---------------------------------------------------------------------------------------------
# (c) transcript imports: AlpacaEval JSON list, JSONL, CSV


@pytest.fixture(scope="module")
def fast_bundled():
    """import_transcripts re-reads the bundled suites on every call (0.2 s): read them once here."""
    import forensics.importing as imp

    table = imp._bundled_by_prompt()
    mp = pytest.MonkeyPatch()
    mp.setattr(imp, "_bundled_by_prompt", lambda: table)
    yield
    mp.undo()


def _check_adhoc_hash(store: RunStore) -> None:
    """The ad-hoc suite is written streamed: its stored hash is the Suite's content hash all the same."""
    rows = store.conn.execute("SELECT probe_json FROM probes WHERE suite='adhoc' ORDER BY probe_id").fetchall()
    if rows:
        adhoc = Suite(name="adhoc", version="run", description=ADHOC_DESCRIPTION,
                      probes=[Probe.model_validate_json(r[0]) for r in rows])
        assert store.conn.execute("SELECT hash FROM suites WHERE name='adhoc'").fetchone()[0] == adhoc.content_hash
    assert verify_store(store) == []


def _check_transcripts(path: Path, root: Path, stats: Counter) -> None:
    records, msg = _outcome(lambda p: list(read_transcripts(p)), path, stats)
    out = root / (path.stem + "-run")
    try:
        summary = import_transcripts(path, "fuzzed", out)
    except InputError as e:
        check_input_error(e, path)
        assert records is None or not records, f"read fine but import refused: {e}"
        assert not out.exists(), "a refused import left a run directory behind"
        stats["import refused"] += 1
        return
    assert records, f"import accepted what reading refused: {msg}"
    stats["imported"] += 1
    assert summary["records"] == len(records)
    with RunStore(out) as store:
        assert verify_store(store) == []
        texts = [r[0] for r in store.conn.execute("SELECT text FROM responses WHERE model='fuzzed'")]
        assert len(texts) == summary["added"]
        assert set(texts) <= {t.response for t in records}
        for t in texts:
            t.encode("utf-8")
        _check_adhoc_hash(store)
    again = import_transcripts(path, "fuzzed", out)  # importing the same file twice changes nothing
    assert again["added"] == 0 and again["unchanged"] == len(records)
    shared = root / "shared-run"  # and every accepted file extends one growing run, which stays consistent
    import_transcripts(path, "shared", shared)
    with RunStore(shared) as store:
        _check_adhoc_hash(store)


def test_fuzz_transcripts(module_tmp, fast_bundled):
    root = module_tmp / "transcripts"
    root.mkdir()
    stats: Counter = Counter()

    @FUZZ
    @given(case=transcript_files())
    def check(case):
        fmt, raw = case
        stats[f"format {fmt}"] += 1
        path = _case_path(root, fmt)
        path.write_bytes(raw)
        _check_transcripts(path, root, stats)

    check()
    assert stats["imported"] and stats["refused"]
    record("fuzz: transcript imports (structured, mutated)", cases=stats["loaded"] + stats["refused"], **stats)


def test_fuzz_transcripts_raw_bytes(module_tmp, fast_bundled):
    root = module_tmp / "transcripts-raw"
    root.mkdir()
    stats: Counter = Counter()
    tokens = ['[', ']', '{', '}', '"prompt"', '"response"', '"instruction"', '"output"', ':', ',', '"x"', '"\\ud800"',
              'prompt,response\n', '"a","b"\n', '\n', '\r', '\x00', '\xff', 'null', '1e999', '[' * 100, '\ufeff']

    @FUZZ
    @given(fmt=st.sampled_from([".json", ".jsonl", ".csv"]),
           raw=st.binary(max_size=1500) | st.lists(st.sampled_from(tokens) | st.text(max_size=5), max_size=40)
           .map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass")))
    def check(fmt, raw):
        stats[f"format {fmt}"] += 1
        path = _case_path(root, fmt)
        path.write_bytes(raw)
        _check_transcripts(path, root, stats)

    check()
    record("fuzz: transcript imports (raw bytes / token soup)", cases=stats["loaded"] + stats["refused"], **stats)


# ---------------------------------------------------------------------------------------------
# the same kinds of files through the real CLI
