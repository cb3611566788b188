"""Hostile files through the real CLI: refused samples (exit 2, one line, no traceback), invalid UTF-8,
duplicate probe ids, YAML alias bombs, JSON nesting bombs, path traversal, a 200 MB streamed import,
and hostile text printed inert. The generated (hypothesis) cases are in test_hostile_files.py and
test_hostile_transcripts.py."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from forensics.core import InputError
from forensics.backends import read_transcripts
from forensics.probes import bundled_suites, load_suite
from forensics.backends import load_models_file

from ..support.fake_openai import FakeOpenAIServer, ServerConfig
from .conftest import assert_clean_exit_2, check_input_error, clean_exit_2, cli, cli_batch, record



def _refused_samples(root: Path, kinds, loader, n: int, seed: int) -> list[Path]:
    """n files the library refuses, made by seeded random mutation of a valid file of each kind."""
    rng = random.Random(seed)
    out: list[Path] = []
    for attempt in range(100 * n):
        if len(out) == n:
            break
        kind = rng.choice(kinds)
        base = _CLI_BASES[kind]
        i = rng.randrange(len(base) + 1)
        raw = base[:i] + rng.choice(_CLI_TOKENS) + base[i + rng.randrange(3):]
        path = root / f"cli-{kind}-{len(out):02d}{'.yaml' if kind in ('suite', 'models') else '.' + kind}"
        path.write_bytes(raw)
        try:
            loader(path)
        except InputError:
            out.append(path)
    assert len(out) == n
    return out


_CLI_TOKENS = [b"\xff\xfe", b"\x00", b"&a [1]\n*a", b"\t", b"{", b"]", b'"\\ud800"', b"1" * 5000, b"'", b"\n- ",
               b"!!python/object:os.system {}", b"[" * 2000, b"NaN", b"\r", b'"', b","]
_CLI_BASES = {
    "suite": b'name: s\nversion: "1"\nprobes:\n  - id: a\n    category: identity\n    prompt: "hi"\n',
    "models": b'models:\n  api:\n    spec: "openai:m@http://127.0.0.1:9/v1"\n    timeout_s: 5\n',
    "json": b'[{"instruction": "hi", "output": "yo"}]',
    "jsonl": b'{"prompt": "hi", "response": "yo"}\n{"prompt": "b", "response": "c"}\n',
    "csv": b'prompt,response\nhi,yo\n"b","c"\n',
}


def _readall(p):
    return list(read_transcripts(p))


def test_cli_refuses_hostile_files(tmp_path, suite_file):
    """Six refused files of each kind (18 in all) through `probes validate`, `run --models-file` and `import`."""
    suites = _refused_samples(tmp_path, ["suite"], load_suite, 6, seed=1)
    models = _refused_samples(tmp_path, ["models"], load_models_file, 6, seed=2)
    transcripts = _refused_samples(tmp_path, ["json", "jsonl", "csv"], _readall, 6, seed=3)
    calls = [("probes", "validate", p) for p in suites]
    calls += [("run", "--models-file", p, "--suite", suite_file, "--out", tmp_path / "r", "-q") for p in models]
    calls += [("import", p, "--name", "m", "--out", tmp_path / f"imp-{p.stem}") for p in transcripts]
    results = cli_batch(calls)
    problems = []
    for path, r in zip(suites + models + transcripts, results):
        problems += clean_exit_2(r, path.name)
    assert not problems, "\n\n".join(problems)
    assert not any(tmp_path.glob("imp-*")) and not (tmp_path / "r").exists(), "refused input left a run behind"
    record("hostile files through the CLI (exit 2, one error line, no traceback)",
           suite_files=len(suites), models_files=len(models), transcript_files=len(transcripts))


# ---------------------------------------------------------------------------------------------
# explicit cases


def test_invalid_utf8_in_every_format(tmp_path):
    files = {
        "suite": (tmp_path / "s.yaml", b'name: s\nversion: "1"\nprobes:\n  - {id: a, category: identity, prompt: "h\xe9"}\n'),
        "models": (tmp_path / "m.yaml", b'models:\n  api: {spec: "openai:m\xc3@http://127.0.0.1:9/v1"}\n'),
        "json": (tmp_path / "t.json", b'[{"instruction": "hi", "output": "\xff"}]'),
        "jsonl": (tmp_path / "t.jsonl", b'{"prompt": "hi", "response": "ok"}\n{"prompt": "\xed\xa0\x80", "response": "x"}\n'),
        "csv": (tmp_path / "t.csv", b'prompt,response\nhi,ok\n\x80bad,x\n'),
    }
    for path, raw in files.values():
        path.write_bytes(raw)
    for path, loader in [(files["suite"][0], load_suite), (files["models"][0], load_models_file),
                         (files["json"][0], _readall), (files["jsonl"][0], _readall), (files["csv"][0], _readall)]:
        with pytest.raises(InputError) as e:
            loader(path)
        assert "UTF-8" in check_input_error(e.value, path)
    results = cli_batch([
        ("probes", "validate", files["suite"][0]),
        ("run", "--model", "x=openai:m@http://127.0.0.1:9/v1", "--suite", files["suite"][0], "--out", tmp_path / "r1"),
        ("run", "--models-file", files["models"][0], "--out", tmp_path / "r2"),
        ("import", files["json"][0], "--name", "m", "--out", tmp_path / "r3"),
        ("import", files["jsonl"][0], "--name", "m", "--out", tmp_path / "r4"),
        ("import", files["csv"][0], "--name", "m", "--out", tmp_path / "r5"),
    ])
    names = ["s.yaml", "s.yaml", "m.yaml", "t.json", "t.jsonl", "t.csv"]
    problems = [p for r, n in zip(results, names) for p in clean_exit_2(r, n, "UTF-8")]
    assert not problems, "\n\n".join(problems)
    assert not any((tmp_path / f"r{i}").exists() for i in range(1, 6))


def test_duplicate_probe_ids(tmp_path):
    one = tmp_path / "one.yaml"
    one.write_text('name: one\nversion: "1"\nprobes:\n  - {id: dup, category: identity, prompt: a}\n'
                   '  - {id: dup, category: identity, prompt: b}\n')
    a = tmp_path / "a.yaml"
    a.write_text('name: sa\nversion: "1"\nprobes:\n  - {id: shared, category: identity, prompt: a}\n')
    b = tmp_path / "b.yaml"
    b.write_text('name: sb\nversion: "1"\nprobes:\n  - {id: shared, category: style, prompt: b}\n')
    b_same_name = tmp_path / "b2.yaml"  # a different suite that reuses suite a's name and probe id
    b_same_name.write_text('name: sa\nversion: "2"\nprobes:\n  - {id: shared, category: style, prompt: other}\n')
    bundled_clash = tmp_path / "c.yaml"
    first_bundled = next(s for s in bundled_suites() if s.name == "identity").probes[0].id
    bundled_clash.write_text(f'name: mine\nversion: "1"\nprobes:\n  - {{id: {first_bundled}, category: identity, prompt: x}}\n')
    r = cli_batch([
        ("probes", "validate", one),
        ("probes", "validate", a, b),
        ("probes", "validate", a, b_same_name),
        ("run", "--model", "x=openai:m@http://127.0.0.1:9/v1", "--suite", a, "--suite", b, "--out", tmp_path / "r"),
        ("run", "--model", "x=openai:m@http://127.0.0.1:9/v1", "--suite", "identity", "--suite", bundled_clash,
         "--out", tmp_path / "r"),
    ])
    assert_clean_exit_2(r[0], "one.yaml", "duplicate probe id 'dup'")
    assert_clean_exit_2(r[1], "probe id 'shared' is in both suite 'sa' and 'sb'")
    assert_clean_exit_2(r[2], "two different suites are both named 'sa'")
    assert_clean_exit_2(r[3], "probe id 'shared'")
    assert_clean_exit_2(r[4], f"probe id {first_bundled!r}")
    assert not (tmp_path / "r").exists()


def test_same_suite_twice_is_asked_once(tmp_path, suite_file):
    """`--suite F --suite F` (or a copy of F) must not plan, request or count any cell twice."""
    copy_of = tmp_path / "copy.yaml"
    copy_of.write_bytes(suite_file.read_bytes())
    with FakeOpenAIServer(ServerConfig()) as srv:
        r = cli("run", "--model", f"api=openai:acme@{srv.base_url}", "--suite", suite_file, "--suite", copy_of,
                "--samples", "2", "--no-cache", "-q", "--out", tmp_path / "run")
        requests = len(srv.config.log)
    assert r.returncode == 0, r
    assert "planned 8," in r.stdout and requests == 8, (requests, r)


def _billion_laughs(top: str) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, (prev, cur) in enumerate(zip("abcdefgh", "bcdefghi")):
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    return top + "\n".join(lines) + "\n"


def test_yaml_bombs_are_refused_fast(tmp_path):
    laughs_suite = tmp_path / "laughs.yaml"
    laughs_suite.write_text(_billion_laughs("") + 'name: x\nversion: "1"\nprobes: *i\n')
    laughs_models = tmp_path / "laughs-models.yaml"
    laughs_models.write_text("anchors:\n" + "".join("  " + ln + "\n" for ln in _billion_laughs("").splitlines())
                             + "models: {api: {spec: openai:m, system: *i}}\n")
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 100_000)
    merge_bomb = tmp_path / "merge.yaml"
    merge_bomb.write_text("base: &b {spec: openai:m}\nmodels:\n  api:\n    <<: *b\n")
    t0 = time.monotonic()
    r = cli_batch([("probes", "validate", laughs_suite),
                   ("run", "--models-file", laughs_models, "--out", tmp_path / "r"),
                   ("probes", "validate", deep),
                   ("run", "--models-file", merge_bomb, "--out", tmp_path / "r")])
    elapsed = time.monotonic() - t0
    assert_clean_exit_2(r[0], "laughs.yaml", "aliases")
    assert_clean_exit_2(r[1], "laughs-models.yaml", "aliases")
    assert_clean_exit_2(r[2], "deep.yaml", "nested too deeply")
    assert_clean_exit_2(r[3], "merge.yaml", "aliases")
    assert elapsed < 60


@pytest.mark.slow
def test_json_nesting_bomb_is_refused_in_bounded_memory(tmp_path):
    """ijson's prefixed parser needs O(depth^2) memory: before the depth cap, 20,000 levels took ~1 GB and
    this 300 kB file (100,000 levels) got the import OOM-killed on a 23 GB machine."""
    bomb = tmp_path / "bomb.json"
    bomb.write_bytes(b"[" + b'{"a":[' * 50_000)
    with pytest.raises(InputError, match="nested deeper than"):
        list(read_transcripts(bomb))
    r = cli_with_rss("import", bomb, "--name", "m", "--out", tmp_path / "r")
    assert_clean_exit_2(r, "bomb.json", "nested deeper than")
    assert r.peak_rss_mb < 400, r.peak_rss_mb


def test_path_traversal_and_bad_output_paths(tmp_path, suite_file):
    good = tmp_path / "t.jsonl"
    good.write_text('{"prompt": "hi", "response": "yo"}\n')
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    work = tmp_path / "work"
    work.mkdir()
    run_dir = tmp_path / "run"
    assert cli("import", good, "--name", "m", "--out", run_dir).returncode == 0
    models_slash = tmp_path / "slash.yaml"
    models_slash.write_text('models:\n  "../evil/x": {spec: "openai:m@http://127.0.0.1:9/v1"}\n')
    cases = [
        (("import", good, "--name", "../../x", "--out", "r"), ["--name '../../x'"]),
        (("run", "--model", "../x=openai:m@http://127.0.0.1:9/v1", "--suite", suite_file, "--out", "r"), ["'name'"]),
        (("run", "--model", "a/b=openai:m@http://127.0.0.1:9/v1", "--suite", suite_file, "--out", "r"), ["a/b"]),
        (("run", "--models-file", models_slash, "--suite", suite_file, "--out", "r"), ["slash.yaml", "../evil/x"]),
        (("import", good, "--name", "m", "--out", a_file), ["a-file", "not a directory"]),
        (("run", "--model", "x=openai:m@http://127.0.0.1:9/v1", "--suite", suite_file, "--out", a_file),
         ["a-file", "not a directory"]),
        (("export", run_dir, "--format", "jsonl", "-o", tmp_path / "missing" / "dir" / "x.jsonl"),
         ["does not exist"]),
        (("export", run_dir, "--format", "csv", "-o", work), ["is a directory"]),
        (("export", run_dir, "--format", "parquet", "-o", a_file / "x.parquet"), ["a-file"]),
        (("export", a_file, "--format", "jsonl", "-o", "x.jsonl"), ["not a run directory"]),
        (("probes", "validate", tmp_path), ["cannot read suite"]),
        (("run", "--model", "x=openai:m@http://127.0.0.1:9/v1", "--suite", "../../../../etc/passwd", "--out", "r"),
         ["passwd"]),
    ]
    results = cli_batch([c for c, _ in cases], cwd=work)
    problems = [p for (c, mentions), r in zip(cases, results) for p in clean_exit_2(r, *mentions)]
    assert not problems, "\n\n".join(problems)
    assert sorted(os.listdir(work)) == [], "a refused command wrote into the working directory"
    assert not (tmp_path.parent / "x").exists() and not (tmp_path / "evil").exists()
    assert a_file.read_text() == "not a directory"


# ---------------------------------------------------------------------------------------------
# a 200 MB import through the CLI: time and the child's peak memory


_RSS_WRAPPER = ("import json, resource, subprocess, sys\n"
                "rc = subprocess.call(sys.argv[2:])\n"
                "open(sys.argv[1], 'w').write(json.dumps(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
                "sys.exit(rc)\n")


def cli_with_rss(*args, timeout: float = 600):
    """Run the CLI under a tiny wrapper whose only child is forensics: its RUSAGE_CHILDREN peak RSS is ours."""
    import tempfile

    from ..support.cli import CliResult

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        rss_file = f.name
    argv = [str(a) for a in args]
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, rss_file, sys.executable, "-m", "forensics", *argv],
                       capture_output=True, timeout=timeout, env=os.environ | {"PYTHONUNBUFFERED": "1"})
    elapsed = time.monotonic() - t0
    r = CliResult(argv, p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"),
                  p.stdout, p.stderr)
    r.peak_rss_mb = json.loads(Path(rss_file).read_text()) / 1024  # ru_maxrss is in KiB on Linux
    r.elapsed_s = elapsed
    os.unlink(rss_file)
    return r


@pytest.mark.slow
def test_200mb_import_is_streamed(tmp_path):
    src = tmp_path / "big.jsonl"
    target = 200 * 1024 * 1024
    n = 0
    t0 = time.monotonic()
    with open(src, "w", encoding="utf-8") as f:
        size = 0
        while size < target:
            # every prompt distinct (the worst case: each becomes an ad-hoc probe), ~1.3 kB a record
            line = json.dumps({"instruction": f"Prompt {n}: explain item {n * 7919 % 100003} " + "lorem ipsum " * 30,
                               "output": f"Answer {n}: " + "the quick brown fox jumps over the lazy dog " * 22,
                               "generator": "big-model"}) + "\n"
            f.write(line)
            size += len(line)
            n += 1
    gen_s = time.monotonic() - t0
    r = cli_with_rss("import", src, "--name", "big", "--out", tmp_path / "run")
    assert r.returncode == 0, r
    assert f"imported {n} records" in r.stdout and f"{n} added" in r.stdout, r
    con = sqlite3.connect(tmp_path / "run" / "run.sqlite")
    assert con.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == n
    con.close()
    record("200 MB import (CLI subprocess)", file_mb=round(src.stat().st_size / 2**20), records=n,
           generate_s=round(gen_s, 1), import_s=round(r.elapsed_s, 1), peak_rss_mb=round(r.peak_rss_mb))
    print(f"\n200 MB import: {n} records in {r.elapsed_s:.1f} s, peak RSS {r.peak_rss_mb:.0f} MB")
    assert r.elapsed_s < 180, f"import took {r.elapsed_s:.0f} s"
    assert r.peak_rss_mb < 600, f"peak RSS {r.peak_rss_mb:.0f} MB"


# ---------------------------------------------------------------------------------------------
# hostile text printed by the CLI: rich markup, terminal escapes, bidi overrides

HOSTILE_TEXT = "[/bold] [link=file:///etc/passwd]x[/link] \x1b[31mRED\x1b]0;pwned\x07 \u202eevil \x9b2J"


def test_hostile_server_and_suite_text_is_printed_inert(tmp_path):
    """An endpoint's error body and a suite's prompt reach the terminal escaped (before: `forensics errors`
    and `probes list` crashed on the markup, and would have passed escape sequences through)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Hostile(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"error": {"message": HOSTILE_TEXT}}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            return

    suite = tmp_path / "hostile.yaml"
    suite.write_text(yaml.safe_dump({"name": "hostile", "version": "1", "probes": [
        {"id": "h-1", "category": "identity", "prompt": HOSTILE_TEXT}]}, allow_unicode=False))
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        ran = cli("run", "-m", f"h=openai:m@http://127.0.0.1:{srv.server_address[1]}/v1", "--suite", suite,
                  "-q", "--out", tmp_path / "run")
    finally:
        srv.shutdown()
        srv.server_close()
    assert ran.returncode == 1 and "1 cells ended with an error (client_error: 1)" in ran.stderr, ran
    listed = cli("errors", tmp_path / "run")
    probes = cli("probes", "list", "--suite", suite)
    for r in (listed, probes):
        assert r.returncode == 0, r
        for bad in ("\x1b", "\x07", "\u202e", "\x9b"):
            assert bad.encode() not in r.stdout_bytes + r.stderr_bytes, (bad, r)
        assert "[/bold]" in r.stdout and "\\x1b[31mRED" in r.stdout, r
