"""The run's score cache: keys, resume, the score columns the evidence reads, and refusals."""

import subprocess
import sys

import pytest

import forensics
from forensics.collect import score_run
from forensics.core import InputError
from forensics.evidence import responses_with_scores
from forensics.store import ScoreCache, cached_scores, load_run, run_texts, text_key


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


def test_scores_are_cached_resumed_and_read_as_columns(run_dir, monkeypatch, tmp_path):
    from forensics.backends import Capabilities

    gguf = tmp_path / "w.gguf"
    gguf.write_bytes(b"weights")
    fake = _FakeScorer(gguf)
    fake.capabilities = Capabilities(scoring=True)
    monkeypatch.setattr("forensics.collect._score.make_backend", lambda cfg: fake)
    first = score_run(run_dir, [("m1", f"llamacpp:{gguf}")])
    n_texts = run_texts(run_dir)["text_key"].nunique()
    assert first[0].scored == n_texts and first[0].scorer_id.startswith("sha256:")
    calls = _FakeScorer.calls
    again = score_run(run_dir, [("m1", f"llamacpp:{gguf}")])
    assert again[0].scored == 0 and again[0].cached == n_texts and _FakeScorer.calls == calls
    assert len(cached_scores(run_dir)) == n_texts
    df = responses_with_scores(load_run(run_dir))
    assert df["logprob:m1"].to_numpy() == pytest.approx(-0.1)  # -0.1 nats per character


def test_a_backend_that_cannot_score_is_refused(run_dir):
    with pytest.raises(InputError, match="cannot score"):
        score_run(run_dir, [("api", "openai:gpt@http://127.0.0.1:9/v1")])


def test_score_cli_refuses_an_unknown_scorer(run_dir):
    done = subprocess.run([sys.executable, "-m", "forensics", "score", str(run_dir), "--scorer", "nobody"],
                          capture_output=True, text=True)
    assert done.returncode != 0 and "not a model of this run" in done.stderr + done.stdout


def test_without_scores_the_responses_are_unchanged(run_dir):
    run = load_run(run_dir)
    assert responses_with_scores(run) is run.responses
    with ScoreCache(run_dir) as c:
        assert c.scorers() == {}
