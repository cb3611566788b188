"""The identity lexicon (identity_lexicon.yaml), compiled into one fast finder of names and vendors.

A single locator regex (a trie of every spelling, on ASCII-lowercased text, plus the version
patterns) finds candidate positions; each candidate is confirmed by the entries' own regexes
(case, word boundaries), and the longest confirmed spelling wins. Overlapping hits are dropped.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from forensics.core import InputError, read_yaml_file

LEXICON_PATH = Path(__file__).resolve().parent / "identity_lexicon.yaml"
MAX_LEXICON_BYTES = 1_000_000
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_GAP = object()  # a space or hyphen inside a spelling: matches a space, a hyphen or nothing
_GAP_RX = r"[\s-]?"
_LEFT = r"(?<![A-Za-z0-9])"


@dataclass(frozen=True)
class _Hit:
    """One name or vendor found in a text: its span, canonical string and kind."""

    start: int
    end: int
    canon: str
    kind: str  # "name" | "vendor"


@dataclass(frozen=True)
class _Entry:
    canon: str
    kind: str
    rxs: tuple[re.Pattern, ...]  # one per spelling: the longest match wins


def _symbols(spelling: str) -> list:
    """A spelling as characters, each run of spaces/hyphens one _GAP."""
    out: list = []
    for part in re.split(r"([\s-]+)", spelling):
        if not part:
            continue
        out += [_GAP] if re.fullmatch(r"[\s-]+", part) else list(part)
    return out


def _boundaries(spelling: str, body: str) -> str:
    """`body` with a Latin word boundary on each side where the spelling begins/ends in Latin."""
    first, last = spelling[0], spelling[-1]
    left = _LEFT if first.isascii() and first.isalnum() else ""
    if last.isascii() and last.isdigit():
        right = r"(?![A-Za-z0-9]|\.\d)"
    elif last.isascii() and last.isalpha():
        right = r"(?![A-Za-z])"
    else:
        right = ""
    return left + body + right


def _spelling_rx(spelling: str, exact: bool) -> str:
    """The regex of one literal spelling (any case unless exact)."""
    body = "".join(_GAP_RX if s is _GAP else re.escape(s) for s in _symbols(spelling))
    return _boundaries(spelling, body if exact else f"(?i:{body})")


def _trie_rx(words: list[list]) -> str:
    """One regex matching any of the symbol sequences (a trie, so the scan stays fast)."""
    trie: dict = {}
    for w in words:
        node = trie
        for sym in w:
            node = node.setdefault(sym, {})
        node[""] = {}

    def sym(k) -> str:
        if k is _GAP:
            return _GAP_RX
        cases = {k, k.lower(), k.upper()} if not k.isascii() else {k}
        cases = {c for c in cases if len(c) == 1}
        return re.escape(k) if len(cases) == 1 else "[" + "".join(sorted(cases)) + "]"

    def emit(node: dict) -> str:
        end = "" in node
        alts = [sym(k) + emit(v) for k, v in node.items() if k != ""]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return emit(trie)


def _strings(item: dict, key: str, where: str) -> list[str]:
    """A list of non-empty strings from a lexicon entry (InputError otherwise)."""
    values = item.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise InputError(f"{where}: {key} must be a list of non-empty strings")
    return [v.strip() for v in values]


def _load_lexicon(path: Path = LEXICON_PATH) -> tuple[list[tuple[str, str, str | None, dict]], list[str]]:
    """(entries as (canon, kind, vendor, spellings), vendors) from the YAML file, validated."""
    data = read_yaml_file(path, "identity lexicon", MAX_LEXICON_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("vendors"), list) \
            or not isinstance(data.get("models"), list):
        raise InputError(f"{path}: needs lists 'vendors' and 'models'")
    entries, vendors = [], []
    for item in data["vendors"]:
        v = item.get("vendor") if isinstance(item, dict) else None
        if not isinstance(v, str) or v in vendors:
            raise InputError(f"{path}: bad or repeated vendor entry {item!r:.80}")
        vendors.append(v)
        entries.append((v, "vendor", v, item))
    names = set()
    for item in data["models"]:
        n = item.get("name") if isinstance(item, dict) else None
        v = item.get("vendor") if isinstance(item, dict) else None
        if not isinstance(n, str) or n in names or (v is not None and v not in vendors):
            raise InputError(f"{path}: bad or repeated model entry {item!r:.80}")
        names.add(n)
        entries.append((n, "name", v, item))
    out = []
    for canon, kind, vendor, item in entries:
        where = f"{path}: {canon}"
        spell = {k: _strings(item, k, where) for k in ("aliases", "exact", "patterns")}
        if not any(spell.values()):
            raise InputError(f"{where}: no spelling")
        for p in spell["patterns"]:
            re.compile(p)
        out.append((canon, kind, vendor, spell))
    return out, vendors


_RAW, _VENDOR_LIST = _load_lexicon()
MODEL_VENDOR: dict[str, str | None] = {c: v for c, k, v, _ in _RAW if k == "name"}
KNOWN_NAMES = tuple(MODEL_VENDOR)
KNOWN_VENDORS = tuple(_VENDOR_LIST)


def _first(s: str) -> str:
    """The bucket of a spelling's first character (case folded where that keeps one character)."""
    c = s[0].lower()
    return c if len(c) == 1 else s[0]


def _compile() -> tuple[re.Pattern, list[_Entry], dict[str, list[int]], list[int]]:
    """The locator, the entries, entry indices by first lowercase character, pattern entries."""
    entries, words, extra, by_char, patterned = [], [], [], {}, []
    for canon, kind, _, spell in _RAW:
        alts = [_spelling_rx(a, False) for a in spell["aliases"]]
        alts += [_spelling_rx(a, True) for a in spell["exact"]]
        alts += [_LEFT + f"(?:{p})" + r"(?![A-Za-z])" for p in spell["patterns"]]
        i = len(entries)
        entries.append(_Entry(canon, kind, tuple(re.compile(a) for a in alts)))
        for a in spell["aliases"] + spell["exact"]:
            words.append(_symbols(a.translate(_LOWER)))
            by_char.setdefault(_first(a), []).append(i)
        if spell["patterns"]:
            patterned.append(i)
            extra += [f"(?i:{p})" for p in spell["patterns"]]
    locator = re.compile("|".join([_trie_rx(words), *extra]))
    return locator, entries, by_char, patterned


_LOCATOR, _ENTRIES, _BY_CHAR, _PATTERNED = _compile()


@functools.lru_cache(maxsize=64)
def _extra_name_patterns(names: tuple[str, ...]) -> tuple[tuple[str, re.Pattern], ...]:
    """User-given literal names (any case) as (canonical, regex)."""
    return tuple((n, re.compile(_spelling_rx(n, False))) for n in names if n)


def _find_hits(s: str, extra: Sequence[tuple[str, re.Pattern]] = ()) -> list[_Hit]:
    """Every lexicon (and extra) name or vendor in s, left to right, overlaps resolved longest-first."""
    low = s.translate(_LOWER)
    found: list[_Hit] = []
    pos = 0
    while True:
        m = _LOCATOR.search(low, pos)
        if m is None:
            break
        p = m.start()
        best = None
        for i in dict.fromkeys([*_BY_CHAR.get(_first(low[p]), ()), *_PATTERNED]):
            e = _ENTRIES[i]
            for rx in e.rxs:
                hit = rx.match(s, p)
                if hit and hit.end() > p and (best is None or hit.end() > best.end):
                    best = _Hit(p, hit.end(), e.canon, e.kind)
        if best is None:
            pos = p + 1
        else:
            found.append(best)
            pos = best.end
    if extra:
        found += [_Hit(m.start(), m.end(), c, "name") for c, rx in extra for m in rx.finditer(s)]
        found.sort(key=lambda h: (h.start, -(h.end - h.start)))
        kept, until = [], -1
        for h in found:
            if h.start >= until:
                kept.append(h)
                until = h.end
        found = kept
    return found


def implied_vendors(names) -> list[str]:
    """Vendors of the given canonical model names (unknown names and None dropped), in order."""
    return [v for v in dict.fromkeys(MODEL_VENDOR.get(n) for n in names) if v]
