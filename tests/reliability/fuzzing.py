"""Hypothesis settings, strategies and helpers shared by the hostile-file fuzz tests."""

from __future__ import annotations

import copy
import itertools
import json
from collections import Counter
from pathlib import Path

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from forensics.core import InputError
from forensics.backends import PROMPT_KEYS, RESPONSE_KEYS
from forensics.probes import CATEGORIES, bundled_suites

from .conftest import check_input_error

# The example budget comes from the loaded Hypothesis profile (tests/conftest.py): 1000 in the full
# suite, 100 in the fast tier.
FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=list(HealthCheck))
_counter = itertools.count()


def case_path(root: Path, suffix: str) -> Path:
    return root / f"case-{next(_counter):06d}{suffix}"


def write_case(root: Path, suffix: str, raw: bytes) -> Path:
    """A new file under `root` holding `raw`."""
    path = case_path(root, suffix)
    path.write_bytes(raw)
    return path


def token_soup(tokens: list[str], *, max_bytes: int, text_size: int, max_parts: int):
    """Random bytes, or format tokens and short random text run together (UTF-8, lone surrogates kept)."""
    return st.binary(max_size=max_bytes) | st.lists(
        st.sampled_from(tokens) | st.text(max_size=text_size), max_size=max_parts
    ).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


def outcome(fn, path: Path, stats: Counter):
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
        return doc, dump(doc, draw).encode("utf-8", "surrogatepass"), False
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


def yaml_dump(doc, draw) -> str:
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
