"""Hostile model text made safe to show: invisible and bidi controls made visible, truncation,
SHA-256 of the full text, and shared word spans as separate segments (the template escapes them)."""

from __future__ import annotations

import bisect
import difflib
import hashlib
import re
from dataclasses import dataclass

from forensics.core import DISPLAY_INVISIBLE

DISPLAY_CHARS = 2_000  # characters of a response shown; the SHA-256 covers the full text
MIN_SHARED_WORDS = 3  # a highlighted shared span has at least this many words
_MAX_DIFF_WORDS = 1_500  # word tokens compared per text (bounds difflib's quadratic worst case)

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class _Segment:
    """A run of display text: `mark` when shared with the compared text, `ctrl` for a token."""

    text: str
    mark: bool = False
    ctrl: bool = False


@dataclass(frozen=True)
class _ShownText:
    """A response prepared for display: visible text, its control-token ranges, and provenance."""

    visible: str
    tokens: tuple[tuple[int, int], ...]
    truncated: bool
    length: int
    sha256: str

    def segments(self, marks: list[tuple[int, int]] | None = None) -> list[_Segment]:
        """The visible text split into plain, marked and control-token segments."""
        return _split_segments(self.visible, marks or [], list(self.tokens))


def _make_visible(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Replace every invisible/control/bidi character by a visible token like ⟨U+202E⟩.

    Returns the new text and the (start, end) character ranges of the inserted tokens. CRLF
    becomes LF; tab and LF are kept. Pure: no escaping (the template escapes).
    """
    text = text.replace("\r\n", "\n")
    out: list[str] = []
    tokens: list[tuple[int, int]] = []
    pos = last = 0
    for m in DISPLAY_INVISIBLE.finditer(text):
        out.append(text[last:m.start()])
        pos += m.start() - last
        token = f"\u27e8U+{ord(m.group()):04X}\u27e9"
        out.append(token)
        tokens.append((pos, pos + len(token)))
        pos += len(token)
        last = m.end()
    out.append(text[last:])
    return "".join(out), tokens


def _visible_text(text: str) -> str:
    """`make_visible` without the token ranges."""
    return _make_visible(text)[0]


def _text_sha256(text: str) -> str:
    """SHA-256 (hex) of a str's UTF-8 bytes (lone surrogates replaced)."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def _show_text(text: object, limit: int = DISPLAY_CHARS) -> _ShownText:
    """A response for display: cut to `limit` characters, controls made visible, full-text hash."""
    s = text if isinstance(text, str) else ("" if text is None else str(text))
    visible, tokens = _make_visible(s[:limit])
    return _ShownText(visible=visible, tokens=tuple(tokens), truncated=len(s) > limit,
                     length=len(s), sha256=_text_sha256(s))


def _shared_spans(a: str, b: str, min_words: int = MIN_SHARED_WORDS) -> tuple[list[tuple[int, int]],
                                                                            list[tuple[int, int]]]:
    """Character ranges of word runs (>= min_words) that `a` and `b` share, in a and in b."""
    wa = [m.span() for m in _WORD.finditer(a)][:_MAX_DIFF_WORDS]
    wb = [m.span() for m in _WORD.finditer(b)][:_MAX_DIFF_WORDS]
    ta = [a[s:e].casefold() for s, e in wa]
    tb = [b[s:e].casefold() for s, e in wb]
    ra, rb = [], []
    for blk in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_matching_blocks():
        if blk.size >= min_words:
            ra.append((wa[blk.a][0], wa[blk.a + blk.size - 1][1]))
            rb.append((wb[blk.b][0], wb[blk.b + blk.size - 1][1]))
    return ra, rb


def _marked_share(text: str, spans: list[tuple[int, int]]) -> float:
    """Share of a text's words that lie inside the given spans."""
    words = [m.span() for m in _WORD.finditer(text)]
    if not words:
        return 0.0
    inside = sum(any(s >= a and e <= b for a, b in spans) for s, e in words)
    return inside / len(words)


def _inside(ranges: list[tuple[int, int]], starts: list[int], lo: int, hi: int) -> bool:
    """Whether [lo, hi) lies inside one of the sorted, non-overlapping ranges."""
    i = bisect.bisect_right(starts, lo) - 1
    return i >= 0 and ranges[i][0] <= lo and hi <= ranges[i][1]


def _split_segments(text: str, marks: list[tuple[int, int]],
                   tokens: list[tuple[int, int]]) -> list[_Segment]:
    """Cut `text` at every mark and token boundary; adjacent plain or marked pieces are merged."""
    marks, tokens = sorted(marks), sorted(tokens)
    m_starts, t_starts = [a for a, _ in marks], [a for a, _ in tokens]
    cuts = sorted({0, len(text), *(p for r in (*marks, *tokens) for p in r if 0 <= p <= len(text))})
    out: list[_Segment] = []
    for lo, hi in zip(cuts, cuts[1:]):
        mark = _inside(marks, m_starts, lo, hi)
        ctrl = _inside(tokens, t_starts, lo, hi)
        piece = text[lo:hi]
        if out and (out[-1].mark, out[-1].ctrl) == (mark, ctrl) and not ctrl:
            out[-1] = _Segment(out[-1].text + piece, mark, ctrl)
        else:
            out.append(_Segment(piece, mark, ctrl))
    return out
