"""Known-answer tests for forensics.analysis.similarity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forensics.analysis._text import _lcs_length, _lcs_ratio
from forensics.analysis.similarity import content_words, jaccard, similarity_analyses
from forensics.evidence import hashing_embed
from tests.synthetic import make_responses


def _lcs_dp(a, b):
    dp = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            dp[i + 1][j + 1] = dp[i][j] + 1 if x == y else max(dp[i][j + 1], dp[i + 1][j])
    return dp[-1][-1]


def test_bit_parallel_lcs_matches_dynamic_programming():
    rng = np.random.default_rng(0)
    for _ in range(300):
        a = list(rng.integers(0, 4, rng.integers(0, 40)))
        b = list(rng.integers(0, 4, rng.integers(0, 40)))
        assert _lcs_length(a, b) == _lcs_dp(a, b)
    assert _lcs_ratio(["a", "b"], ["a", "b"]) == 1.0 and _lcs_ratio([], []) == 1.0


def test_identical_texts_give_maximal_similarity():
    df, s, r, controls = make_responses(0, n_probes=20)
    copy = df[df["model"] == r].assign(model=s)
    df = pd.concat([df[df["model"] != s], copy], ignore_index=True)
    results = {x.name: x for x in similarity_analyses(df, s, r, controls, embed=hashing_embed,
                                                      n_perm=200, n_boot=200)}
    for name in ("similarity.embedding_cosine", "similarity.tfidf_word", "similarity.tfidf_char",
                 "similarity.lcs_ratio", "similarity.content_overlap"):
        res = results[name]
        assert res.applicable
        assert res.table["sim_sr"].to_numpy() == pytest.approx(1.0, abs=1e-5)
        assert res.statistic > max(res.control_statistics.values())
        assert res.p_value < 0.05 and res.ci_low > 0
    ex = results["similarity.lcs_ratio"].exhibits
    assert ex and set(ex[0]["texts"]) == {"suspect", "reference", "nearest_control"}
    assert ex[0]["texts"]["suspect"]["text"] == ex[0]["texts"]["reference"]["text"]
    assert not results["similarity.embedding_mmd"].applicable


def test_content_words_leave_out_the_prompt_and_stop_words():
    got = content_words("The capital of France is Paris, a lovely city on the Seine.",
                        "What is the capital of France?")
    assert got == {"paris", "lovely", "city", "seine"}
    assert jaccard(frozenset({"a", "b"}), frozenset({"b", "c"})) == pytest.approx(1 / 3)
    assert np.isnan(jaccard(frozenset(), frozenset()))


def test_content_overlap_counts_shared_choices_not_the_prompt():
    """Two answers that only repeat the prompt's words share nothing; shared examples do."""
    prompt = "Name three fruits that are rich in vitamin C."
    rows = []
    for i in range(12):
        for model, text in (("S", "Guava, kiwi and papaya are rich in vitamin C."),
                            ("R", "Kiwi, guava and papaya: all rich in vitamin C."),
                            ("C1", "Oranges, lemons and strawberries are rich in vitamin C."),
                            ("C2", "Blackcurrants, peppers and grapefruit; fruits rich in vitamin C."),
                            ("C3", "Lychees, pineapple and mango are fruits rich in vitamin C.")):
            rows.append({"model": model, "probe_id": f"p{i}", "sample": 0, "prompt": prompt,
                         "text": text, "category": "adhoc"})
    res = similarity_analyses(pd.DataFrame(rows), "S", "R", ["C1", "C2", "C3"],
                              measures=["content_overlap"], n_perm=100, n_boot=100)[0]
    assert res.applicable
    assert res.table["sim_sr"].to_numpy() == pytest.approx(1.0)
    assert res.table["sim_sc_max"].to_numpy() == pytest.approx(0.0)


def test_results_are_reproducible_and_oriented():
    df, s, r, controls = make_responses(4, n_probes=25, distilled=0.7)
    a = similarity_analyses(df, s, r, controls, embed=hashing_embed, n_perm=300, n_boot=300, seed=5)
    b = similarity_analyses(df, s, r, controls, embed=hashing_embed, n_perm=300, n_boot=300, seed=5)
    for x, y in zip(a, b):
        assert x.p_value == y.p_value and x.ci_low == y.ci_low or not x.applicable
        pd.testing.assert_frame_equal(x.table, y.table)
    applicable = [x for x in a if x.applicable]
    assert all(x.statistic > np.mean(list(x.control_statistics.values())) for x in applicable)


def test_mmd_with_several_samples_and_equality_note():
    df, s, r, controls = make_responses(2, n_probes=12, n_samples=3, distilled=0.8)
    res = {x.name: x for x in similarity_analyses(df, s, r, controls, embed=hashing_embed,
                                                  n_perm=100, n_boot=100)}
    mmd = res["similarity.embedding_mmd"]
    assert mmd.applicable and mmd.n == 12
    assert any("model-equality MMD test" in n for n in mmd.notes)


def test_not_applicable_and_hostile_text():
    df, s, r, controls = make_responses(1, n_probes=15)
    one = similarity_analyses(df, s, r, controls[:1], embed=hashing_embed, n_perm=50, n_boot=50)
    assert not any(x.applicable for x in one)
    hostile = df.copy()
    hostile.loc[0, "text"] = None
    hostile.loc[1, "text"] = "x\x00y" * 200_000
    hostile.loc[2, "text"] = ""
    out = similarity_analyses(hostile, s, r, controls, embed=hashing_embed, n_perm=50, n_boot=50)
    assert all(np.isfinite(x.statistic) for x in out if x.applicable)
    no_embed = similarity_analyses(df, s, r, controls, embed=None, n_perm=50, n_boot=50)
    assert not no_embed[0].applicable and no_embed[1].applicable


@pytest.mark.slow
def test_real_embedder_is_offline_cached_and_normalised(tmp_path):
    import os

    from forensics.evidence import Embedder, find_model_dir

    assert (find_model_dir() / "config.json").exists()
    texts = ["The cat sat on the mat.", "A cat is sitting on a mat.", "Stock markets fell sharply.",
             "The cat sat on the mat.", "x" * 100_000, ""]
    emb = Embedder(tmp_path)
    v = emb.embed(texts)
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert v.shape == (6, 384) and v.dtype == np.float32
    assert np.linalg.norm(v[:5], axis=1) == pytest.approx(1.0, abs=1e-5)
    assert (v[0] == v[3]).all()
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert len(list(tmp_path.rglob("*.npy"))) == 5
    again = Embedder(tmp_path)
    assert (again.embed(texts) == v).all() and again._model is None  # read from disk, no model load
