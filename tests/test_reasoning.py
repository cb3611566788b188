"""Reasoning traces: kept apart from the answer, stored, exported, and analysed on their own."""

import json

import numpy as np
import pandas as pd
import pytest

import forensics
from forensics.backends import ModelConfig
from forensics.core import split_reasoning, with_reasoning
from forensics.evidence import analyze_responses, hashing_embed
from forensics.store import RunStore, export_run, verify_run

from .support.fake_openai import FakeOpenAIServer, ServerConfig


def test_think_blocks_split_from_the_answer():
    assert split_reasoning("<think>Okay, so 2+2.</think>\n\nIt is 4.") == ("Okay, so 2+2.", "It is 4.")
    assert split_reasoning("plain answer") == (None, "plain answer")
    assert split_reasoning("<THINK>a</THINK>x<think>b</think>y") == ("a\n\nb", "xy")
    assert split_reasoning("<think>cut off before the end") == ("cut off before the end", "")
    assert split_reasoning(None) == (None, "")
    assert split_reasoning(with_reasoning("Wait, hmm.", "Answer.")) == ("Wait, hmm.", "Answer.")
    assert with_reasoning(None, "Answer.") == with_reasoning("  ", "Answer.") == "Answer."


def test_reasoning_content_from_a_server_is_stored_and_exported_apart(tmp_path, small_suite):
    with FakeOpenAIServer(ServerConfig(reasoning=True)) as srv:
        model = ModelConfig(name="r1", spec=f"openai:deep@{srv.base_url}", timeout_s=5)
        run = forensics.run_suite([model], out=tmp_path / "r", suites=[small_suite], progress=False,
                                  use_cache=False)
    row = run.responses.iloc[0]
    assert row["reasoning"].startswith("Okay, so deep needs to answer")
    assert row["text"].startswith("[deep] answer") and "<think>" not in row["text"]
    with RunStore(tmp_path / "r") as st:  # one stored, hashed text holds both
        stored = st.conn.execute("SELECT text FROM responses LIMIT 1").fetchone()[0]
    assert stored.startswith("<think>Okay, so") and verify_run(tmp_path / "r") == []
    export_run(tmp_path / "r", "jsonl", tmp_path / "x.jsonl")
    first = json.loads((tmp_path / "x.jsonl").read_text().splitlines()[0])
    assert first["reasoning"].startswith("Okay, so") and not first["text"].startswith("<think>")


def test_think_text_from_any_model_is_split_too(tmp_path, small_suite):
    run = forensics.run_suite([("thinker", lambda m, p: "<think>Let me see.</think>Fine.")], out=tmp_path / "r",
                              suites=[small_suite], progress=False, use_cache=False)
    assert set(run.responses["text"]) == {"Fine."} and set(run.responses["reasoning"]) == {"Let me see."}


def _frame(with_traces: set[str]) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    words = [f"w{k}" for k in range(300)]
    rows = []
    for m in ["S", "R", "c1", "c2", "c3"]:
        for p in range(40):
            base = " ".join(rng.choice(words, 30))
            trace = (f"okay so probe {p} needs " + " ".join(rng.choice(words, 20))) if m in with_traces else None
            rows.append({"model": m, "probe_id": f"p{p:02d}", "sample": 0, "suite": "t", "category": "style",
                         "language": "en", "prompt": f"q{p}", "text": base, "answer": None, "reasoning": trace})
    return pd.DataFrame(rows)


def test_analyses_run_on_the_reasoning_where_both_models_give_one():
    ev = analyze_responses(_frame({"S", "R", "c1", "c2", "c3"}), "S", "R", ["c1", "c2", "c3"],
                           embed=hashing_embed, n_perm=200, n_boot=100)
    names = set(ev.summary["analysis"])
    assert {"reasoning.tfidf_word", "reasoning.embedding_cosine"} <= names
    assert "similarity.tfidf_word" in names  # the answers are analysed as before
    ev = analyze_responses(_frame({"S", "c1", "c2"}), "S", "R", ["c1", "c2", "c3"], embed=hashing_embed,
                           n_perm=200, n_boot=100)
    assert not any(str(n).startswith("reasoning.") for n in ev.summary["analysis"])  # R gives none


@pytest.mark.slow
def test_the_report_shows_the_reasoning_collapsed_beside_the_answer(tmp_path):
    from forensics.report import write_report

    rng = np.random.default_rng(1)
    words = [f"w{k}" for k in range(80)]
    shared = {p: " ".join(rng.choice(words, 25)) for p in range(30)}

    def model(name):
        def fn(messages, params):
            p = int(messages[-1]["content"].split()[-1])
            own = shared[p] if name in ("S", "R") else " ".join(rng.choice(words, 25))
            return f"<think>Okay, so <b>probe</b> {p}.</think>{own}"
        return fn

    from forensics.probes import Probe, Suite

    suite = Suite(name="t", version="1", description="t",
                  probes=[Probe(id=f"p{p:02d}", category="style", prompt=f"Say something {p}") for p in range(30)])
    forensics.run_suite([(m, model(m)) for m in ("S", "R", "c1", "c2", "c3")], out=tmp_path / "r",
                        suites=[suite], progress=False, use_cache=False)
    forensics.analyze(tmp_path / "r", "S", "R", ["c1", "c2", "c3"], embed=hashing_embed)
    html = write_report(tmp_path / "r").read_text()
    assert '<details class="reasoning"><summary>Reasoning trace' in html
    assert "<b>probe</b>" not in html and "&lt;b&gt;probe&lt;/b&gt;" in html  # escaped, never markup


def _split_by_regex(text: str):
    """The previous definition (lazy blocks, then an unclosed tail), as the reference."""
    import re

    if "<think" not in text.lower():
        return None, text
    block = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
    parts = block.findall(text)
    answer = block.sub("", text)
    tail = re.search(r"<think>(.*)\Z", answer, re.DOTALL | re.IGNORECASE)
    if tail:
        parts.append(tail.group(1))
        answer = answer[:tail.start()]
    reasoning = "\n\n".join(p.strip() for p in parts if p.strip())
    return (reasoning or None), answer.strip()


def test_splitting_agrees_with_the_block_definition_on_random_tag_soup():
    """Same results as the block regexes (which also joined "<thin" + a removed block + "k>" into a
    new tag: that artefact is not kept, so such fragments are not in the soup)."""
    import random

    rng = random.Random(0)
    pieces = ["<think>", "</think>", "<THINK>", "</Think>", "a", "b c", "\n", "<", ">"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert split_reasoning(text) == _split_by_regex(text), text


def test_thousands_of_unclosed_tags_are_one_trace():
    text = "<think>" * 20_000 + "x"
    reasoning, answer = split_reasoning(text)
    assert answer == "" and reasoning == "<think>" * 19_999 + "x"
