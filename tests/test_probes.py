import json
from collections import Counter
from pathlib import Path

import pytest

from forensics.core import InputError
from forensics.probes import (
    bundled_suites,
    load_suite,
    resolve_suites,
    suite_json_schema,
)

from .support.cli import run_cli as cli

ROOT = Path(__file__).resolve().parent.parent


def test_bundled_suites_meet_the_brief():
    suites = bundled_suites()
    probes = [p for s in suites for p in s.probes]
    assert len(probes) >= 300
    assert len({p.id for p in probes}) == len(probes)
    cats = Counter(p.category for p in probes)
    assert {"identity", "error_trap", "style", "refusal", "reasoning", "knowledge"} <= set(cats)
    identity_langs = {p.language for p in probes if p.category == "identity"}
    assert len(identity_langs) >= 5
    for p in probes:
        if p.category in ("error_trap", "reasoning", "knowledge"):
            assert p.answer is not None, p.id
    for s in suites:
        assert len(s.content_hash) == 64


def test_schema_file_is_current():
    on_disk = json.loads((ROOT / "forensics" / "probes" / "suites" / "schema.json").read_text())
    assert on_disk == json.loads(json.dumps(suite_json_schema()))


def test_content_hash_ignores_formatting(tmp_path, suite_file):
    a = load_suite(suite_file)
    text = suite_file.read_text()
    other = tmp_path / "other.yaml"
    other.write_text("# a comment\n" + text + "\n\n")
    assert load_suite(other).content_hash == a.content_hash


@pytest.mark.parametrize("body, expect", [
    ("name: x\nversion: '1'\nprobes:\n  - {id: a, category: style}\n", "probe 'a' (probes[0])"),
    ("name: x\nversion: '1'\nprobes:\n  - {id: a, category: nonsense, prompt: hi}\n", "field 'category'"),
    ("name: x\nversion: '1'\nprobes:\n  - {id: a, category: style, prompt: hi, answer: {type: numeric, value: abc}}\n",
     "field 'answer.value'"),
    ("name: x\nversion: '1'\nprobes:\n  - {id: a, category: style, prompt: hi}\n  - {id: a, category: style, prompt: ho}\n",
     "duplicate probe id 'a'"),
    ("name: x\nversion: '1'\nprobes:\n  - {id: a, category: style, prompt: hi, answer: {type: regex, pattern: '(('}}\n",
     "invalid regular expression"),
    ("name: x\nversion: '1'\nprobes: [\n", "line"),
    ("a: &a [1]\nb: *a\n", "aliases"),
    ("- just\n- a list\n", "must be a mapping"),
])
def test_malformed_suite_gives_one_clear_error(tmp_path, body, expect):
    p = tmp_path / "bad.yaml"
    p.write_text(body)
    with pytest.raises(InputError) as e:
        load_suite(p)
    assert str(p) in str(e.value) and expect in str(e.value)
    r = cli("probes", "validate", str(p))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and expect in r.stderr.replace("\n", " ")


def test_invalid_utf8_suite(tmp_path):
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"name: x\nversion: '1'\nprobes: \xff\xfe\n")
    with pytest.raises(InputError, match="UTF-8"):
        load_suite(p)


def test_resolve_unknown_suite():
    with pytest.raises(InputError, match="not a bundled suite"):
        resolve_suites(["no-such-suite"])


def test_cli_probes_list_json():
    r = cli("probes", "list", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) >= 300
    assert {"id", "category", "suite", "language"} <= set(rows[0])
    assert len({x["category"] for x in rows}) >= 6
    assert len({x["id"] for x in rows}) == len(rows)


def test_cli_probes_show_and_validate():
    first = bundled_suites()[0].probes[0]
    r = cli("probes", "show", first.id)
    assert r.returncode == 0 and first.id in r.stdout
    assert cli("probes", "show", "no-such-id").returncode == 2
    assert cli("probes", "validate").returncode == 0
