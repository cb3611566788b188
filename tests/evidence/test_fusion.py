"""The fusion: family features, source weights, a fit that learns the direction, a file that
reproduces its LRs exactly."""

import numpy as np
import pandas as pd
import pytest

from forensics.evidence import FAMILY_STATISTICS, FEATURES, Fusion, family_features, fit_fusion
from forensics.evidence._fusion import Z_CLIP, source_weights


def data(seed=0, n=12):
    rng = np.random.default_rng(seed)
    x = np.r_[rng.normal(1.5, 1, (n, len(FEATURES))), rng.normal(0, 1, (3 * n, len(FEATURES)))]
    y = np.r_[np.ones(n, bool), np.zeros(3 * n, bool)]
    sources = [f"s{i}" for i in range(n)] + [f"i{i // 3}" for i in range(3 * n)]  # 3 pairs per independent
    return x, y, sources


def test_family_features_average_their_statistics_and_clip():
    stats = {s: [1.0, 2.0, 30.0] for fam in FAMILY_STATISTICS.values() for s in fam}
    t = pd.DataFrame(stats)
    first = FAMILY_STATISTICS[next(iter(FAMILY_STATISTICS))]
    t[first[0]] = [3.0, np.nan, 30.0]
    out = family_features(t)
    assert list(out.columns) == list(FEATURES)
    assert out.iloc[0, 0] == pytest.approx((3.0 + 1.0 * (len(first) - 1)) / len(first))
    assert out.iloc[1, 0] == 2.0  # a missing statistic is skipped, not read as 0
    assert (out.iloc[2] == Z_CLIP).all()
    assert family_features(pd.DataFrame({"other": [1.0]})).isna().all().all()


def test_source_weights_count_models_not_pairs():
    x, y, sources = data()
    w = source_weights(sources, y)
    assert w[y].sum() == pytest.approx(12) and w[~y].sum() == pytest.approx(12)
    assert set(np.round(w[~y], 9)) == {round(1 / 3, 9)}


def test_fit_learns_the_direction_and_counts_sources():
    x, y, sources = data()
    fus = fit_fusion(x, y, sources, provenance={"panel": "synthetic"})
    assert all(w > 0 for w in fus.weights) and fus.cal_slope > 0
    assert fus.n_sources == {"h1": 12, "h2": 12} and fus.n_pairs == {"h1": 12, "h2": 36}
    llr = fus.log10_lr(x)
    assert np.median(llr[y]) > 0 > np.median(llr[~y])
    assert (llr >= fus.elub[0]).all() and (llr <= fus.elub[1]).all()
    assert fus.elub[1] <= np.log10(12 + 1) + 1e-9  # ELUB counts 12 H2 sources, not 36 pairs
    raw = fus.log10_lr(x, bounded=False)
    assert raw.max() > fus.elub[1] or raw.min() < fus.elub[0]
    # a missing feature is read as the controls' mean, 0
    assert fus.log10_lr([[np.nan] * len(FEATURES)])[0] == fus.log10_lr([[0.0] * len(FEATURES)])[0]


def test_a_saved_fusion_gives_the_same_lrs(tmp_path):
    x, y, sources = data(1)
    fus = fit_fusion(x, y, sources, provenance={"commit": "abc"})
    back = Fusion.load(fus.save(tmp_path / "f.json"))
    assert back == fus
    assert np.array_equal(back.log10_lr(x), fus.log10_lr(x))
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a fusion file"):
        Fusion.load(tmp_path / "bad.json")


def test_too_few_sources_refuse_to_fit():
    x, y, sources = data()
    keep = np.r_[np.arange(1), np.arange(12, 48)]  # one H1 source only
    with pytest.raises(ValueError, match="needs >= 2"):
        fit_fusion(x[keep], y[keep], [sources[i] for i in keep])


def test_the_fusion_weights_match_sklearn_when_positive_and_are_never_negative():
    from sklearn.linear_model import LogisticRegression

    from forensics.evidence._fusion import _nonnegative_logistic

    rng = np.random.default_rng(1)
    y = np.r_[np.ones(40, bool), np.zeros(60, bool)]
    x = rng.normal(size=(100, 2)) + np.where(y, 1.0, 0.0)[:, None]
    w = rng.uniform(0.5, 2.0, 100)
    coef, b = _nonnegative_logistic(x, y, w, 0.1)
    ref = LogisticRegression(C=0.1, tol=1e-10, max_iter=10_000).fit(x, y, sample_weight=w)
    assert (ref.coef_[0] > 0).all() and np.allclose(coef, ref.coef_[0], atol=1e-5)
    assert abs(b - ref.intercept_[0]) < 1e-5
    # a family that points the wrong way (higher among H2) gets weight 0, not a negative one
    x2 = np.c_[x, np.where(y, -1.0, 1.0) + rng.normal(size=100)]
    coef2, _ = _nonnegative_logistic(x2, y, w, 0.1)
    assert coef2[2] == 0.0 and (coef2[:2] > 0).all()
    assert LogisticRegression(C=0.1).fit(x2, y, sample_weight=w).coef_[0][2] < 0
