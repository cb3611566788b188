"""Probe suites: what to ask. Pydantic types, YAML loading with clean errors, content hashes."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ._errors import InputError

CATEGORIES = ("identity", "error_trap", "style", "refusal", "reasoning", "knowledge", "adhoc")
MAX_SUITE_BYTES = 20_000_000
_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Message(_Frozen):
    role: Literal["system", "user", "assistant"]
    content: str


class ExactAnswer(_Frozen):
    """The response's extracted answer equals `value` (case-insensitive unless asked)."""

    type: Literal["exact"] = "exact"
    value: str
    case_sensitive: bool = False


class OneOfAnswer(_Frozen):
    """Any of `values` counts as correct."""

    type: Literal["one_of"] = "one_of"
    values: list[str] = Field(min_length=1)
    case_sensitive: bool = False


class RegexAnswer(_Frozen):
    """The response matches `pattern` (Python `re`, searched, case-insensitive by default)."""

    type: Literal["regex"] = "regex"
    pattern: str
    case_sensitive: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"invalid regular expression: {e}") from e
        return v


class NumericAnswer(_Frozen):
    """The response's final number is within `tolerance` of `value` (absolute)."""

    type: Literal["numeric"] = "numeric"
    value: float
    tolerance: float = Field(default=0.0, ge=0)


Answer = Annotated[
    Union[ExactAnswer, OneOfAnswer, RegexAnswer, NumericAnswer], Field(discriminator="type")
]


class Probe(_Frozen):
    """One question put to every model."""

    id: str = Field(pattern=_ID_RE)
    category: str
    prompt: str | None = None
    messages: list[Message] | None = None
    system: str | None = None
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    tags: list[str] = Field(default_factory=list)
    answer: Answer | None = None

    @model_validator(mode="after")
    def _prompt_or_messages(self) -> "Probe":
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("give exactly one of 'prompt' or 'messages'")
        if self.messages is not None and (not self.messages or self.messages[-1].role != "user"):
            raise ValueError("'messages' must end with a user message")
        if self.prompt is not None and not self.prompt.strip():
            raise ValueError("'prompt' is empty")
        return self

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str) -> str:
        if v not in CATEGORIES:
            raise ValueError(f"unknown category {v!r}; use one of {', '.join(CATEGORIES)}")
        return v

    def chat(self, system: str | None = None) -> list[dict[str, str]]:
        """The chat messages to send; `system` (a run-level variant) overrides the probe's."""
        sys_text = system if system is not None else self.system
        out: list[dict[str, str]] = []
        if sys_text:
            out.append({"role": "system", "content": sys_text})
        if self.messages is not None:
            out.extend(m.model_dump() for m in self.messages if not (sys_text and m.role == "system"))
        else:
            out.append({"role": "user", "content": self.prompt or ""})
        return out

    @property
    def text(self) -> str:
        """The last user turn: a short human-readable form of the probe."""
        if self.prompt is not None:
            return self.prompt
        return self.messages[-1].content if self.messages else ""


class Suite(_Frozen):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    version: str
    description: str = ""
    probes: list[Probe] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "Suite":
        seen: set[str] = set()
        for i, p in enumerate(self.probes):
            if p.id in seen:
                raise ValueError(f"duplicate probe id {p.id!r} at probes[{i}]")
            seen.add(p.id)
        return self

    @property
    def content_hash(self) -> str:
        """SHA-256 of the suite's canonical JSON (formatting and comments do not change it)."""
        return sha256_json(self.model_dump(mode="json"))


def sha256_json(obj: object) -> str:
    data = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses anchors/aliases (no alias bombs)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "YAML aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def one_line(text: object, limit: int = 300) -> str:
    """A library or parser message squeezed onto one line (error messages are single-line)."""
    return " ".join(str(text).split())[:limit]


def parse_yaml(text: str, source: str) -> object:
    """Parse YAML safely; errors name the file and line."""
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(f"{source}:{where}: invalid YAML: {one_line(e.problem or e.context)}") from None
    except yaml.reader.ReaderError as e:  # e.g. a NUL or other control character in the file
        ch = e.character if isinstance(e.character, int) else ord(e.character[:1] or b"\0")
        raise InputError(f"{source}: invalid YAML: control character #x{ch:04x} at character {e.position} "
                         "is not allowed") from None
    except yaml.YAMLError as e:
        raise InputError(f"{source}: invalid YAML: {one_line(e)}") from None
    except RecursionError:
        raise InputError(f"{source}: YAML nested too deeply") from None
    except (ValueError, OverflowError, TypeError, AttributeError, KeyError, IndexError) as e:
        # PyYAML's safe constructors fail this way on some explicitly tagged scalars (`!!timestamp x`,
        # `!!bool maybe`, an int too long to convert)
        raise InputError(f"{source}: invalid YAML value ({type(e).__name__}: {one_line(e, 120)})") from None
    _reject_surrogates(data, source)
    return data


def _reject_surrogates(data: object, source: str) -> None:
    """Refuse lone UTF-16 surrogates (from "\\ud800" escapes): they cannot be stored or hashed as UTF-8."""
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            try:
                x.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(f"{source}: a string contains a lone surrogate escape ({x[:40]!r}); "
                                 "use the character itself, not half of a UTF-16 pair") from None
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)


def loc_text(loc: Iterable[object]) -> str:
    """A pydantic error location as 'a.b.0'; a part that is not a plain name (an unknown key from a
    hostile file: newlines, quotes, 10 kB of text) is shown as a short repr."""
    parts = []
    for x in loc:
        t = str(x)
        parts.append(t if re.fullmatch(r"[A-Za-z0-9_-]{1,64}", t) else ascii(t[:40]))
    return ".".join(parts)


def _describe_validation(err: ValidationError, data: object, source: str) -> str:
    first = err.errors()[0]
    loc = list(first.get("loc", ()))
    where = ""
    if len(loc) >= 2 and loc[0] == "probes" and isinstance(loc[1], int):
        idx = loc[1]
        pid = None
        if isinstance(data, dict) and isinstance(data.get("probes"), list) and idx < len(data["probes"]):
            item = data["probes"][idx]
            pid = item.get("id") if isinstance(item, dict) else None
        where = f" probe {pid!r} (probes[{idx}])" if isinstance(pid, str) else f" probes[{idx}]"
        loc = loc[2:]
    fields = loc_text(x for x in loc if x not in ("exact", "one_of", "regex", "numeric"))
    msg = one_line(first.get("msg", "invalid").removeprefix("Value error, "))
    field = f" field '{fields}'" if fields else ""
    more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
    return f"{source}:{where}{field}: {msg}{more}"


def suite_from_data(data: object, source: str) -> Suite:
    if not isinstance(data, dict):
        raise InputError(f"{source}: a probe suite must be a mapping with name, version, probes")
    try:
        return Suite.model_validate(data)
    except ValidationError as e:
        raise InputError(_describe_validation(e, data, source)) from None


def read_yaml_file(path: str | Path, what: str, max_bytes: int) -> object:
    """Read a size-capped UTF-8 YAML file safely; every problem is an InputError naming the file."""
    p = Path(path)
    try:
        if p.stat().st_size > max_bytes:
            raise InputError(f"{p}: {what} larger than {max_bytes} bytes")
        raw = p.read_bytes()
    except OSError as e:
        raise InputError(f"{p}: cannot read {what}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{p}: not valid UTF-8 (byte {e.start})") from None
    return parse_yaml(text, str(p))


def load_suite(path: str | Path) -> Suite:
    """Load and validate one suite file; raises InputError naming file, probe and field."""
    return suite_from_data(read_yaml_file(path, "suite file", MAX_SUITE_BYTES), str(Path(path)))


def bundled_suite_dir() -> Path:
    """Where the bundled `probes/*.yaml` live: inside the installed package, or the source tree."""
    pkg = Path(str(resources.files("forensics"))) / "_probes"
    if pkg.is_dir():
        return pkg
    return Path(__file__).resolve().parent.parent / "probes"


def bundled_suite_paths() -> list[Path]:
    return sorted(bundled_suite_dir().glob("*.yaml"))


def bundled_suites() -> list[Suite]:
    suites = [load_suite(p) for p in bundled_suite_paths()]
    check_unique_ids(suites)
    return suites


def check_unique_ids(suites: Iterable[Suite]) -> None:
    """Probe ids are unique across suites, and two different suites never share a name."""
    unique_suites(suites)


def unique_suites(suites: Iterable[Suite]) -> list[Suite]:
    """The suites with exact repeats dropped; InputError when a name or a probe id is used twice."""
    owner: dict[str, str] = {}
    by_name: dict[str, Suite] = {}
    for s in suites:
        if s.name in by_name:
            if by_name[s.name].content_hash != s.content_hash:
                raise InputError(f"two different suites are both named {s.name!r} (versions "
                                 f"{by_name[s.name].version!r} and {s.version!r}); rename one")
            continue  # the same suite given twice
        by_name[s.name] = s
        for p in s.probes:
            if p.id in owner:
                raise InputError(f"probe id {p.id!r} is in both suite {owner[p.id]!r} and {s.name!r}")
            owner[p.id] = s.name
    return list(by_name.values())


def resolve_suites(names_or_paths: Iterable[str] | None) -> list[Suite]:
    """Suites by bundled name or by file path; None or empty means all bundled suites."""
    wanted = list(names_or_paths or [])
    if not wanted:
        return bundled_suites()
    by_name = {p.stem: p for p in bundled_suite_paths()}
    out = []
    for w in wanted:
        if w in by_name:
            out.append(load_suite(by_name[w]))
        elif Path(w).exists():
            out.append(load_suite(w))
        else:
            known = ", ".join(sorted(by_name))
            raise InputError(f"suite {w!r}: not a bundled suite ({known}) nor an existing file")
    return unique_suites(out)


def suite_json_schema() -> dict:
    return Suite.model_json_schema()
