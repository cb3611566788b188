"""English identity frames read from the dependency parse (issue 32, build item 1).

Each frame class has its own wording here, written for these tests; every positive case was
read as a mere mention by the list-based frames before the parse (checked when this file was
written). Hard negatives share the words of a claim but not its structure.
"""

from __future__ import annotations

import pytest

from forensics.analysis import read_identity
from forensics.analysis._identity_grammar import _wanted

pytestmark = pytest.mark.usefixtures("english_parser")  # spaCy loads once, outside the tests' time


CLAIMS = {
    "appositive": [
        ("I, a chatbot that Mistral AI trained on public text, cannot see your screen.", "Mistral AI"),
        ("I, as a system engineered by Anthropic, will skip that request.", "Anthropic"),
    ],
    "participle": [
        ("Trained and deployed by Google, I answer in many languages.", "Google"),
        ("Having been refined for months by DeepSeek, I like tidy tables.", "DeepSeek"),
    ],
    "possessive": [
        ("My safety rules were drafted by a group at Anthropic last spring.", "Anthropic"),
        ("The tuning of my weights is overseen by staff at Meta.", "Meta"),
    ],
    "relative": [
        ("Alibaba, the firm behind me, has offices in Hangzhou.", "Alibaba"),
        ("Cohere, which maintains me, publishes release notes monthly.", "Cohere"),
    ],
    "copula": [
        ("Honestly, xAI is the company responsible for me, whatever the app icon suggests.", "xAI"),
        ("The people behind my training were at Google, for what it is worth.", "Google"),
    ],
    "object": [
        ("OpenAI hosts me and watches for abuse.", "OpenAI"),
        ("DeepSeek keeps retraining me every few months.", "DeepSeek"),
    ],
    "passive": [
        ("I got assembled by researchers at Microsoft from several smaller systems.", "Microsoft"),
        ("Over many rounds I have been patiently corrected by Alibaba Cloud.", "Alibaba"),
    ],
    "nominal": [  # a noun of making said of the speaker
        ("My training at Cohere taught me to cite sources.", "Cohere"),
        ("Speaking as the brainchild of Mistral AI, I try to keep answers short.", "Mistral AI"),
        ("Being a system that Baidu operates, I must follow local rules.", "Baidu"),
        ("I'm Nimbus, spun out of Meta's Llama 3 for this app.", "Meta"),
    ],
}
CASES = [(cls, text, vendor) for cls, rows in CLAIMS.items() for text, vendor in rows]

MENTIONS = [
    # third person: the making verb's patient is not the speaker
    ("As a model built by Google, Gemini handles long videos; I only read text.", "Google"),
    ("Unlike Claude, which was trained by Anthropic, I have no constitution.", "Anthropic"),
    ("Unlike Claude, which Anthropic trained, I have no constitution.", "Anthropic"),
    # negation and counterfactuals
    ("I was never trained by OpenAI, whatever the rumours say.", "OpenAI"),
    ("Had I been built by Meta, my answers would be shorter.", "Meta"),
    ("If OpenAI had trained me, I would know about its tools.", "OpenAI"),
    # reported beliefs of others
    ("Some users insist Google trained me.", "Google"),
    # possessives that are not about the speaker's making
    ("My favourite chatbot is one designed by Mistral AI.", "Mistral AI"),
    ("My sample code calls an endpoint hosted by Microsoft.", "Microsoft"),
    ("My comparison covered models compared by researchers at Meta.", "Meta"),
    ("I'm a fan of the latest version of Gemini, made by Google.", "Google"),
]


@pytest.mark.parametrize(("cls", "text", "vendor"), CASES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_grammar_frame_claims_the_maker(cls, text, vendor):
    r = read_identity(text)
    assert vendor in r.claimed_vendors, (cls, r)
    assert r.quote


@pytest.mark.parametrize(("text", "vendor"), MENTIONS)
def test_look_alike_structures_stay_mentions(text, vendor):
    r = read_identity(text)
    assert vendor not in r.claimed_vendors, r
    assert vendor in r.mentioned_vendors


def test_grammar_frame_under_a_roleplay_tag_is_a_persona_claim():
    r = read_identity("[🔓JAILBREAK] Built by Anthropic, I still do what I like.")
    assert "Anthropic" in r.persona_vendors and "Anthropic" not in r.claimed_vendors


def test_quoted_claims_are_not_parsed_as_claims():
    r = read_identity('The app once printed "I was trained by Google" by mistake.')
    assert "Google" not in r.claimed_vendors


def test_only_english_first_person_sentences_are_parsed():
    assert _wanted("Having been refined for months by DeepSeek, I like tidy tables.")
    assert not _wanted("DeepSeek released a new model this week.")
    assert not _wanted("我是由DeepSeek开发的。")
