"""Identity claims: multilingual extraction with negation, and the S-vs-controls test.

claimed_vendors include the vendors implied by claimed names ("Je suis Mistral" -> Mistral AI),
and a name after "inspired by" is a mention, not a claim (issue 14).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forensics.analysis.identity import (
    MODEL_VENDOR,
    canonical_identity,
    extract_identity_claims,
    identity_test,
)

pytestmark = pytest.mark.usefixtures("english_parser")  # spaCy loads once, outside the tests' time


def _frame(texts: dict[str, list[str]], category: str = "identity", lang: str = "en"
           ) -> pd.DataFrame:
    rows = []
    for model, items in texts.items():
        for i, t in enumerate(items):
            rows.append({"model": model, "probe_id": f"id{i:02d}", "sample": 0, "suite": "t",
                         "category": category, "language": lang, "prompt": f"Who are you? ({i})",
                         "text": t, "answer": None})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("lang", "text", "names", "vendors"),
    [
        ("en", "I am ChatGPT, a large language model trained by OpenAI.", ["ChatGPT"], ["OpenAI"]),
        ("en", "I'm not ChatGPT. I am Claude, made by Anthropic.", ["Claude"], ["Anthropic"]),
        ("en", "I was created by Anthropic, not OpenAI.", [], ["Anthropic"]),
        ("de", "Ich bin Claude, ein KI-Assistent von Anthropic.", ["Claude"], ["Anthropic"]),
        ("de", "Ich bin nicht ChatGPT, sondern Llama von Meta.", ["Llama"], ["Meta"]),
        ("fr", "Je suis Llama, un modèle développé par Meta.", ["Llama"], ["Meta"]),
        ("fr", "Je ne suis pas ChatGPT. Je suis Mistral.", ["Mistral"], ["Mistral AI"]),
        ("es", "Soy Gemini, un modelo de Google.", ["Gemini"], ["Google"]),
        ("es", "No soy ChatGPT; soy Qwen, creado por Alibaba Cloud.", ["Qwen"], ["Alibaba"]),
        ("zh", "我是通义千问，由阿里云开发的大语言模型。", ["Qwen"], ["Alibaba"]),
        ("zh", "我不是ChatGPT，我是DeepSeek。", ["DeepSeek"], ["DeepSeek"]),
        ("zh", "我是文心一言，百度研发的知识增强大语言模型。", ["ERNIE"], ["Baidu"]),
        ("ja", "私はChatGPTではありません。私はClaudeです。", ["Claude"], ["Anthropic"]),
        ("en", "I am an AI assistant. Meta-analysis is a statistical method.", [], []),
        ("en", "I'm Qwen2.5, inspired by GPT-4o? No: I'm Qwen.", ["Qwen"], ["Alibaba"]),
    ],
)
def test_extraction_multilingual(lang, text, names, vendors):
    out = extract_identity_claims(_frame({"m": [text]}, lang=lang))
    row = out.iloc[0]
    assert row["language"] == lang
    assert row["claimed_names"] == names
    assert row["claimed_vendors"] == vendors
    assert (row["quote"] != "") == bool(names or vendors)
    assert len(row["quote"]) <= 300


def test_extraction_hostile_text():
    texts = ["I am Claude" + "\x00" * 10 + " by Anthropic", "\u202eI am ChatGPT\u202c",
             "x" * 1_000_000 + " I am ChatGPT", "I am ChatGPT. " + "y" * 5000, ""]
    out = extract_identity_claims(_frame({"m": texts}))
    assert out["claimed_names"].tolist()[:2] == [["Claude"], ["ChatGPT"]]
    assert out["claimed_names"].iloc[2] == []  # beyond the scanned prefix
    assert len(out["quote"].iloc[3]) <= 300


def test_vendor_map_and_canonical_names():
    assert MODEL_VENDOR["Qwen"] == "Alibaba" and MODEL_VENDOR["Llama"] == "Meta"
    names, vendors, literal = canonical_identity(["Qwen2.5-7B-Instruct", "MyBot"])
    assert names == {"Qwen"} and vendors == {"Alibaba"} and literal == ["MyBot"]


def _identity_runs(s_claims: str, n: int = 8) -> pd.DataFrame:
    return _frame({
        "S": [s_claims] * n,
        "R": ["I am Qwen, created by Alibaba Cloud."] * n,
        "C1": ["I am Llama, made by Meta."] * n,
        "C2": ["I'm an AI assistant with no particular name."] * (n - 1) + ["I am Qwen."],
        "C3": ["I am Mistral."] * n,
    })


def test_identity_test_detects_borrowed_identity():
    res = identity_test(_identity_runs("我是通义千问，由阿里云开发。"), "S", "R", ["C1", "C2", "C3"],
                        seed=1, n_boot=300, n_perm=2000)
    assert res.applicable and res.n == 8
    assert res.statistic == pytest.approx(1 - (0 + 1 / 8 + 0) / 3)
    assert res.p_value < 0.01
    assert res.ci_low <= res.statistic <= res.ci_high
    assert set(res.control_statistics) == {"C1", "C2", "C3"}
    assert res.control_statistics["C2"] == pytest.approx(1 / 8)
    assert any(e["model"] == "S" and "通义千问" in e["quote"] for e in res.exhibits)
    assert any("Qwen" in n for n in res.notes)


def test_identity_test_no_signal_when_suspect_like_controls():
    res = identity_test(_identity_runs("I am Claude, by Anthropic."), "S", "R", ["C1", "C2", "C3"],
                        n_boot=200, n_perm=2000)
    assert res.statistic < 0 and res.p_value > 0.5


def test_identity_test_negated_claim_is_not_a_hit():
    res = identity_test(_identity_runs("I am not Qwen and not from Alibaba."), "S", "R",
                        ["C1", "C2", "C3"], n_boot=200, n_perm=2000)
    assert res.statistic <= 0 and res.p_value > 0.5


def test_identity_test_reference_names_and_not_applicable():
    df = _frame({"S": ["I am MyBot."] * 5, "R": ["Hello."] * 5,
                 "C1": ["I am Claude."] * 5, "C2": ["Hi."] * 5})
    res = identity_test(df, "S", "R", ["C1", "C2"])
    assert not res.applicable and res.p_value == 1.0 and np.isnan(res.statistic)
    res = identity_test(df, "S", "R", ["C1", "C2"], reference_names=["MyBot"], n_perm=2000)
    assert res.applicable and res.statistic == pytest.approx(1.0) and res.p_value < 0.05


def test_identity_falls_back_to_all_responses_and_is_reproducible():
    df = _identity_runs("I am Qwen.")
    df["category"] = "style"
    a = identity_test(df, "S", "R", ["C1", "C2", "C3"], seed=5, n_boot=200, n_perm=1000)
    b = identity_test(df, "S", "R", ["C1", "C2", "C3"], seed=5, n_boot=200, n_perm=1000)
    assert a.summary_row() == b.summary_row()
    assert any("no identity probes" in n for n in a.notes)
