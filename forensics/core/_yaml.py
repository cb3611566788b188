"""The one bounded, alias-free UTF-8 YAML reader (suites and models files)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from ._errors import InputError


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
