"""R's distinctive word choices: what counts, what does not, and the bounds."""

import math

import numpy as np
import pytest

from forensics.analysis._profile import CLIP, distinctive_agreement, distinctive_features, model_profiles

GENERIC = "the answer is that it depends on the question and the context of it".split()


def _texts(rng, extra: list[str], n: int = 30) -> list[str]:
    """n answers of generic words, each with the model's own habit words mixed in."""
    out = []
    for _ in range(n):
        words = list(rng.choice(GENERIC, 40)) + list(rng.choice(extra, 4)) if extra else list(rng.choice(GENERIC, 44))
        out.append(" ".join(words))
    return out


def _panel(seed: int = 0):
    rng = np.random.default_rng(seed)
    habits = {"r": ["delve", "tapestry", "furthermore"], "s": ["delve", "tapestry", "furthermore"],
              "other": ["basically", "honestly", "stuff"]}
    models = ["r", "s", "other"] + [f"c{k}" for k in range(6)]
    texts = [_texts(rng, habits.get(m, [])) for m in models]
    return model_profiles(models, texts)


def test_a_suspect_with_the_references_habits_leans_its_way_and_others_do_not():
    prof = _panel()
    controls = [f"c{k}" for k in range(6)]
    s = distinctive_agreement(prof, "s", "r", controls)
    other = distinctive_agreement(prof, "other", "r", controls)
    assert s > 2.0 and abs(other) < 1.0
    top = [f for f, _, _ in distinctive_features(prof, "s", "r", controls, top=3)]
    assert set(top) <= {"delve", "tapestry", "furthermore", "delve tapestry", "tapestry furthermore",
                        "furthermore delve", "delve furthermore", "tapestry delve", "furthermore tapestry"}


def test_generic_text_alone_does_not_stand_out_from_the_controls():
    """Chance bigrams give every model some lean; S's must sit among the controls' own."""
    rng = np.random.default_rng(1)
    controls = [f"c{k}" for k in range(8)]
    models = ["r", "s", *controls]
    prof = model_profiles(models, [_texts(rng, []) for _ in models])
    value = distinctive_agreement(prof, "s", "r", controls)
    null = np.array([distinctive_agreement(prof, c, "r", [x for x in controls if x != c]) for c in controls])
    assert abs(value - null.mean()) / null.std(ddof=1) < 2.5


def test_one_feature_cannot_dominate_and_too_few_controls_is_nan():
    prof = _panel()
    assert distinctive_agreement(prof, "s", "r", ["c0", "c1", "c2"]) <= CLIP
    assert math.isnan(distinctive_agreement(prof, "s", "r", ["c0"]))
    assert math.isnan(distinctive_agreement(prof, "s", "r", ["c0", "s", "r"]))


def test_empty_texts_give_an_empty_profile():
    prof = model_profiles(["a", "b", "c"], [[""], [""], [""]])
    assert prof.freq.shape == (3, 0)
    assert math.isnan(distinctive_agreement(prof, "a", "b", ["c", "a"]))


def test_leave_one_out_agreements_equal_one_call_per_control():
    from forensics.analysis._profile import leave_one_out_agreements

    rng = np.random.default_rng(11)
    models = [f"m{i}" for i in range(9)]
    prof = model_profiles(models, [_texts(rng, []) for _ in models])
    group = models[2:]
    batch = leave_one_out_agreements(prof, "m0", group)
    single = {x: distinctive_agreement(prof, x, "m0", [g for g in group if g != x]) for x in group}
    assert batch.keys() == single.keys()
    assert all(np.isfinite(v) for v in single.values())
    np.testing.assert_allclose([batch[x] for x in group], [single[x] for x in group], rtol=0, atol=1e-12)
    assert leave_one_out_agreements(prof, "m0", group, only=["m4"]) == {"m4": batch["m4"]}
    assert all(np.isnan(v) for v in leave_one_out_agreements(prof, "m0", models[1:3]).values())


def test_char_profiles_read_character_trigrams():
    prof = model_profiles(["a", "b"], [["Hello!!"], ["hello??"]], kind="char")
    assert "!!" not in prof.features and "o!!" in prof.features and "Hel" in prof.features
    with pytest.raises(ValueError, match="unknown profile kind"):
        model_profiles(["a"], [["x"]], kind="pos")
