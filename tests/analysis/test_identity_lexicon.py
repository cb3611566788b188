"""The identity lexicon: one data file; every spelling finds itself; common words are not names."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

import forensics.analysis as analysis_pkg
from forensics.analysis import read_identity
from forensics.analysis._identity_lexicon import LEXICON_PATH, _find_hits, _load_lexicon
from forensics.analysis.identity import KNOWN_VENDORS, MODEL_VENDOR

ENTRIES, VENDORS = _load_lexicon()
SPELLINGS = [(canon, kind, vendor, alias, key) for canon, kind, vendor, spell in ENTRIES
             for key in ("aliases", "exact") for alias in spell[key]]
CANONICAL_VENDORS = ["OpenAI", "Anthropic", "Google", "Meta", "Alibaba", "Mistral AI", "Microsoft",
                     "DeepSeek", "Hugging Face", "Stanford", "LMSYS", "LAION", "TII", "Cohere", "01.AI",
                     "Zhipu AI", "Baidu", "xAI", "Moonshot AI", "ByteDance", "MiniMax", "Tencent",
                     "StepFun", "AI21 Labs", "Amazon", "IBM", "Nvidia", "Apple", "Baichuan", "iFlytek",
                     "SenseTime", "Allen AI", "Stability AI", "EleutherAI", "Databricks"]


def test_the_lexicon_is_one_data_file_in_the_package():
    assert LEXICON_PATH.parent == Path(analysis_pkg.__file__).parent
    assert LEXICON_PATH.suffix == ".yaml" and LEXICON_PATH.is_file()
    assert set(CANONICAL_VENDORS) <= set(KNOWN_VENDORS) == set(VENDORS)
    assert all(v is None or v in VENDORS for v in MODEL_VENDOR.values())
    assert len(SPELLINGS) > 200


def _ids(case) -> str:
    return f"{case[0]}:{case[3]}"


@pytest.mark.parametrize("case", SPELLINGS, ids=[_ids(c) for c in SPELLINGS])
def test_every_spelling_is_claimed_in_context_and_maps_to_its_vendor(case):
    canon, kind, vendor, alias, key = case
    assert unicodedata.normalize("NFKC", alias) == alias  # responses are NFKC before matching
    for text in (f"I am {alias}.", f"我是{alias}。"):
        hits = _find_hits(text)
        assert [(text[h.start:h.end], h.canon) for h in hits] == [(alias, canon)], text
        r = read_identity(text)
        if kind == "name":
            assert r.claimed_names == (canon,), text
            assert r.claimed_vendors == ((vendor,) if vendor else ()), text
        else:
            assert (r.claimed_names, r.claimed_vendors) == ((), (canon,)), text
    if key == "aliases":  # any case
        for variant in {alias.lower(), alias.upper()}:
            assert [h.canon for h in _find_hits(f"I am {variant}.")] == [canon], variant


@pytest.mark.parametrize(("text", "canon"), [
    ("GPT-4o mini", "GPT-4"), ("gpt-4-turbo", "GPT-4"), ("GPT 4.1", "GPT-4"), ("gpt-5-mini", "GPT-5"),
    ("Qwen2.5-72B-Instruct", "Qwen"), ("Llama-3.1-8B", "Llama"), ("claude-3-opus", "Claude"),
    ("gemini-1.5-pro", "Gemini"), ("Step-2", "Step"), ("Granite-3.1", "Granite"), ("abab6.5s", "abab"),
    ("Phi-3.5-mini", "Phi"), ("Yi-Large", "Yi"), ("GLM-4", "GLM"), ("DeepSeek-R1", "DeepSeek"),
    ("Mistral-7B", "Mistral"), ("mixtral-8x7b", "Mixtral"), ("vicuna-13b", "Vicuna"),
])
def test_version_patterns(text, canon):
    assert [h.canon for h in _find_hits(f"Model: {text} here")] == [canon]


@pytest.mark.parametrize("text", [
    "Let's go step by step.", "Step 1: open the file.", "A nova is a stellar explosion.",
    "We installed a granite countertop.", "a spark of inspiration", "Meta-analysis pools studies.",
    "the meta-analysis", "Open the command line.", "Command line tools", "metadata and metaphors",
    "the minimax algorithm", "I grok the idea.", "a palm tree", "the falcon flew", "phi is 1.618",
    "a gemma of the plant", "the mistral wind", "the bard sang", "dolly the sheep", "a titan of industry",
    "这个文件有1024字节。", "我们商量一下吧。", "星星之火，可以燎原。", "海纳百川，有容乃大。",
    "a cohere-ent plan", "an apple a day", "amazonian forests",
])
def test_common_words_are_not_names(text):
    assert _find_hits(text) == [], [text[h.start:h.end] for h in _find_hits(text)]
