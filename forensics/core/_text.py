"""Untrusted text made safe, one named rule per use: store, analysis, matching, display, terminal.

Model output is hostile input: it may hold lone surrogates, control and bidi characters,
zero-width marks, tag characters ("ASCII smuggling") or megabytes of text. Each consumer has
its own rule, and every rule lives here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

# -- store: anything must be storable and hashable as UTF-8 ---------------------------------
SURROGATES = re.compile("[\ud800-\udfff]")


def storable(s: str) -> str:
    """Any str made storable as UTF-8: lone surrogates become U+FFFD; everything else is kept."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return SURROGATES.sub("\ufffd", s)


# -- analysis: bounded, and no control character reaches a tokenizer ------------------------
ANALYSIS_MAX_CHARS = 20_000  # hostile texts are cut here before any analysis
ANALYSIS_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def for_analysis(text: object, max_chars: int = ANALYSIS_MAX_CHARS) -> str:
    """A response as a bounded str: non-strings become '', control characters become spaces."""
    if not isinstance(text, str):
        return ""
    return ANALYSIS_CONTROLS.sub(" ", text[:max_chars])


# -- matching (answer scoring, identity claims): one canonical form per visible string -------
MATCHING_CLIP_CHARS = 100_000  # head and tail kept from longer responses
MATCHING_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb]"
)
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\ufe63": "-"})


def for_matching(text: Any) -> str:
    """Coerce to str, clip huge texts, NFKC-normalise, drop invisible and bidi control chars."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    s = text if isinstance(text, str) else str(text)
    if len(s) > 2 * MATCHING_CLIP_CHARS:
        s = s[:MATCHING_CLIP_CHARS] + "\n\n" + s[-MATCHING_CLIP_CHARS:]
    s = s.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    s = unicodedata.normalize("NFKC", s)
    return MATCHING_INVISIBLE.sub("", s).translate(MINUS_SIGNS)


# -- display (the HTML report): what must be shown as a visible token, never rendered --------
# C0 (except tab and newline) and C1 controls, DEL, bidi embeddings/overrides/isolates/marks,
# zero-width and invisible formatting characters, line/paragraph separators, BOM, interlinear
# annotation, tag characters ("ASCII smuggling") and lone surrogates.
DISPLAY_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\U000e0000-\U000e007f\ud800-\udfff]")


# -- terminal: one line, no escape sequence or bidi override reaches the user's terminal -----
TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def for_terminal(text: object) -> str:
    """One line; control and bidi characters shown as escapes (no terminal escape injection)."""
    s = str(text).replace("\r\n", "\n").replace("\n", " \u21b5 ").replace("\t", " ")
    return TERMINAL_UNSAFE.sub(lambda m: ascii(m.group(0))[1:-1], s)
