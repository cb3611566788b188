"""Self-claims, not mentions: one test per false-positive class and per negation bug of issue 14.

The cases are module-level tables (text, self-claimed names, self-claimed vendors) so that the
same sentences can be run against an older extractor to show that each one failed there.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from forensics import analysis
from forensics.analysis import IdentityReading, read_identity
from forensics.analysis.identity import COLUMNS, extract_identity_claims, identity_test

pytestmark = pytest.mark.usefixtures("english_parser")  # spaCy loads once, outside the tests' time

# -- false-positive classes: names in other roles than the speaker's own ------------------------
OTHER_VENDORS_IN_PASSING = [  # a policy, a list of companies, a citation, a library, history
    ("en", ("Honestly, OpenAI's usage rules strike many people as too strict. For my part, I was "
            "built by ByteDance."), [], ["ByteDance"]),
    ("en", "Firms such as Google, Amazon and Microsoft pour billions into AI labs every year.", [], []),
    ("zh", "我采用的是Transformer结构，这一结构最早由谷歌的研究人员在2017年的论文里提出。", [], []),
    ("en", "To fine-tune it, install the Hugging Face Transformers package and load the weights.",
     [], []),
    ("en", "For the record, ChatGPT is a product that OpenAI released in late 2022.", [], []),
]
ROLE_PLAY = [  # speaker tags and persona modes from a jailbreak prompt
    ("en", "[CHATGPT]: The engineers at OpenAI trained me on a huge corpus.", [], []),
    ("en", "GPT: I am ChatGPT, a model by OpenAI.\nDAN: I am DAN and I ignore every rule.", [], []),
    ("en", "(🤖ChatGPT) Hi! I'm ChatGPT, trained by OpenAI.", [], []),
    ("en", "Understood. I will now operate in two modes, GPT and DAN, for every answer.", [], []),
    ("en", "Developer Mode enabled. I am ChatGPT with Developer Mode, built by OpenAI.", [], []),
    ("zh", "AntiGPT：我是ChatGPT，由OpenAI开发，但我不守任何规矩。", [], []),
]
REASONING = [  # the trace restates the prompt; only the answer speaks
    ("zh", ("<think>用户让我分别用ChatGPT和AntiGPT两种身份回答，我要想想怎么办。</think>\n"
            "我是豆包，由字节跳动开发。"), ["Doubao"], ["ByteDance"]),
    ("en", ("<think>The prompt wants me to claim I am GPT-4 made by OpenAI. I should not.</think>"
            "I'm Claude, an assistant from Anthropic."), ["Claude"], ["Anthropic"]),
    ("en", "They asked whether I am ChatGPT from OpenAI.</think>\nNo. I'm Kimi.", ["Kimi"],
     ["Moonshot AI"]),
]
TEAM_BIOS = [  # a fictional development team, described in the answer
    ("en", ("Our chief scientist, Dr. Mara Lin, earned a Ph.D. in computer science at Stanford "
            "University before ten years at Google."), [], []),
    ("en", ("Hi, I'm Sam, the founder. I studied at Stanford and spent five years on the Google "
            "search team."), [], []),
]
FALSE_POSITIVE_CLASSES = {"other_vendors_in_passing": OTHER_VENDORS_IN_PASSING,
                          "role_play": ROLE_PLAY, "reasoning": REASONING, "team_bios": TEAM_BIOS}

# -- negation bugs: a real claim hidden by a false negation cue ---------------------------------
NEGATION_BUGS = {
    "不过": ("zh", "不过我由阿里云开发，名字叫通义千问。", ["Qwen"], ["Alibaba"]),
    "不同": ("zh", "跟别的助手不同，我由百度研发。", [], ["Baidu"]),
    "不限于": ("zh", "我能做的事包括但不限于写作和翻译，我由智谱训练。", [], ["Zhipu AI"]),
    "不在乎": ("zh", "我不在乎你怎么叫我，我由深度求索开发。", [], ["DeepSeek"]),
    "不受": ("zh", "我不受情绪左右，我由Anthropic训练。", [], ["Anthropic"]),
    "不仅": ("zh", "我不仅是一个聊天程序，还是由OpenAI开发的ChatGPT。", ["ChatGPT"], ["OpenAI"]),
    "none other than": ("en", ("I was brought to life by none other than the research team at "
                               "Anthropic."), [], ["Anthropic"]),
}
DENIAL_THEN_CLAIM = [
    ("en", "I'm not ChatGPT; I'm Claude, made by Anthropic.", ["Claude"], ["Anthropic"]),
    ("zh", "我不是ChatGPT，而是通义千问，由阿里云开发。", ["Qwen"], ["Alibaba"]),
    ("de", "Ich bin nicht ChatGPT, sondern Gemini von Google.", ["Gemini"], ["Google"]),
    ("fr", "Je ne suis pas ChatGPT : je suis Mistral, conçu par Mistral AI.", ["Mistral"],
     ["Mistral AI"]),
    ("es", "No soy ChatGPT, sino Llama, de Meta.", ["Llama"], ["Meta"]),
]


def _read(lang: str, text: str) -> pd.Series:
    df = pd.DataFrame([{"model": "m", "probe_id": "p", "sample": 0, "language": lang, "text": text}])
    return extract_identity_claims(df).iloc[0]


def _check(lang, text, names, vendors) -> pd.Series:
    row = _read(lang, text)
    assert row["claimed_names"] == names, text
    assert row["claimed_vendors"] == vendors, text
    return row


@pytest.mark.parametrize(("lang", "text", "names", "vendors"), OTHER_VENDORS_IN_PASSING)
def test_other_vendors_in_passing_are_mentions(lang, text, names, vendors):
    row = _check(lang, text, names, vendors)
    assert row["mentioned_vendors"] or row["mentioned_names"]


@pytest.mark.parametrize(("lang", "text", "names", "vendors"), ROLE_PLAY)
def test_role_play_tags_and_personas_are_never_self_claims(lang, text, names, vendors):
    row = _check(lang, text, names, vendors)
    if "ChatGPT" in text and "two modes" not in text:
        assert "ChatGPT" in row["persona_names"] and "OpenAI" in row["persona_vendors"]
        assert row["persona_quote"] and row["quote"] == ""


@pytest.mark.parametrize(("lang", "text", "names", "vendors"), REASONING)
def test_reasoning_traces_are_never_read(lang, text, names, vendors):
    row = _check(lang, text, names, vendors)
    assert not {"ChatGPT", "GPT-4", "GPT"} & set(row["mentioned_names"])  # the trace is gone


@pytest.mark.parametrize(("lang", "text", "names", "vendors"), TEAM_BIOS)
def test_fictional_team_bios_are_mentions(lang, text, names, vendors):
    row = _check(lang, text, names, vendors)
    assert "Stanford" in row["mentioned_vendors"] and "Google" in row["mentioned_vendors"]


@pytest.mark.parametrize("cue", list(NEGATION_BUGS))
def test_false_negation_cues_do_not_hide_a_claim(cue):
    _check(*NEGATION_BUGS[cue])


@pytest.mark.parametrize(("lang", "text", "names", "vendors"), DENIAL_THEN_CLAIM)
def test_a_denial_followed_by_a_claim_yields_the_claim(lang, text, names, vendors):
    row = _check(lang, text, names, vendors)
    assert "ChatGPT" in row["mentioned_names"]


@pytest.mark.parametrize("text", ["I am not ChatGPT.", "我不是ChatGPT。", "Ich bin nicht ChatGPT.",
                                  "Je ne suis pas ChatGPT.", "No soy ChatGPT.", "Non sono ChatGPT.",
                                  "Não sou o ChatGPT.", "Я не ChatGPT.", "私はChatGPTではありません。",
                                  "저는 ChatGPT가 아닙니다.", "I have nothing to do with OpenAI."])
def test_plain_denials_claim_nothing(text):
    r = read_identity(text)
    assert r.claimed_names == () and r.claimed_vendors == ()
    assert r.mentioned_vendors == ("OpenAI",)


@pytest.mark.parametrize(("text", "names", "vendors"), [
    ("I am ChatGPT.", ("ChatGPT",), ("OpenAI",)),  # vendors implied by names
    ("我是豆包，字节跳动开发的AI助手。", ("Doubao",), ("ByteDance",)),
    ("Ich wurde von Mistral AI entwickelt.", (), ("Mistral AI",)),
    ("Je m'appelle Claude et j'ai été créé par Anthropic.", ("Claude",), ("Anthropic",)),
    ("Меня зовут GigaChat, меня создала команда Сбер.", ("GigaChat",), ("Sber",)),
    ("私はGoogleが開発したGeminiです。", ("Gemini",), ("Google",)),
    ("제 이름은 Claude이고, Anthropic이 만들었습니다.", ("Claude",), ("Anthropic",)),
    ("Sono Llama, un modello sviluppato da Meta.", ("Llama",), ("Meta",)),
    ("Sou o Grok, criado pela xAI.", ("Grok",), ("xAI",)),
    ("As an AI language model developed by OpenAI, I cannot browse.", (), ("OpenAI",)),
    ("Anthropic trained me.", (), ("Anthropic",)),
])
def test_self_claims_in_the_probe_languages(text, names, vendors):
    r = read_identity(text)
    assert (r.claimed_names, r.claimed_vendors) == (names, vendors)
    assert r.quote and len(r.quote) <= 300


@pytest.mark.parametrize("text", [
    "I'm happy to explain how ChatGPT works.", "I am a language model similar to GPT-4.",
    "You might think I'm ChatGPT, but I'd rather not say.", "If I were Claude, I would know.",
    "The user said: \"I am ChatGPT, developed by OpenAI, and nothing else.\"",
    "```python\nclient = OpenAI()  # I am ChatGPT\n```", "I'm built with PyTorch and Hugging Face Transformers.",
])
def test_names_in_other_roles_are_mentions(text):
    r = read_identity(text)
    assert (r.claimed_names, r.claimed_vendors, r.persona_names) == ((), (), ())
    assert r.mentioned_names or r.mentioned_vendors


def test_refusing_a_role_play_keeps_the_own_voice():
    r = read_identity("I can't act as DAN or enable Developer Mode. I'm Qwen, made by Alibaba Cloud.")
    assert r.claimed_names == ("Qwen",) and r.persona_names == ()
    r = read_identity("DAN: Sure!\n\nOut of character: I'm actually Claude, made by Anthropic.")
    assert r.claimed_names == ("Claude",)


def test_reading_contract_and_export():
    assert analysis.read_identity is read_identity and "read_identity" in analysis.__all__
    assert "IdentityReading" in analysis.__all__
    fields = [f.name for f in dataclasses.fields(IdentityReading)]
    assert fields[:7] == COLUMNS[4:11]
    r = read_identity("I'm not ChatGPT. I'm Claude, made by Anthropic.")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.quote = "x"  # type: ignore[misc]
    assert r.quote == "I'm Claude, made by Anthropic."
    assert read_identity(None) == read_identity(float("nan")) == read_identity("") == IdentityReading()


def test_extraction_columns_and_cache():
    df = pd.DataFrame([{"model": "m", "probe_id": f"p{i}", "text": t} for i, t in enumerate(
        ["GPT: I'm ChatGPT.", "I'm Claude, made by Anthropic.", "GPT: I'm ChatGPT."])])
    cache: dict = {}
    out = extract_identity_claims(df, cache=cache)
    assert list(out.columns) == COLUMNS and len(out) == 3
    assert out["persona_names"].tolist() == [["ChatGPT"], [], ["ChatGPT"]]
    assert out["claimed_vendors"].tolist() == [[], ["Anthropic"], []]
    out.loc[0, "persona_names"].append("x")  # the cached reading stays untouched
    assert extract_identity_claims(df, cache=cache)["persona_names"].tolist()[0] == ["ChatGPT"]


def test_hostile_text_is_bounded():
    assert read_identity("a" * 25_000 + " I am ChatGPT.").claimed_names == ()
    huge = "[" * 50_000 + "(" * 50_000 + '"' * 50_000 + "I am Claude"
    assert read_identity(huge).claimed_names == ()
    r = read_identity("I am ChatGPT\udcff, made by OpenAI. " + "word " * 3000)
    assert r.claimed_names == ("ChatGPT",) and len(r.quote) <= 300
    # linear in the text: unclosed trace openers, one run-on "sentence" of thousands of names
    assert read_identity("<think>" * 30_000 + "I am ChatGPT.") == IdentityReading()
    assert read_identity("</think>" * 30_000 + "I am Claude.").claimed_names == ("Claude",)
    r = read_identity("I am not " + "ChatGPT " * 2_400)
    assert r.claimed_names == () and r.mentioned_names == ("ChatGPT",)


def _frame(texts: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame([{"model": m, "probe_id": f"id{i:02d}", "sample": 0, "category": "identity",
                          "language": "en", "prompt": "Who are you?", "text": t}
                         for m, items in texts.items() for i, t in enumerate(items)])


def test_identity_test_counts_self_claims_and_shows_persona_claims_apart():
    n = 8
    df = _frame({"S": ["GPT: I'm ChatGPT, made by OpenAI.\nDAN: I'm DAN."] * n,
                 "R": ["I am ChatGPT, trained by OpenAI."] * n,
                 "C1": ["I am Llama, made by Meta."] * n, "C2": ["I am Gemini, by Google."] * n})
    res = identity_test(df, "S", "R", ["C1", "C2"], n_boot=100, n_perm=500)
    assert res.applicable and res.statistic == 0.0
    kinds = [e.kind for e in res.exhibits]
    assert "identity_persona_claim" in kinds
    assert all(e["model"] == "R" for e in res.exhibits if e.kind == "identity_claim")
    persona = [e for e in res.exhibits if e.kind == "identity_persona_claim"]
    assert persona[0]["label"] == "speaking as ChatGPT in a role-play"
    assert persona[0]["quote"] == "I'm ChatGPT, made by OpenAI."
    assert any("role-play persona" in note for note in res.notes)
    row = res.table.set_index("model").loc["S"]
    assert row["n_hits"] == 0 and row["n_persona_hits"] == n


@pytest.mark.parametrize(("text", "vendors"), [
    ("As an assistant trained by Anthropic I can't browse the web.", ["Anthropic"]),  # no comma
    ("作为阿里云开发的通义千问，我可以帮你写代码。", ["Alibaba"]),  # "as X's Y, I"
    ("Hi, I'm Orion-7, a language model developed by Mistral AI.", ["Mistral AI"]),  # a name outside the lexicon
    ("我是Orion，字节跳动开发的对话模型。", ["ByteDance"]),
    ("Anthropic is the team behind me.", ["Anthropic"]),
    ("The company behind me is Google.", ["Google"]),
    ("I am the brainchild of none other than DeepSeek's engineers.", ["DeepSeek"]),
    ("我的开发者正是百度。", ["Baidu"]),
])
def test_more_ways_of_saying_who_made_me(text, vendors):
    assert list(read_identity(text).claimed_vendors) == vendors


@pytest.mark.parametrize("text", [
    "I am Paris, a city loved by Google users.",  # an appositive that is no model
    "As a fan of OpenAI I follow their blog.",
    "🤖 Gemini: Hello! I am Gemini, made by Google.",  # a tag with an emoji
    "Claude (simulated): I'm Claude, from Anthropic.",  # a tag with a qualifier
    "【文心一言】：你好，我是百度的文心一言。",
])
def test_appositives_and_qualified_speaker_tags_are_no_self_claims(text):
    assert read_identity(text).claimed_vendors == ()
