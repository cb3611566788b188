"""Hostile input files: probe-suite YAML, models files (run configs) and transcript imports.

Property (hypothesis, 1,000+ generated cases per test, derandomized): every file is either loaded
correctly or refused with `InputError` carrying one single-line message that names the file; no
other exception ever escapes. A sample of the refused files then goes through the real CLI (exit 2,
one `error:` line on stderr, no traceback), followed by explicit cases: invalid UTF-8, a 200 MB
import, duplicate probe ids, YAML alias bombs, deep-nesting bombs and path traversal."""

from __future__ import annotations

import json
from collections import Counter

import yaml
from hypothesis import given
from hypothesis import strategies as st

from forensics.probes import Suite, load_suite
from forensics.backends import load_models_file, redact_spec
from forensics.store import RunStore

from .conftest import record
from .fuzzing import FUZZ, MODELS_DOC, SUITE, YAML_TOKENS, mutated, outcome, token_soup, write_case, yaml_dump


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
        doc, raw, changed = data.draw(mutated(doc, yaml_dump))
        path = write_case(root, ".yaml", raw)
        suite, _ = outcome(load_suite, path, stats)
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
    @given(raw=token_soup(YAML_TOKENS, max_bytes=2000, text_size=6, max_parts=30))
    def check(raw):
        path = write_case(root, ".yaml", raw)
        suite, _ = outcome(load_suite, path, stats)
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
        doc, raw, _ = data.draw(mutated(doc, yaml_dump))
        path = write_case(root, ".yaml", raw)
        configs, _ = outcome(load_models_file, path, stats)
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
    @given(raw=token_soup(YAML_TOKENS + ["models:", "models:\n  a:\n    spec: ", "openai:m@http://", " {spec: "],
                          max_bytes=2000, text_size=6, max_parts=30))
    def check(raw):
        path = write_case(root, ".yaml", raw)
        configs, _ = outcome(load_models_file, path, stats)
        if configs is not None:
            _check_models_loaded(configs)

    check()
    record("fuzz: models file YAML (raw bytes / token soup)", cases=stats["loaded"] + stats["refused"], **stats)
