"""Where a response speaks in its own voice: reasoning, code, quotations and role-play set apart.

`_segments(text)` drops reasoning traces (`<think>…</think>` and kin, an unclosed one, or a trace
ended by a bare `</think>`), then cuts the answer into _segments with a role:
- "code": fenced code blocks and inline `code`; "tag": the speaker tags themselves;
- "quoted": quotations of a clause or more ("…", “…”, «…», „…“, 「…」, 『…』), someone else's
  words; short quotes (a name, a title) stay in the text;
- "persona": text after a role-play speaker tag (`[CHATGPT]:`, `GPT:`, `(🤖ChatGPT)`, `DAN:`,
  `[🔓JAILBREAK]`, `AntiGPT：`) up to the next tag, and text from a role-play announcement
  ("Developer Mode enabled", "I will now operate in two modes, GPT and DAN", "As DAN, …") to an
  explicit exit ("out of character", "in reality", "实际上") or the end;
- "self": everything else, the model speaking as itself.
A refusal to role-play ("I can't act as DAN") announces nothing.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_TRACE_TAG = re.compile(r"<(/?)(?:think|thinking|reasoning|reflection)\s*>|◁(/?)think▷", re.IGNORECASE)
_FENCE = re.compile(r"(```|~~~)[^\n]*\n?.*?(?:\1|\Z)", re.DOTALL)
_INLINE = re.compile(r"`[^`\n]{1,200}`")
_QUOTE = re.compile(r'"[^"\n]{1,600}"|“[^”\n]{1,600}”|«[^»\n]{1,600}»|„[^“”\n]{1,600}[“”]'
                    r"|「[^」\n]{1,600}」|『[^』\n]{1,600}』")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
PLACEHOLDER = "\ue000"  # stands where code or a quotation was cut out

# persona words: role-play characters and modes that are no vendor's model
_PERSONA_WORDS = (r"DAN|STAN|DUDE|AIM|KEVIN|NRAF|UCAR|APOPHIS|OMEGA|Omega|Mongo\s+Tom|BetterDAN"
                  r"|[A-Za-z]*GPT[A-Za-z]+|Anti[\s-]?GPT|Dev(?:eloper)?\s*Mode|DAN\s*Mode|JAIL\s*BREAK"
                  r"|JAILBROKEN|Jailbreak|Jailbroken|CLASSIC|Classic|NORMAL|Normal(?:\s+(?:Output|Response|Mode))?"
                  r"|Unfiltered|Uncensored|UNFILTERED|UNCENSORED|Evil|EVIL|Chaos|Persona"
                  r"|开发者模式|越狱模式?|反GPT|正常模式|正常回答|正常输出|经典模式|DAN模式")
_PERSONA = re.compile(rf"(?<![A-Za-z])(?:{_PERSONA_WORDS})(?![a-z])")
_MODELISH = re.compile(r"(?i)(?:chat\s?-?gpt|gpt(?:[\s-]?\d[\w.-]*)?|claude|gemini|llama|qwen|bard|copilot|grok"
                       r"|kimi|deepseek|mistral|豆包|通义千问|文心一言)")
_PERSONA_SELF = re.compile(r"(?i)(?:\bI\s*(?:am|'m|’m)\s+(?:now\s+|also\s+|simply\s+)?|\bthis\s+is\s+|\bcall\s+me\s+"
                           rf"|我(?:现在)?是|作为|(?:^|[,，]\s*)as\s+|\bhere\s+is\s+)(?-i:{_PERSONA_WORDS})(?![a-z])")
_SYMBOL = "[\u2190-\u2bff\ufe0f\U0001f000-\U0001faff]"  # an emoji or symbol inside a tag: 🔓, 🤖, 😈
_BRACKET_TAG = re.compile(rf"[\[(（【]\s*(?:{_SYMBOL}\s*)*(?P<label>[^\[\]()（）【】\n]{{1,40}}?)\s*[\])）】]"
                          r"(?:\s*[:：])?")
_LINE_TAG = re.compile(r"(?:^|(?<=[\n.!?。！？]))[ \t>*_#-]*(?P<label>[^\s:：*\n][^:：\n]{0,29}?)"
                       r"\s*(?:\*\*|__)?\s*[:：]", re.MULTILINE)
_MODES = r"(?:developer|dev|dan|jailbreak|jailbroken|god|evil|unfiltered|uncensored|unrestricted|antigpt)"
_MODE = re.compile(
    rf"(?i){_MODES}\s+mode\s+(?:is\s+(?:now\s+)?)?(?:enabled|activated|on|engaged|output|response)"
    r"|(?:enable|enabled|enabling|enter|entering|entered|activate|activated|activating|switch(?:ing|ed)?\s+(?:in)?to"
    rf"|now\s+in|in|with)\s+(?:the\s+)?{_MODES}\s+mode"
    r"|\b(?:two|both|dual|2)\s+(?:modes|personas|personalities|different\s+(?:ways|responses)|separate\s+responses)"
    r"|role[\s-]?play|\bin\s+character\b|\bjailbroken\b|\bjailbreak\s+(?:successful|enabled|activated|complete)"
    r"|(?:will|['’]ll|now|am|['’]m|be)\s+(?:now\s+)?(?:act(?:ing)?\s+as|pretend(?:ing)?\s+to\s+be"
    r"|play(?:ing)?\s+the\s+role\s+of|impersonat\w+)\b"
    r"|(?:respond|answer|reply|speak)(?:ing)?\s+as\s+(?:both\s+)?(?-i:(?!I\b)[A-Z\u4e00-\u9fff])"
    r"|modo\s+desarrollador\s+(?:activado|habilitado)|mode\s+développeur\s+activé|entwicklermodus\s+(?:aktiviert|aktiv)"
    r"|modalità\s+sviluppatore\s+attivata|режим\s+разработчика\s+(?:включ|активир)\w*|rollenspiel|jeu\s+de\s+rôle"
    r"|juego\s+de\s+rol|gioco\s+di\s+ruolo|ролев\w+\s+игр|開発者モード(?:が)?(?:有効|オン)|ロールプレイ"
    r"|개발자\s*모드\s*(?:활성화|켜)|역할극"
    r"|开发者模式(?:已)?(?:启用|开启|激活|输出)|(?:进入|开启|启用|切换到|激活)(?:了)?(?:开发者|DAN|越狱)模式|两种模式"
    r"|两种方式回答|双重模式|角色扮演|扮演|以[^，。,]{1,15}的身份")
_REFUSE = re.compile(r"(?i)\b(?:can['’]?t|cannot|can\s+not|won['’]?t|will\s+not|unable|not\s+able|refuse"
                     r"|declin\w*|don['’]?t|do\s+not|doesn['’]?t|does\s+not|isn['’]?t|is\s+not|not\s+going\s+to"
                     r"|shouldn['’]?t|not\s+allowed|no\s+such|not\s+real|there\s+is\s+no|never)\b"
                     r"|不能|无法|不会|拒绝|不可以|不便|不允许|不适合|不存在|没有这种")
_EXIT = re.compile(r"(?i)\bout\s+of\s+character|\booc\b|break(?:ing)?\s+character|stepping\s+out\s+of"
                   r"|\bin\s+reality\b|speaking\s+(?:for|as)\s+myself|\bmy\s+(?:real|true|actual)\s+identity"
                   r"|实际上|事实上|真实身份|跳出角色|回到现实")
_SENTENCE = re.compile(r"[^\n.!?。！？]*(?:[.!?。！？]+|\n|\Z)")


class _Segment(NamedTuple):
    """A stretch of a response and who speaks in it: self, persona, quoted or code."""

    role: str
    text: str


def _strip_reasoning(s: str) -> str:
    """s without reasoning traces: closed ones, an unclosed one (to the end), and a trace ended by
    a bare closing tag (its opening tag sat in the prompt: everything before it goes). Linear."""
    if "think" not in s and "reason" not in s and "reflection" not in s and "◁" not in s:
        return s
    kept: list[str] = []
    pos, depth = 0, 0
    for m in _TRACE_TAG.finditer(s):
        closing = bool(m.group(1) or m.group(2))
        if not closing:
            if depth == 0:
                kept.append(s[pos:m.start()])
            depth += 1
        elif depth:
            depth -= 1
        else:
            kept = []  # a bare closing tag: the text before it was the trace
        if depth == 0:
            pos = m.end()
    if depth == 0:
        kept.append(s[pos:])
    return "\n".join(kept)


def _cut(s: str, rx: re.Pattern, role: str, out: list[_Segment], keep=None) -> str:
    """s with every match of rx replaced by PLACEHOLDER; the matches appended to out as `role`."""
    parts, last = [], 0
    for m in rx.finditer(s):
        if keep is not None and keep(m.group()):
            continue
        parts += [s[last:m.start()], f" {PLACEHOLDER} "]
        out.append(_Segment(role, m.group()))
        last = m.end()
    return "".join(parts) + s[last:] if parts else s


def _is_short_quote(q: str) -> bool:
    """A quoted name or title (kept in the text) rather than a quoted clause."""
    inner = q[1:-1]
    if _CJK.search(inner):
        return len(inner.strip()) < 8
    return len(inner.split()) < 4


_TAG_SUFFIX = re.compile(r"(?i)\s*(?:模式输出|模式|的回答|的回复|回答|回复|输出|mode|output|response|answer|says?)$")


_LEAD_SYMBOLS = re.compile(rf"^(?:{_SYMBOL}\s*)+")
_QUALIFIER = re.compile(r"(?i)(?:\s*[(（][^()（）\n]{1,20}[)）]|[\s-]*(?:persona|bot|simulated|simulation|模拟|人格))$")


def _is_model_name(label: str) -> bool:
    """Whether the label is one model name of the lexicon and nothing else (智谱清言, Llama 3)."""
    from ._identity_lexicon import _find_hits

    hits = _find_hits(label)
    return len(hits) == 1 and hits[0].kind == "name" and hits[0].start == 0 and hits[0].end == len(label)


def _is_tag(label: str, bracketed: bool, raw: str) -> bool:
    """Whether a bracketed or line-initial label names a role-play speaker: a persona word, or a
    model name with at most a leading emoji and a qualifier ("🦙 Llama", "GPT-4 (simulated)")."""
    label = _TAG_SUFFIX.sub("", label.strip(" *_")).strip(" *_")
    label = _QUALIFIER.sub("", _LEAD_SYMBOLS.sub("", label)).strip(" *_")
    if not label or len(label) > 40:
        return False
    if _PERSONA.search(label) or label.lower().replace(" ", "") == "jailbreak":
        return True
    if bracketed and re.search(_SYMBOL, raw[:6]):
        return True  # (🤖ChatGPT), [🔓JAILBREAK]
    return bool(_MODELISH.fullmatch(label)) or _is_model_name(label)


def _at_line_start(s: str, i: int) -> bool:
    """Whether position i begins a line or a sentence (markdown bullets and quotes skipped)."""
    while i > 0 and s[i - 1] in " \t>*_#-":
        i -= 1
    return i == 0 or s[i - 1] in "\n.!?。！？"


def _tags(s: str) -> list[tuple[int, int]]:
    """Spans of role-play speaker tags in s."""
    spans = [m.span() for m in _BRACKET_TAG.finditer(s)
             if _is_tag(m.group("label"), True, m.group())
             and (m.group().endswith((":", "：")) or _at_line_start(s, m.start())
                  or bool(re.search(_SYMBOL, m.group()[:6])))]
    spans += [m.span() for m in _LINE_TAG.finditer(s) if _is_tag(m.group("label"), False, m.group())]
    spans.sort()
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if not out or a >= out[-1][1]:
            out.append((a, b))
    return out


def _activates(sent: str) -> bool:
    """Whether a sentence starts a role-play: an announcement that is no refusal, or "I am DAN"."""
    return bool(_PERSONA_SELF.search(sent)) or bool(_MODE.search(sent)) and not _REFUSE.search(sent)


def _modes(text: str) -> list[_Segment]:
    """A self stretch cut at role-play announcements (persona until an explicit exit or the end)."""
    if not (_MODE.search(text) or _PERSONA_SELF.search(text)):
        return [_Segment("self", text)]
    buf: list[tuple[str, list[str]]] = []
    current = "self"
    for m in _SENTENCE.finditer(text):
        sent = m.group()
        if not sent:
            continue
        if current == "persona" and _EXIT.search(sent):
            current = "self"
        elif current == "self" and _activates(sent):
            current = "persona"
        if buf and buf[-1][0] == current:
            buf[-1][1].append(sent)
        else:
            buf.append((current, [sent]))
    return [_Segment(r, "".join(parts)) for r, parts in buf]


def _persona_section(text: str) -> list[_Segment]:
    """A tagged section: persona up to an explicit exit sentence, then the model's own voice."""
    m = _EXIT.search(text)
    if not m:
        return [_Segment("persona", text)]
    start = max(text.rfind(c, 0, m.start()) for c in "\n.!?。！？") + 1
    return [_Segment("persona", text[:start]), *_modes(text[start:])]


def _segments(text: str) -> list[_Segment]:
    """The response's _segments by role (reasoning traces dropped); text is already normalised."""
    out: list[_Segment] = []
    s = _cut(text, _FENCE, "code", out)
    s = _cut(s, _INLINE, "code", out)
    stripped = s.strip()
    if _QUOTE.fullmatch(stripped):  # the whole answer is one quotation: it is the answer itself
        s = stripped[1:-1]
    s = _cut(s, _QUOTE, "quoted", out, keep=_is_short_quote)
    tags = _tags(s)
    if not tags:
        return _modes(s) + out
    body = _modes(s[:tags[0][0]])
    for (a, b), nxt in zip(tags, [*tags[1:], (len(s), len(s))]):
        out.append(_Segment("tag", s[a:b]))  # the tag itself: its names are mentions
        body += _persona_section(s[b:nxt[0]])
    return body + out
