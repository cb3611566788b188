"""Green-list watermarks (Kirchenbauer et al. 2023) and their detection, for radioactivity tests.

Pure computation over token ids: the key, the keyed green lists, the generation-time bias and the
de-duplicated binomial score (Sander et al. 2024). Tokenizers and models live in `backends`.
"""

from ._bias import GreenBias
from ._detect import (
    WatermarkScore,
    context_windows,
    dedupe_tuples,
    filter_contexts,
    scorable_tuples,
    score_tokens,
)
from ._greenlist import context_seeds, green_mask, green_of
from ._key import (
    MIN_KEY_BYTES,
    SCHEME,
    WatermarkKey,
    load_key,
    random_key,
    write_new_key,
)

__all__ = [
    "MIN_KEY_BYTES",
    "SCHEME",
    "GreenBias",
    "WatermarkKey",
    "WatermarkScore",
    "context_seeds",
    "context_windows",
    "dedupe_tuples",
    "filter_contexts",
    "green_mask",
    "green_of",
    "load_key",
    "random_key",
    "scorable_tuples",
    "score_tokens",
    "write_new_key",
]
