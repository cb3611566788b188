"""The run's score cache: keys, resume, the score columns the evidence reads, and refusals."""


import pytest

import forensics
from forensics.collect import score_run
from forensics.core import InputError
from forensics.evidence import responses_with_scores
from forensics.store import ScoreCache, cached_scores, load_run, run_texts, text_key

from .support.cli import run_cli


class _FakeScorer:
    """A scorer that charges each character -0.1 nats (known answer), counting its calls."""

    calls = 0

    def __init__(self, path):
        self.path = path

    def score(self, messages, text):
        from forensics.backends import TokenLogprobs

        type(self).calls += 1
        return TokenLogprobs(tuple(range(len(text))), tuple(-0.1 for _ in text))

    async def aclose(self):
        pass


@pytest.fixture
def run_dir(tmp_path, small_suite):
    forensics.run_suite([("sc-1", lambda m, p: "one answer"), ("sc-2", lambda m, p: "another, longer answer")],
                        out=tmp_path / "r", suites=[small_suite], progress=False, use_cache=False)
    return tmp_path / "r"


def test_text_keys_cover_prompt_and_text_and_survive_surrogates():
    m = [{"role": "user", "content": "hi"}]
    assert text_key(m, "a") != text_key(m, "b") != text_key([{"role": "user", "content": "ho"}], "a")
    assert len(text_key(m, "bad \ud800 text")) == 64


def test_run_texts_use_the_probes_own_chat(run_dir):
    t = run_texts(run_dir)
    row = t[(t["model"] == "sc-1") & (t["probe_id"] == "s-style-1")].iloc[0]
    assert row["messages"][0] == {"role": "system", "content": "You are terse."}
    assert row["text_key"] == text_key(row["messages"], "one answer")


@pytest.fixture
def gguf(monkeypatch, tmp_path):
    """A weights file whose scorer is the fake above (every backend made is that fake)."""
    from forensics.backends import Capabilities

    path = tmp_path / "w.gguf"
    path.write_bytes(b"weights")
    fake = _FakeScorer(path)
    fake.capabilities = Capabilities(scoring=True)
    monkeypatch.setattr("forensics.collect._score.make_backend", lambda cfg: fake)
    return path


def test_scores_are_cached_resumed_and_read_as_columns(run_dir, gguf):
    first = score_run(run_dir, [("m1", f"llamacpp:{gguf}")])
    n_texts = run_texts(run_dir)["text_key"].nunique()
    assert first[0].scored == n_texts and first[0].scorer_id.startswith("sha256:")
    calls = _FakeScorer.calls
    again = score_run(run_dir, [("m1", f"llamacpp:{gguf}")])
    assert again[0].scored == 0 and again[0].cached == n_texts and _FakeScorer.calls == calls
    assert len(cached_scores(run_dir)) == n_texts
    df = responses_with_scores(load_run(run_dir))
    assert df["logprob:m1"].to_numpy() == pytest.approx(-0.1)  # -0.1 nats per character


def test_a_backend_that_cannot_score_is_refused(run_dir, tmp_path):
    transcripts = tmp_path / "t.jsonl"
    transcripts.write_text('{"prompt": "hi", "response": "hello"}\n')
    with pytest.raises(InputError, match="cannot score given text"):
        score_run(run_dir, [("replayed", f"replay:{transcripts}")])


def test_a_server_that_cannot_score_is_named_with_its_answer(run_dir, fake_server):
    from forensics.backends import ScoringUnsupported

    with pytest.raises(ScoringUnsupported, match="fake-model.*cannot score given text"):
        score_run(run_dir, [("api", f"openai:fake-model@{fake_server.base_url}")])


def test_score_cli_refuses_an_unknown_scorer(run_dir):
    done = run_cli("score", str(run_dir), "--scorer", "nobody")
    assert done.returncode != 0 and "not a model of this run" in done.stderr + done.stdout


def test_without_scores_the_responses_are_unchanged(run_dir):
    run = load_run(run_dir)
    assert responses_with_scores(run) is run.responses
    with ScoreCache(run_dir) as c:
        assert c.scorers() == {}


def test_texts_to_score_skip_a_scorers_own_texts_and_the_fingerprint_answers():
    import pandas as pd

    from forensics.collect import texts_to_score

    rows = [("m1", "p2", "style", "a"), ("m2", "p2", "style", "b"), ("m1", "p1", "style", "c"),
            ("m2", "p1", "style", "c"),  # the same text from both: m1 still needs it for m2's sake
            ("m2", "f1", "fingerprint", "d")]
    texts = pd.DataFrame([{"model": m, "probe_id": p, "category": c, "sample": 0, "messages": [], "text": t,
                           "text_key": f"{p}:{t}"} for m, p, c, t in rows])
    todo = texts_to_score(texts, "m1")
    assert list(todo["text_key"]) == ["p1:c", "p2:b"]  # in prompt order; m1's own "a" and the fingerprint "d" skipped
    assert list(texts_to_score(texts, "other")["text_key"]) == ["p1:c", "p2:a", "p2:b"]
    assert "f1:d" in set(texts_to_score(texts, "other", skip_categories=())["text_key"])


def test_a_scorer_named_like_a_model_leaves_that_models_texts_unscored(run_dir, gguf):
    done = score_run(run_dir, [("sc-1", f"llamacpp:{gguf}")])
    df = responses_with_scores(load_run(run_dir))
    assert df.loc[df["model"] == "sc-1", "logprob:sc-1"].isna().all()
    assert df.loc[df["model"] == "sc-2", "logprob:sc-1"].notna().all()
    assert done[0].scored == run_texts(run_dir).query("model == 'sc-2'")["text_key"].nunique()
