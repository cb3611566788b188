"""Probe suites: what to ask. Pydantic types, YAML loading with clean errors, content hashes."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from forensics.core import InputError, loc_text, one_line, read_yaml_file, sha256_json

CATEGORIES = ("identity", "error_trap", "style", "refusal", "reasoning", "knowledge", "adhoc", "fingerprint",
              "instruction")
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


def _suite_from_data(data: object, source: str) -> Suite:
    if not isinstance(data, dict):
        raise InputError(f"{source}: a probe suite must be a mapping with name, version, probes")
    try:
        return Suite.model_validate(data)
    except ValidationError as e:
        raise InputError(_describe_validation(e, data, source)) from None


def load_suite(path: str | Path) -> Suite:
    """Load and validate one suite file; raises InputError naming file, probe and field."""
    return _suite_from_data(read_yaml_file(path, "suite file", MAX_SUITE_BYTES), str(Path(path)))


def bundled_suite_dir() -> Path:
    """Where the bundled suites live: `forensics/probes/suites/` inside the package."""
    return Path(__file__).resolve().parent / "suites"


def _bundled_suite_paths() -> list[Path]:
    return sorted(bundled_suite_dir().glob("*.yaml"))


def _opt_in_suite_paths() -> list[Path]:
    """Bundled suites run only when named (`fingerprint`: temperature 0, a few tokens; `alpaca_eval`:
    the 805 instructions of the AlpacaEval panel)."""
    here = Path(__file__).resolve().parent
    return sorted([*(here / "fingerprint").glob("*.yaml"), *(here / "alpaca_eval").glob("*.yaml")])


def fingerprint_suite() -> Suite:
    """The bundled greedy-agreement suite (opt-in: not among the default suites)."""
    return load_suite(Path(__file__).resolve().parent / "fingerprint" / "fingerprint.yaml")


@functools.lru_cache(maxsize=1)
def _alpaca_eval_suite() -> Suite:
    return load_suite(Path(__file__).resolve().parent / "alpaca_eval" / "alpaca_eval.yaml")


def alpaca_eval_suite() -> Suite:
    """The bundled AlpacaEval suite: the dev panel's 805 instructions (opt-in: not among the default
    suites; its source, commit and license are in its description). Loaded once per process."""
    return _alpaca_eval_suite()


def opt_in_suites() -> list[Suite]:
    """The bundled suites that run only when named: `alpaca_eval` and `fingerprint`."""
    return [alpaca_eval_suite() if p.stem == "alpaca_eval" else load_suite(p) for p in _opt_in_suite_paths()]


def bundled_suites() -> list[Suite]:
    suites = [load_suite(p) for p in _bundled_suite_paths()]
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
    """Suites by bundled name (the opt-in `fingerprint` and `alpaca_eval` too) or by file path; None
    or empty means all default bundled suites."""
    wanted = list(names_or_paths or [])
    if not wanted:
        return bundled_suites()
    by_name = {p.stem: p for p in _bundled_suite_paths() + _opt_in_suite_paths()}
    out = []
    for w in wanted:
        if w == "alpaca_eval" and w in by_name:
            out.append(alpaca_eval_suite())
        elif w in by_name:
            out.append(load_suite(by_name[w]))
        elif Path(w).exists():
            out.append(load_suite(w))
        else:
            known = ", ".join(sorted(by_name))
            raise InputError(f"suite {w!r}: not a bundled suite ({known}) nor an existing file")
    return unique_suites(out)


def suite_json_schema() -> dict:
    return Suite.model_json_schema()
