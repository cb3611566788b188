"""Text helpers: tokens, bit-parallel LCS, function words, habit features, openers and closers."""

from __future__ import annotations

import math
import re

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_SENT = re.compile(r"(?<=[.!?])\s+|\n+")

# Mosteller-Wallace / Burrows style English function words (closed classes only).
FUNCTION_WORDS = tuple("""
a about above after again against all also although am among an and another any anyone
anything are around as at be because been before being below between both but by can
could did do does doing down during each either enough every few for from further had has
have having he her here hers herself him himself his how however i if in into is it its
itself just least less many may me might mine more most much must my myself neither no nor
not now of off often on once one only or other others our ours ourselves out over own per
perhaps quite rather several shall she should since so some such than that the their
theirs them themselves then there therefore these they this those though through thus to
too toward under until up upon us very was we were what whatever when where whether which
while who whom whose why will with within without would yet you your yours yourself
yourselves
""".split())


def _words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD.findall(text.lower())


def _tokens(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens."""
    return _TOKEN.findall(text.lower())


def _lcs_length(a: list, b: list) -> int:
    """Length of the longest common subsequence of two sequences (bit-parallel, O(n*m/w))."""
    if not a or not b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    masks: dict = {}
    for i, x in enumerate(a):
        masks[x] = masks.get(x, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for y in b:
        u = v & masks.get(y, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


def _lcs_ratio(a: list, b: list) -> float:
    """2 * LCS / (len(a) + len(b)); 1.0 for two empty sequences."""
    if not a and not b:
        return 1.0
    return 2.0 * _lcs_length(a, b) / (len(a) + len(b))


HABIT_NAMES = (
    "log_chars", "log_words", "mean_sentence_words", "sentences_per_line", "newline_rate",
    "comma", "semicolon", "colon", "exclamation", "question", "dash", "parenthesis", "quote",
    "bullet_lines", "numbered_lines", "header_lines", "bold", "italic", "code_blocks",
    "inline_code", "table_lines", "emoji", "first_person", "second_person", "caps_words",
)
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")


def _habit_features(text: str) -> np.ndarray:
    """Length, sentence length, punctuation, markdown and person habits of one response."""
    n_chars = len(text)
    per_k = 1000.0 / max(n_chars, 1)
    ws = _words(text)
    lines = [ln for ln in text.split("\n") if ln.strip()]
    n_lines = max(len(lines), 1)
    sentences = [s for s in _SENT.split(text) if _WORD.search(s)]
    mean_sent = float(np.mean([len(_WORD.findall(s)) for s in sentences])) if sentences else 0.0
    stripped = [ln.lstrip() for ln in lines]
    feats = [
        math.log1p(n_chars), math.log1p(len(ws)), math.log1p(mean_sent),
        len(sentences) / n_lines, text.count("\n") * per_k,
        text.count(",") * per_k, text.count(";") * per_k, text.count(":") * per_k,
        text.count("!") * per_k, text.count("?") * per_k,
        (text.count("—") + text.count("–") + text.count(" - ") + text.count("--")) * per_k,
        text.count("(") * per_k, (text.count('"') + text.count("“") + text.count("”")) * per_k,
        sum(ln[:2] in ("- ", "* ", "• ", "+ ") for ln in stripped) / n_lines,
        sum(bool(re.match(r"\d+[.)]\s", ln)) for ln in stripped) / n_lines,
        sum(ln.startswith("#") for ln in stripped) / n_lines,
        len(re.findall(r"\*\*[^*\n]+\*\*|__[^_\n]+__", text)) * per_k,
        len(re.findall(r"(?<![*\w])\*[^*\n]+\*(?!\*)", text)) * per_k,
        text.count("```") / 2.0, len(re.findall(r"(?<!`)`[^`\n]+`(?!`)", text)) * per_k,
        sum(ln.count("|") >= 2 for ln in stripped) / n_lines,
        len(_EMOJI.findall(text)) * per_k,
        sum(w in ("i", "me", "my", "mine", "myself") for w in ws) / max(len(ws), 1),
        sum(w in ("you", "your", "yours", "yourself") for w in ws) / max(len(ws), 1),
        len(re.findall(r"\b[A-Z]{2,}\b", text)) * per_k,
    ]
    return np.asarray(feats, dtype=float)


def _opener(text: str, n: int = 3) -> str:
    """First n tokens of the response, lower-cased ('' when empty)."""
    return " ".join(_tokens(text[:200])[:n])


def _closer(text: str, n: int = 3) -> str:
    """First n tokens of the response's last non-empty line ('' when empty)."""
    lines = [ln for ln in text.strip().split("\n") if ln.strip()]
    return " ".join(_tokens(lines[-1][:200])[:n]) if lines else ""
