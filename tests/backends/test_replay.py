import asyncio
import json

import pytest

from forensics.core import InputError
from forensics.backends import Failure, Params, Request, Response
from forensics.backends import ReplayBackend, read_transcripts


def write_formats(tmp_path, records):
    (tmp_path / "a.json").write_text(json.dumps(
        [{"instruction": p, "output": r, "generator": "g", "dataset": "d"} for p, r in records]))
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps({"prompt": p, "response": r}) for p, r in records) + "\n")
    import csv

    with open(tmp_path / "a.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["prompt", "response"])
        w.writerows(records)


RECORDS = [("What is 2+2?", "4"), ("Say hi", "hi,\n\"there\""), ("Unicode ☃ \u202e", "snow ☃")]


@pytest.mark.parametrize("ext", ["json", "jsonl", "csv"])
def test_formats_read_the_same(tmp_path, ext):
    write_formats(tmp_path, RECORDS)
    got = [(t.prompt, t.response) for t in read_transcripts(tmp_path / f"a.{ext}")]
    assert got == RECORDS


@pytest.mark.parametrize("name, body, expect", [
    ("x.json", b'{"not": "a list"}', "JSON list"),
    ("x.json", b'[{"instruction": "a", "output": "b"}, {"instruction": 1, "output": "b"}]', "item 1: field 'instruction' must be a string"),
    ("x.json", b'[{"instruction": "a"', "invalid JSON"),
    ("x.jsonl", b'{"prompt": "a", "response": "b"}\n{broken\n', "line 2: invalid JSON"),
    ("x.jsonl", b'{"prompt": "a"}\n', "line 1: missing response field"),
    ("x.jsonl", b'\xff\xfe\n', "line 1: not valid UTF-8"),
    ("x.csv", b'question_x,y\n1,2\n', "CSV header"),
    ("x.txt", b'hi', "unknown transcript format"),
])
def test_bad_files_are_rejected_clearly(tmp_path, name, body, expect):
    p = tmp_path / name
    p.write_bytes(body)
    with pytest.raises(InputError) as e:
        list(read_transcripts(p))
    assert expect in str(e.value) and str(p) in str(e.value)


def test_replay_backend_answers_by_prompt(tmp_path):
    write_formats(tmp_path, RECORDS)
    b = ReplayBackend(tmp_path / "a.jsonl")
    reqs = [Request("p", "m", 0, ({"role": "system", "content": "x"}, {"role": "user", "content": "Say hi"}), Params()),
            Request("q", "m", 0, ({"role": "user", "content": "unknown"},), Params())]
    ok, missing = asyncio.run(b.generate(reqs))
    assert isinstance(ok, Response) and ok.text == 'hi,\n"there"'
    assert isinstance(missing, Failure) and missing.kind == "missing" and not missing.retryable
    assert b.describe()["records"] == 3
