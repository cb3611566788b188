"""A response's reasoning trace apart from its answer.

Reasoning models return their trace either in the OpenAI-compatible `reasoning_content` field
or inside `<think>...</think>` in the text. The store keeps one text per response, so a
`reasoning_content` is stored as a leading `<think>` block (`with_reasoning`), and every reader
splits it off again (`split_reasoning`): the analyses read the answer by default.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"<(/?)think>", re.IGNORECASE)


def split_reasoning(text: object) -> tuple[str | None, str]:
    """(reasoning or None, answer): every <think> block out of the text, joined; an unclosed
    <think> runs to the end; a <think> inside a block is part of it; a stray </think> stays in the
    answer. One pass over the tags, so thousands of unclosed tags cost linear time. Non-strings
    give (None, '')."""
    if not isinstance(text, str):
        return None, ""
    if "<think" not in text.lower():
        return None, text
    parts: list[str] = []
    answer: list[str] = []
    pos, opened = 0, None
    for m in _TAG.finditer(text):
        closing = bool(m.group(1))
        if opened is None and not closing:
            answer.append(text[pos:m.start()])
            opened = m
        elif opened is not None and closing:
            parts.append(text[opened.end():m.start()])
            pos, opened = m.end(), None
    if opened is not None:
        parts.append(text[opened.end():])
    else:
        answer.append(text[pos:])
    reasoning = "\n\n".join(p.strip() for p in parts if p.strip())
    return (reasoning or None), "".join(answer).strip()


def with_reasoning(reasoning: str | None, answer: str) -> str:
    """One stored text for a trace and an answer (the answer alone when there is no trace)."""
    return f"<think>{reasoning}</think>\n\n{answer}" if reasoning and reasoning.strip() else answer
