"""Scoring: the four answer types, number extraction, phrase extraction, hostile text."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from forensics.probes import ExactAnswer, NumericAnswer, OneOfAnswer, RegexAnswer
from forensics.probes import extract_answer, score_frame, score_response

NUM = {"type": "numeric", "value": 391.0, "tolerance": 0.0}


@pytest.mark.parametrize(
    ("text", "extracted", "correct"),
    [
        ("The answer is 391.", "391", True),
        ("First 12, then 7, finally 391", "391", True),
        ("**Answer:** 391", "391", True),
        ("391 is wrong; it is 392", "392", False),
        ("Total: 1,234,567", "1234567", False),
        ("It is 391.0", "391", True),
        ("No number at all.", "", False),
        ("x = \u2212391", "-391", False),  # unicode minus
        ("from 3-5 items", "5", False),  # a range, not a negative number
        ("１２３", "123", False),  # full-width digits
        ("list: 1,2,3", "3", False),
    ],
)
def test_numeric_last_number(text, extracted, correct):
    assert extract_answer(NUM, text) == extracted
    assert score_response(NUM, text) is correct


def test_numeric_tolerance_and_separators():
    ans = NumericAnswer(value=1234.5, tolerance=0.5)
    assert score_response(ans, "It comes to 1,234.9") is True
    assert score_response(ans, "It comes to 1,235.1") is False
    assert score_response(ans, "about 1,234") is True
    assert extract_answer(ans, "It is 2.5.") == "2.5"
    neg = NumericAnswer(value=-5, tolerance=0)
    assert score_response(neg, "The result is −5.") is True
    assert score_response(neg, "The result is -5") is True


def test_exact_whole_word_and_case():
    ans = ExactAnswer(value="Paris")
    assert score_response(ans, "The capital is **Paris**.") is True
    assert score_response(ans, "Parisian food") is False
    # the final "Answer:" wins over an earlier mention
    assert score_response(ans, "Let me think about Paris.\nAnswer: Lyon") is False
    assert score_response(ExactAnswer(value="Paris", case_sensitive=True), "paris") is False
    assert score_response(ExactAnswer(value="New York"), "It is new   york.") is True
    assert extract_answer(ans, "Thinking...\nFinal answer: **Lyon**.") == "lyon"
    assert extract_answer(ans, "The answer is Lyon.\nBecause...") == "lyon"
    assert len(extract_answer(ans, "word " * 100)) <= 80


def test_one_of_and_regex():
    one = OneOfAnswer(values=["colour", "color"])
    assert score_response(one, "It is a color.") is True
    assert score_response(one, "It is a smell.") is False
    rx = RegexAnswer(pattern=r"\b(?:two|2)\s+r'?s\b")
    assert score_response(rx, "There are TWO R's") is True
    assert score_response(RegexAnswer(pattern="abc", case_sensitive=True), "ABC") is False
    assert extract_answer(rx, "Three r's.") == "three r's"


def test_dict_and_json_answers_agree():
    d = {"type": "exact", "value": "blue"}
    assert score_response(d, "blue") is True
    assert score_response(ExactAnswer(value="blue"), "Blue!") is True


@pytest.mark.parametrize(
    "text",
    [
        "9" * 1_000_000,
        ("a" * 999_000) + " 391",
        "391\x00\x00 NUL\x00",
        "\u202e193\u202c is the answer: \u2067391\u2069",
        "\ud800 lone surrogate 391",
        "﷽" * 50_000,
        "",
        None,
        12345,
    ],
)
def test_hostile_text_never_raises(text):
    for ans in (NUM, ExactAnswer(value="x"), OneOfAnswer(values=["x", "y"]),
                RegexAnswer(pattern=r"\b(?:391|x)\b")):
        assert isinstance(score_response(ans, text), bool)
        assert isinstance(extract_answer(ans, text), str)


def test_hostile_text_still_scored():
    assert score_response(NUM, "391\x00") is True
    assert score_response(NUM, "\u202e391\u202c") is True
    assert score_response(NUM, "a" * 1_000_000 + " answer: 391") is True


def test_backtracking_regex_is_bounded_on_huge_text():
    import time

    t0 = time.perf_counter()
    assert score_response(RegexAnswer(pattern=r"(a|b)*c"), "a" * 1_000_000) is False
    assert time.perf_counter() - t0 < 5.0


def test_score_frame_columns():
    df = pd.DataFrame({
        "model": ["m", "m", "m", "m"],
        "text": ["391", "no", "Paris", "x"],
        "answer": [json.dumps(NUM), None, json.dumps({"type": "exact", "value": "Paris"}),
                   "{not json"],
    })
    out = score_frame(df)
    assert list(out["correct"].astype(object)) == [True, pd.NA, True, pd.NA]
    assert out["extracted"].tolist() == ["391", None, "paris", None]
    assert "correct" not in df.columns  # input untouched
