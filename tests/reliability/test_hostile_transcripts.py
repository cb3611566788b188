"""Hostile transcript files (AlpacaEval JSON, JSONL, CSV): every file is imported consistently or
refused with one single-line `InputError` naming it; see test_hostile_files.py for the property."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forensics.core import InputError
from forensics.backends import read_transcripts
from forensics.collect import ADHOC_DESCRIPTION, import_transcripts
from forensics.probes import Probe, Suite
from forensics.store import RunStore, verify_store

from .conftest import check_input_error, record
from .fuzzing import FUZZ, outcome, token_soup, transcript_files, write_case


# ---------------------------------------------------------------------------------------------
# (c) transcript imports: AlpacaEval JSON list, JSONL, CSV


@pytest.fixture(scope="module")
def fast_bundled():
    """import_transcripts re-reads the bundled suites on every call (0.2 s): read them once here."""
    import forensics.collect._import as imp

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
    records, msg = outcome(lambda p: list(read_transcripts(p)), path, stats)
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
        path = write_case(root, fmt, raw)
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
           raw=token_soup(tokens, max_bytes=1500, text_size=5, max_parts=40))
    def check(fmt, raw):
        stats[f"format {fmt}"] += 1
        path = write_case(root, fmt, raw)
        _check_transcripts(path, root, stats)

    check()
    record("fuzz: transcript imports (raw bytes / token soup)", cases=stats["loaded"] + stats["refused"], **stats)
