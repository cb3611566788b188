"""The k most frequent n-gram features, the same on every CPU.

scikit-learn's `max_features` keeps the top k terms with an unstable `argsort`, and numpy's SIMD sort
orders ties differently on AVX-512 and AVX2 machines: the same texts gave other features, and other
LRs, on another CPU. Here ties are broken by the term itself (the vocabulary's alphabetical order).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer


def _top_k_columns(x: sparse.spmatrix, k: int | None) -> np.ndarray:
    """Indices (ascending) of the k columns with the largest sums; ties go to the lower index."""
    n = x.shape[1]
    if k is None or n <= k:
        return np.arange(n)
    totals = np.asarray(x.sum(axis=0)).ravel()
    return np.sort(np.argsort(-totals, kind="stable")[:k])


def _fit_counts(vectorizer: CountVectorizer, texts: Sequence[str], max_features: int | None
               ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """`vectorizer.fit_transform(texts)` limited to the `max_features` most frequent terms, and their names.

    `vectorizer` must not set `max_features` itself. Raises ValueError on an empty vocabulary, as
    scikit-learn does.
    """
    if vectorizer.max_features is not None:
        raise ValueError("give max_features here, not to the vectorizer")
    x = vectorizer.fit_transform(texts).tocsr()
    keep = _top_k_columns(x, max_features)
    return x[:, keep], vectorizer.get_feature_names_out()[keep]


def _fit_tfidf(vectorizer: CountVectorizer, texts: Sequence[str], max_features: int | None, *,
              sublinear_tf: bool) -> sparse.csr_matrix:
    """TF-IDF (l2 rows, smoothed idf) over the `max_features` most frequent terms of `vectorizer`'s counts."""
    counts, _ = _fit_counts(vectorizer, texts, max_features)
    return TfidfTransformer(sublinear_tf=sublinear_tf).fit_transform(counts).tocsr()
