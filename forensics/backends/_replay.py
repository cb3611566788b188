"""Transcripts users already have: AlpacaEval JSON, JSONL and CSV; read streaming, replayed by prompt."""

from __future__ import annotations

import codecs
import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from forensics.core import InputError, file_sha256, storable

from ._base import Capabilities, Failure, Request, Response, Result

PROMPT_KEYS = ("prompt", "instruction", "input", "question")
RESPONSE_KEYS = ("response", "output", "completion", "answer", "text")
MAX_FIELD_CHARS = 10_000_000
MAX_JSON_DEPTH = 64
MAX_LINE_BYTES = 100_000_000  # a JSONL line: two fields of MAX_FIELD_CHARS, with room for escapes


@dataclass(frozen=True)
class Transcript:
    prompt: str
    response: str
    where: str  # e.g. "line 12" or "item 3", for error messages
    generator: str | None = None


def _pick(record: object, keys: tuple[str, ...], what: str, src: str, where: str) -> str:
    if not isinstance(record, dict):
        raise InputError(f"{src}: {where}: expected an object with {what} fields, got {type(record).__name__}")
    for k in keys:
        if k in record:
            v = record[k]
            if not isinstance(v, str):
                raise InputError(f"{src}: {where}: field '{k}' must be a string, got {type(v).__name__}")
            if len(v) > MAX_FIELD_CHARS:
                raise InputError(f"{src}: {where}: field '{k}' longer than {MAX_FIELD_CHARS} characters")
            return storable(v)  # lone "\\ud800" escapes cannot be stored as UTF-8
    raise InputError(f"{src}: {where}: missing {what} field (one of {', '.join(keys)})")


def _record(obj: object, src: str, where: str) -> Transcript:
    prompt = _pick(obj, PROMPT_KEYS, "prompt", src, where)
    if not prompt.strip():
        raise InputError(f"{src}: {where}: empty prompt")
    response = _pick(obj, RESPONSE_KEYS, "response", src, where)
    gen = obj.get("generator") if isinstance(obj, dict) else None
    return Transcript(prompt, response, where, gen if isinstance(gen, str) else None)


def _json_error(e: BaseException) -> str:
    """ijson/yajl messages span several lines (with a file excerpt): keep the first line."""
    msg = e.args[0] if e.args else str(e)
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    lines = [ln.strip() for ln in str(msg).splitlines() if ln.strip()]
    return (lines[0] if lines else type(e).__name__)[:200]


def _read_json(path: Path) -> Iterator[Transcript]:
    """Stream the items of a top-level JSON list; nesting is capped (ijson's prefixes grow quadratically)."""
    import ijson
    from ijson.common import ObjectBuilder

    src = str(path)
    i = 0
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            skip = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
            if not head[skip:].lstrip().startswith(b"["):
                raise InputError(f"{src}: expected a JSON list of objects (AlpacaEval model_outputs.json)")
            f.seek(skip)
            events = ijson.basic_parse(f, use_float=True)
            next(events)  # the list's start_array
            depth, builder = 0, ObjectBuilder()
            for ev, val in events:
                if ev in ("start_map", "start_array"):
                    if depth == 0:
                        builder = ObjectBuilder()
                    depth += 1
                    if depth > MAX_JSON_DEPTH:
                        raise InputError(f"{src}: item {i}: nested deeper than {MAX_JSON_DEPTH} levels")
                    builder.event(ev, val)
                elif ev in ("end_map", "end_array"):
                    if depth == 0:  # the end of the top-level list
                        break
                    depth -= 1
                    builder.event(ev, val)
                    if depth == 0:
                        yield _record(builder.value, src, f"item {i}")
                        i += 1
                elif depth == 0:  # a bare scalar in the list: _record rejects it
                    yield _record(val, src, f"item {i}")
                else:
                    builder.event(ev, val)
            for _ in events:  # anything after the list is an error ("trailing garbage")
                pass
    except ijson.JSONError as e:
        msg = _json_error(e)
        if "invalid bytes in UTF8" in msg:
            raise InputError(f"{src}: not valid UTF-8 near item {i}") from None
        raise InputError(f"{src}: invalid JSON near item {i}: {msg}") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{src}: not valid UTF-8 near item {i} ({e.reason}; "
                         "or a lone \\uD800-\\uDFFF escape)") from None


def _read_jsonl(path: Path) -> Iterator[Transcript]:
    src = str(path)
    with open(path, "rb") as f:
        for n, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES:
                raise InputError(f"{src}: line {n}: longer than {MAX_LINE_BYTES} bytes")
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8-sig" if n == 1 else "utf-8"))
            except UnicodeDecodeError as e:
                raise InputError(f"{src}: line {n}: not valid UTF-8 (byte {e.start})") from None
            except (ValueError, RecursionError) as e:  # JSONDecodeError, or an integer too long to convert
                raise InputError(f"{src}: line {n}: invalid JSON: {_json_error(e)[:120]}") from None
            yield _record(obj, src, f"line {n}")


def _read_csv(path: Path) -> Iterator[Transcript]:
    src = str(path)
    csv.field_size_limit(min(sys.maxsize, MAX_FIELD_CHARS + 1))
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            cols = set(reader.fieldnames or [])
            if not cols & set(PROMPT_KEYS) or not cols & set(RESPONSE_KEYS):
                raise InputError(f"{src}: line 1: CSV header needs a prompt column ({', '.join(PROMPT_KEYS)}) "
                                 f"and a response column ({', '.join(RESPONSE_KEYS)})")
            for row in reader:
                if None in row:
                    raise InputError(f"{src}: line {reader.line_num}: more fields than the header has")
                yield _record({k: ("" if v is None else v) for k, v in row.items()}, src,
                              f"line {reader.line_num}")
    except UnicodeDecodeError:
        raise InputError(f"{src}: not valid UTF-8") from None
    except csv.Error as e:
        raise InputError(f"{src}: invalid CSV: {_json_error(e)}") from None


def read_transcripts(path: str | Path) -> Iterator[Transcript]:
    """Stream (prompt, response) records from .json (a list), .jsonl or .csv; bad input -> InputError."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    suffix = p.suffix.lower()
    readers = {".json": _read_json, ".jsonl": _read_jsonl, ".ndjson": _read_jsonl, ".csv": _read_csv}
    if suffix not in readers:
        raise InputError(f"{p}: unknown transcript format {suffix!r}; use .json (AlpacaEval), .jsonl or .csv")
    try:
        yield from readers[suffix](p)
    except OSError as e:
        raise InputError(f"{p}: cannot read: {e.strerror}") from None


class ReplayBackend:
    """Answers a probe with the stored response to the same prompt text (single-turn probes)."""

    name = "replay"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._by_prompt: dict[str, str] = {}
        for t in read_transcripts(self.path):
            self._by_prompt.setdefault(t.prompt.strip(), t.response)
        self.capabilities = Capabilities(max_concurrency=64)

    def describe(self) -> dict:
        return {"kind": self.name, "path": str(self.path), "sha256": file_sha256(self.path),
                "records": len(self._by_prompt)}

    def cache_identity(self) -> dict:
        return {"kind": self.name, "path": str(self.path)}

    async def generate(self, requests: list[Request]) -> list[Result]:
        out: list[Result] = []
        for r in requests:
            users = [m["content"] for m in r.messages if m["role"] == "user"]
            text = self._by_prompt.get(users[-1].strip()) if users else None
            out.append(Response(text=text, finish_reason="replay") if text is not None
                       else Failure("missing", "prompt not in the transcripts file", False))
        return out

    async def aclose(self) -> None:
        return None
