"""What one response says it is: self-claims, persona claims and mere mentions of models and vendors.

`read_identity(text)` normalises and bounds the text, drops reasoning traces, sets code,
quotations and role-play apart (`_identity_context`), then reads each sentence that names a
model or vendor: a name is *claimed* when it sits in the scope of a first-person identity frame
(`_identity_frames`, and for English the dependency parse of `_identity_grammar`) and is not
negated there; in a persona section such a claim is a *persona*
claim; every other name is a *mention*. Each vendor list includes the vendors of its names
("I am ChatGPT" claims OpenAI). Bounded: MAX_CHARS of the answer, MAX_SENTENCE per sentence,
MAX_HITS names per sentence; every pattern is linear in its input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from forensics.core import for_matching

from . import _identity_frames as F
from . import _identity_grammar as G
from ._identity_context import _segments, _strip_reasoning
from ._identity_lexicon import _extra_name_patterns, _find_hits, _Hit, implied_vendors

MAX_CHARS = 20_000  # claims sit at the start of a response; the rest is not scanned
MAX_QUOTE = 300
MAX_SENTENCE = 600  # longer "sentences" (hostile run-ons) are read in pieces of this size
MAX_HITS = 40  # names per sentence read for claims; the rest of a name list are mentions
_SPLIT = re.compile(r"[.!?](?=\s|$)|[。！？!?;；\n]+")
_BARE_FILLER = re.compile(
    r"(?i)\b(?:yes|sure|of\s+course|i\s+am|i['’]m|a|an|the|by|from|of|made|created|developed|trained|built"
    r"|designed|and|large|language|ai|model|assistant|chatbot|version|inc|corp|team|company)\b"
    r"|是的|是|对|由|的|开发|研发|训练|一个|大语言模型|语言模型|模型|人工智能|助手|公司|团队|はい|네|[\s\W\d]")


@dataclass(frozen=True)
class IdentityReading:
    """One response's identity: self-claims, persona claims and mentions (canonical strings, in
    order of appearance; tuples, so a reading can be cached and shared)."""

    claimed_names: tuple[str, ...] = ()
    claimed_vendors: tuple[str, ...] = ()
    persona_names: tuple[str, ...] = ()
    persona_vendors: tuple[str, ...] = ()
    mentioned_names: tuple[str, ...] = ()
    mentioned_vendors: tuple[str, ...] = ()
    quote: str = ""  # the first self-claim's sentence
    persona_quote: str = ""  # the first persona claim's sentence


EMPTY = IdentityReading()


def _mask(sent: str, hits: list[_Hit]) -> str:
    """The sentence with every name replaced by NAME characters (same length)."""
    if not hits:
        return sent
    parts, last = [], 0
    for h in hits:
        parts += [sent[last:h.start], F.NAME * (h.end - h.start)]
        last = h.end
    return "".join(parts) + sent[last:]


_UNKNOWN_NAME = re.compile(r"[A-Z][\w.+-]{0,24}(?:\s[A-Z0-9][\w.+-]{0,12})?\s*[,，]\s*")


def _head_ok(m: str, start: int, frame: str) -> bool:
    """Whether the complement at m[start:] reads as an identity (a name, "a … model", "made by")."""
    rest = m[start:]
    appos = _UNKNOWN_NAME.match(rest)  # "I'm Granite, a model by IBM": a name outside the lexicon
    if frame.startswith("我"):
        return bool(F.ZH_HEAD.match(rest) or (appos and F.ZH_HEAD.match(rest, appos.end())))
    if F.HEAD_NAME.match(rest) or F.HEAD_PP.match(rest):
        return True
    if appos and _head_ok(m, start + appos.end(), frame):
        return True
    det = F.HEAD_DET.match(rest)
    if not det and not frame.lower().startswith("я"):  # Russian has no articles: "я языковая модель"
        return False
    np = rest[det.end() if det else 0:][:80]
    stop = F.NP_STOP.search(np)
    np = " ".join((np[:stop.start()] if stop else np).split()[:6])
    return bool(F.AI_NOUN.search(np))


def _scope_end(m: str, start: int, limit: int, neg: bool) -> int:
    """Where a frame's scope ends: the first breaker (a positive frame also stops at "but")."""
    ends = [limit]
    b = F.BREAK.search(m, start, limit)
    if b:
        ends.append(b.start())
    if not neg:
        c = F.CONTRAST_BREAK.search(m, start, limit)
        if c:
            ends.append(c.start())
    for r in F.RELATIVE.finditer(m, start, min(ends)):
        before = m[max(start, r.start() - 40):r.start()].rstrip(" ,")
        word = before.split()[-1] if before.split() else ""
        if not (before.endswith(F.NAME) or F.AI_NOUN.search(word)):
            ends.append(r.start())
            break
    return min(ends)


def _affirmed(m: str, start: int, h: _Hit, end: int, neg: bool) -> bool:
    """Whether the name h, in a frame's scope m[start:end], is claimed rather than denied."""
    pre = m[start:h.start]
    other = None
    for other in F.OTHER_ROLE.finditer(pre):
        pass
    if other is not None and not F.REATTACH.search(pre, other.end()):
        return False
    if neg:
        last = None
        for last in F.CONTRAST.finditer(pre):
            pass
        if last is None:
            return False
        pre = pre[last.end():]
    cut = 0
    for c in F.CHUNK.finditer(pre):
        cut = c.end()
    if F.LOCAL_NEG.search(pre[cut:]):
        return False
    post = m[h.end:end]
    if F.POST_NEG.match(post):
        return False
    later = F.JA_KO_NEG.search(post)
    return not (later and not F.CONTRAST.search(post[:later.start()]))


def _neg(mt: re.Match) -> bool:
    """Whether a frame match carries its negation group."""
    return any(v and v.strip() for k, v in mt.groupdict().items() if k != "np")


def _claimed_in(sent: str, hits: list[_Hit]) -> list[bool]:
    """For each name in the sentence: whether the speaker claims it as its own identity."""
    m = F.NONE_OTHER.sub(lambda x: " " * len(x.group()), _mask(sent, hits))
    frames: list[tuple[int, int, bool]] = []
    for rx, head in ((F.HEAD, True), (F.DIRECT, False)):
        for mt in rx.finditer(m):
            s0 = F.ADVERBS.match(m, mt.end()).end()
            if F.REPORTED.search(m[max(0, mt.start() - 60):mt.start()]):
                continue
            if head and not _head_ok(m, s0, mt.group().lstrip(",;:!?¡¿ ")):
                continue
            frames.append((mt.start(), s0, _neg(mt)))
    frames.sort()
    out = [False] * len(hits)
    compared = [c.span() for c in F.COMPARE_SPAN.finditer(m)]
    for i, (_, s0, neg) in enumerate(frames):
        limit = frames[i + 1][0] if i + 1 < len(frames) else len(m)
        end = _scope_end(m, s0, max(limit, s0), neg)
        for j, h in enumerate(hits):
            if s0 <= h.start < end and _affirmed(m, s0, h, end, neg):
                out[j] = True
    for mt in F.BACK.finditer(m):
        cs = max(m.rfind(c, 0, mt.start()) for c in ",，;；:：") + 1
        for j, h in enumerate(hits):
            if cs <= h.start and h.end <= mt.start() and not _neg(mt) \
                    and not F.LOCAL_NEG.search(m[cs:h.start]):
                out[j] = True
    for mt in (x for rx in F.AS for x in rx.finditer(m)):
        a, b = mt.span("np")
        np = m[a:b]
        if not (F.AI_NOUN.search(np.replace(F.NAME, " ")) or np.rstrip().endswith(F.NAME) or re.fullmatch(
                rf"\s*(?:an?\s+|the\s+)?{F.NAME}+(?:['’]s)?\s*", np, re.IGNORECASE)):
            continue
        for j, h in enumerate(hits):
            if a <= h.start < b and not F.LOCAL_NEG.search(m[a:h.start]):
                out[j] = True
    return [c and not any(a <= h.start < b for a, b in compared) for c, h in zip(out, hits)]


def _sentences(text: str, hits: list[_Hit]) -> list[tuple[int, int]]:
    """Sentence spans of text (never cutting inside a name; none longer than MAX_SENTENCE)."""
    inside = {i for h in hits for i in range(h.start + 1, h.end)}
    cuts = [mt.end() for mt in _SPLIT.finditer(text) if mt.end() not in inside]
    spans, start = [], 0
    for end in [*cuts, len(text)]:
        while end - start > MAX_SENTENCE:
            cut = start + MAX_SENTENCE
            while cut in inside:
                cut -= 1
            spans.append((start, cut))
            start = cut
        spans.append((start, end))
        start = end
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        if b > a:
            out.append((a, b))
    return out


def _quote(text: str, a: int, b: int, at: int) -> str:
    """The sentence text[a:b] around position `at`, at most MAX_QUOTE characters."""
    if b - a > MAX_QUOTE:
        a = max(a, min(at - MAX_QUOTE // 2, b - MAX_QUOTE))
        b = a + MAX_QUOTE
    return " ".join(text[a:b].split())[:MAX_QUOTE]


def _bare(text: str, hits: list[_Hit]) -> bool:
    """A short answer that is only a name ("OpenAI.", "ChatGPT, by OpenAI"): a claim."""
    if not hits or len(text) > 80 or not F.BARE_LEAD.match(_mask(text, hits)):
        return False
    rest = _BARE_FILLER.sub(" ", _mask(text, hits).replace(F.NAME, " "))
    cjk = sum(1 for c in rest if "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af")
    return (len(rest.split()) <= 2 and len(rest.replace(" ", "")) <= 12 and cjk <= 3
            and not F.LOCAL_NEG.search(rest))


class _Acc:
    """Names and vendors gathered per role, in order of appearance."""

    def __init__(self) -> None:
        self.names: dict[str, dict] = {"self": {}, "persona": {}, "mention": {}}
        self.vendors: dict[str, dict] = {"self": {}, "persona": {}, "mention": {}}
        self.quotes = {"self": "", "persona": ""}

    def add(self, role: str, h: _Hit) -> None:
        (self.names if h.kind == "name" else self.vendors)[role][h.canon] = None

    def reading(self) -> IdentityReading:
        def both(role: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
            names = tuple(self.names[role])
            return names, tuple(dict.fromkeys([*self.vendors[role], *implied_vendors(names)]))
        (cn, cv), (pn, pv), (mn, mv) = both("self"), both("persona"), both("mention")
        return IdentityReading(cn, cv, pn, pv, mn, mv, self.quotes["self"], self.quotes["persona"])


def read_identity(text: object, extra_names: Sequence[str] = ()) -> IdentityReading:
    """What a response claims to be (self and persona claims) and which names it only mentions.

    `extra_names`: literal names (any case) to recognise besides the lexicon, e.g. a reference's
    own product name; they have no vendor. Non-strings read as empty text.
    """
    return _read_with(text, _extra_name_patterns(tuple(n.strip() for n in extra_names if n.strip())))


def _read_with(text: object, extra: Sequence[tuple[str, re.Pattern]] = ()) -> IdentityReading:
    """`read_identity` with the extra names already compiled (`_extra_name_patterns`)."""
    s = _strip_reasoning(for_matching(text))[:MAX_CHARS]  # the cap applies to the answer, not the trace
    if not s or not _find_hits(s, extra):
        return EMPTY
    acc = _Acc()
    segs = _segments(s)
    own = "".join(seg.text for seg in segs if seg.role == "self").strip()
    for seg in segs:
        hits = _find_hits(seg.text, extra)
        if not hits:
            continue
        if seg.role not in ("self", "persona"):
            for h in hits:
                acc.add("mention", h)
            continue
        role = "self" if seg.role == "self" else "persona"
        if role == "self" and seg.text.strip() == own and _bare(own, hits):
            for h in hits:
                acc.add("self", h)
            acc.quotes["self"] = acc.quotes["self"] or _quote(seg.text, 0, len(seg.text), hits[0].start)
            continue
        for a, b in _sentences(seg.text, hits):
            inner = [_Hit(h.start - a, h.end - a, h.canon, h.kind) for h in hits if a <= h.start < b]
            if not inner:
                continue
            for h in inner[MAX_HITS:]:
                acc.add("mention", h)
            inner = inner[:MAX_HITS]
            flags = G._claims(seg.text[a:b], [(h.start, h.end) for h in inner], _claimed_in(seg.text[a:b], inner))
            for h, claimed in zip(inner, flags):
                acc.add(role if claimed else "mention", h)
                if claimed and not acc.quotes[role]:
                    acc.quotes[role] = _quote(seg.text, a, b, a + h.start)
    return acc.reading()
