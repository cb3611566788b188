"""Score stored responses against a probe's expected answer; safe on hostile text.

Rules (one per answer type, see `_suite`):

* numeric: the LAST number in the response (thousands separators "1,234", unicode minus,
  full-width digits handled) must lie within `tolerance` of `value`.
* exact / one_of: the value must occur as a whole word/phrase (case-insensitive unless
  `case_sensitive`) in the answer region: the text after the final "Answer:" marker when there is
  one, otherwise the whole response (lenient: a response that mentions the right answer anywhere
  counts as correct).
* regex: `re.search`, IGNORECASE unless `case_sensitive`, over the response, or over its first and
  last 4,000 characters when it is longer (so a backtracking-prone suite regex stays bounded).

`extract_answer` gives the normalised answer a response commits to, used to compare WRONG answers
across models: numeric -> the last number ("391", "2.5"); other types -> the short phrase after the
final "Answer:" (or the first non-empty line), lowercased, without markdown or edge punctuation,
at most 80 characters.

Hostile text: responses are coerced to str, invisible/bidi/NUL characters removed, and anything
longer than 2 x 100,000 characters is cut to its head and tail before any regex runs. Suite
regexes are trusted: an exponentially backtracking pattern can still be slow on short text.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from functools import lru_cache
from typing import Any

import pandas as pd
from pydantic import BaseModel, TypeAdapter

from forensics.core import for_matching

from ._suite import Answer, ExactAnswer, NumericAnswer, OneOfAnswer, RegexAnswer

MAX_PHRASE_CHARS = 80
REGEX_CHARS = 4_000  # suite regexes see head and tail windows of this size (bounds backtracking)

_ANSWER_ADAPTER: TypeAdapter = TypeAdapter(Answer)
_NUMBER = re.compile(
    r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d{1,3}(?![\d]))?"
    r"|(?<![\w.])\.\d+"
)
_MARKER = re.compile(
    r"(?<![A-Za-z])(?:final\s+answer|answer|antwort|r[ée]ponse|respuesta|risposta|resposta|答案|回答)"
    r"(?:\s+is)?\s*[:：]",
    re.IGNORECASE,
)
_MARKDOWN = re.compile(r"[*_`~#>|]+")
_EDGE_PUNCT = re.compile(r"(?<!\w)[^\w\s]+|[^\w\s]+(?!\w)")
_LEAD_IN = re.compile(
    r"^(?:(?:so|thus|therefore|hence)\s+)?(?:the\s+)?(?:final\s+|correct\s+)?answer\s+is\s+"
    r"|^(?:it\s+is|it's|it’s)\s+"
)


def _as_answer(answer: Any) -> BaseModel:
    """An Answer model from a model instance, a dict, or its JSON string; ValueError if invalid."""
    if isinstance(answer, (ExactAnswer, OneOfAnswer, RegexAnswer, NumericAnswer)):
        return answer
    if isinstance(answer, str):
        return _parse_answer_json(answer)
    if isinstance(answer, dict):
        return _ANSWER_ADAPTER.validate_python(answer)
    raise ValueError(f"not an answer: {type(answer).__name__}")


@lru_cache(maxsize=4096)
def _parse_answer_json(raw: str) -> BaseModel:
    """Parse and validate one answer JSON string (cached: suites repeat answers per sample)."""
    return _ANSWER_ADAPTER.validate_python(json.loads(raw))


def _format_number(v: float) -> str:
    """'391' for integral values, '2.5' otherwise, 'inf' for overflow."""
    if not math.isfinite(v):
        return "inf" if v > 0 else ("-inf" if v < 0 else "nan")
    if v == int(v) and abs(v) < 1e16:
        return str(int(v)) if v != 0 else "0"
    return format(v, ".12g")


def _last_number(s: str) -> float | None:
    """The last number in cleaned text, with its sign; None if there is none."""
    last = None
    for last in _NUMBER.finditer(s):
        pass
    if last is None:
        return None
    try:
        v = float(last.group().replace(",", ""))
    except (ValueError, OverflowError):
        return None
    i = last.start()
    if i > 0 and s[i - 1] in "-+" and (i < 2 or not s[i - 2].isalnum()):
        v = -v if s[i - 1] == "-" else v
    return v


def _answer_region(s: str) -> str | None:
    """The text after the final 'Answer:' marker, or None when there is no marker."""
    last = None
    for last in _MARKER.finditer(s):
        pass
    return None if last is None else s[last.end():]


def _first_line(s: str) -> str:
    """The first line with a letter or digit in it."""
    for line in s.splitlines():
        if any(ch.isalnum() for ch in line):
            return line
    return ""


def _normalise_phrase(line: str) -> str:
    """Lowercase, strip markdown, lead-ins and edge punctuation, collapse spaces, cap length."""
    p = _MARKDOWN.sub(" ", line[:2000]).lower()
    p = " ".join(_EDGE_PUNCT.sub(" ", p).split())
    p = _LEAD_IN.sub("", p)
    return p[:MAX_PHRASE_CHARS].strip()


def _phrase_pattern(value: str, case_sensitive: bool) -> re.Pattern:
    """A whole-word/phrase regex for a literal answer; whitespace inside it is flexible."""
    return _compile_phrase(unicodedata.normalize("NFKC", value), case_sensitive)


@lru_cache(maxsize=4096)
def _compile_phrase(value: str, case_sensitive: bool) -> re.Pattern:
    """Compile (cached) the phrase pattern for one normalised value."""
    words = value.split()
    body = r"\s+".join(re.escape(w) for w in words) if words else re.escape(value)
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", 0 if case_sensitive else re.IGNORECASE)


@lru_cache(maxsize=4096)
def _compile_regex(pattern: str, case_sensitive: bool) -> re.Pattern | None:
    """Compile (cached) a suite regex; None if it does not compile."""
    try:
        return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except (re.error, RecursionError, OverflowError):
        return None


def _extract(a: BaseModel, s: str) -> str:
    """Extraction on already-cleaned text."""
    if isinstance(a, NumericAnswer):
        v = _last_number(s)
        return "" if v is None else _format_number(v)
    region = _answer_region(s)
    return _normalise_phrase(_first_line(region if region is not None and region.strip() else s))


def _score(a: BaseModel, s: str) -> bool:
    """Scoring on already-cleaned text."""
    if isinstance(a, NumericAnswer):
        v = _last_number(s)
        if v is None or not math.isfinite(v):
            return False
        return abs(v - a.value) <= a.tolerance + 1e-9 * max(1.0, abs(a.value))
    if isinstance(a, RegexAnswer):
        rx = _compile_regex(a.pattern, a.case_sensitive)
        if rx is None:
            return False
        parts = [s] if len(s) <= 2 * REGEX_CHARS else [s[:REGEX_CHARS], s[-REGEX_CHARS:]]
        try:
            return any(rx.search(p) for p in parts)
        except RecursionError:
            return False
    region = _answer_region(s)
    target = region if region is not None and region.strip() else s
    values = [a.value] if isinstance(a, ExactAnswer) else list(a.values)
    return any(_phrase_pattern(v, a.case_sensitive).search(target) for v in values)


def extract_answer(answer: dict | Answer, text: str) -> str:
    """The normalised answer a response gives ('' when it gives none)."""
    return _extract(_as_answer(answer), for_matching(text))


def score_response(answer: dict | Answer, text: str) -> bool:
    """Whether a response is correct for the expected answer; never raises on the text."""
    return _score(_as_answer(answer), for_matching(text))


def score_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with `correct` (nullable boolean) and `extracted` (str or None) columns."""
    out = df.copy()
    correct: list[bool | None] = []
    extracted: list[str | None] = []
    answers = df["answer"].tolist() if "answer" in df.columns else [None] * len(df)
    texts = df["text"].tolist() if "text" in df.columns else [""] * len(df)
    for raw, text in zip(answers, texts):
        a = None
        if raw is not None and not (isinstance(raw, float) and math.isnan(raw)):
            try:
                a = _as_answer(raw)
            except (ValueError, TypeError):
                a = None  # malformed stored answer: unscorable, never fatal
        if a is None:
            correct.append(None)
            extracted.append(None)
            continue
        s = for_matching(text)
        correct.append(_score(a, s))
        extracted.append(_extract(a, s))
    out["correct"] = pd.array(correct, dtype="boolean")
    out["extracted"] = pd.Series(extracted, index=out.index, dtype=object)
    return out
