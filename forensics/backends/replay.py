"""Transcripts users already have: AlpacaEval JSON, JSONL and CSV; read streaming, replayed by prompt."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._errors import InputError
from .base import Capabilities, Failure, Request, Response, Result

PROMPT_KEYS = ("prompt", "instruction", "input", "question")
RESPONSE_KEYS = ("response", "output", "completion", "answer", "text")
MAX_FIELD_CHARS = 10_000_000


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
            return v
    raise InputError(f"{src}: {where}: missing {what} field (one of {', '.join(keys)})")


def _record(obj: object, src: str, where: str) -> Transcript:
    prompt = _pick(obj, PROMPT_KEYS, "prompt", src, where)
    if not prompt.strip():
        raise InputError(f"{src}: {where}: empty prompt")
    response = _pick(obj, RESPONSE_KEYS, "response", src, where)
    gen = obj.get("generator") if isinstance(obj, dict) else None
    return Transcript(prompt, response, where, gen if isinstance(gen, str) else None)


def _read_json(path: Path) -> Iterator[Transcript]:
    import ijson

    src = str(path)
    try:
        with open(path, "rb") as f:
            head = f.read(64).lstrip()
            if not head.startswith(b"["):
                raise InputError(f"{src}: expected a JSON list of objects (AlpacaEval model_outputs.json)")
            f.seek(0)
            for i, obj in enumerate(ijson.items(f, "item", use_float=True)):
                yield _record(obj, src, f"item {i}")
    except ijson.JSONError as e:
        raise InputError(f"{src}: invalid JSON: {str(e)[:200]}") from None
    except UnicodeDecodeError as e:
        raise InputError(f"{src}: not valid UTF-8 ({e.reason})") from None


def _read_jsonl(path: Path) -> Iterator[Transcript]:
    src = str(path)
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise InputError(f"{src}: line {n}: not valid UTF-8") from None
            except (json.JSONDecodeError, RecursionError) as e:
                raise InputError(f"{src}: line {n}: invalid JSON: {str(e)[:120]}") from None
            yield _record(obj, src, f"line {n}")


def _read_csv(path: Path) -> Iterator[Transcript]:
    src = str(path)
    csv.field_size_limit(min(sys.maxsize, MAX_FIELD_CHARS + 1))
    try:
        with open(path, newline="", encoding="utf-8") as f:
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
        raise InputError(f"{src}: invalid CSV: {e}") from None


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
        from ..store import file_sha256

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
