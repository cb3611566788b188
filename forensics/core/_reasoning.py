"""A response's reasoning trace apart from its answer.

Reasoning models return their trace either in the OpenAI-compatible `reasoning_content` field
or inside `<think>...</think>` in the text. The store keeps one text per response, so a
`reasoning_content` is stored as a leading `<think>` block (`with_reasoning`), and every reader
splits it off again (`split_reasoning`): the analyses read the answer by default.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(r"<think>(.*?)</think>", re.S | re.I)
_OPEN = re.compile(r"<think>(.*)\Z", re.S | re.I)  # a trace cut off before its end tag


def split_reasoning(text: object) -> tuple[str | None, str]:
    """(reasoning or None, answer): every <think> block out of the text, joined; an unclosed
    <think> runs to the end. Non-strings give (None, '')."""
    if not isinstance(text, str):
        return None, ""
    if "<think" not in text.lower():
        return None, text
    parts = _BLOCK.findall(text)
    answer = _BLOCK.sub("", text)
    tail = _OPEN.search(answer)
    if tail:
        parts.append(tail.group(1))
        answer = answer[:tail.start()]
    reasoning = "\n\n".join(p.strip() for p in parts if p.strip())
    return (reasoning or None), answer.strip()


def with_reasoning(reasoning: str | None, answer: str) -> str:
    """One stored text for a trace and an answer (the answer alone when there is no trace)."""
    return f"<think>{reasoning}</think>\n\n{answer}" if reasoning and reasoning.strip() else answer
