"""The top-k n-gram features are chosen the same way on every CPU: ties go to the earlier term."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from forensics.analysis._features import _fit_counts, _fit_tfidf, _top_k_columns

TEXTS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog", "on the mat a log"]


def test_ties_at_the_boundary_go_to_the_earlier_column_whatever_the_sort():
    x = sparse.csr_matrix(np.array([[3, 1, 2, 2, 2, 0], [0, 1, 0, 0, 0, 5]]))
    # column sums 3 2 2 2 2 5: the top 3 are 5, 0 and the first of the four tied 2s
    assert _top_k_columns(x, 3).tolist() == [0, 1, 5]
    assert _top_k_columns(x, 10).tolist() == list(range(6))
    assert _top_k_columns(x, None).tolist() == list(range(6))


def test_counts_keep_the_most_frequent_terms_in_vocabulary_order():
    x, names = _fit_counts(CountVectorizer(), TEXTS, 4)
    full = CountVectorizer().fit(TEXTS)
    totals = dict(zip(full.get_feature_names_out(), np.asarray(full.transform(TEXTS).sum(axis=0)).ravel()))
    # "the" leads; among the terms tied at the boundary the alphabetically first ones are kept
    ranked = sorted(totals, key=lambda t: (-totals[t], t))[:4]
    assert names.tolist() == sorted(ranked)
    assert x.shape == (len(TEXTS), 4)
    assert (x.toarray() == full.transform(TEXTS)[:, [full.vocabulary_[t] for t in names]].toarray()).all()


def test_without_ties_the_matrices_equal_scikit_learns():
    texts = ["aaaa bbb cc d", "aaaa bbb cc", "aaaa bbb", "aaaa"]  # counts 4 3 2 1: no ties
    x, names = _fit_counts(CountVectorizer(), texts, 3)
    ref = CountVectorizer(max_features=3).fit(texts)
    assert names.tolist() == ref.get_feature_names_out().tolist()
    assert (x.toarray() == ref.transform(texts).toarray()).all()
    tfidf = _fit_tfidf(CountVectorizer(dtype=np.float32), texts, 3, sublinear_tf=True)
    want = TfidfVectorizer(max_features=3, sublinear_tf=True, dtype=np.float32).fit_transform(texts)
    assert tfidf.dtype == want.dtype and np.array_equal(tfidf.toarray(), want.toarray())


def test_the_limit_belongs_to_the_helper():
    with pytest.raises(ValueError, match="max_features"):
        _fit_counts(CountVectorizer(max_features=3), TEXTS, 3)
