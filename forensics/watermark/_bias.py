"""Watermarking at generation time: add delta to the green logits after the current context."""

from __future__ import annotations

import numpy as np

from ._greenlist import green_mask
from ._key import WatermarkKey


class GreenBias:
    """A logits processor for llama-cpp-python: `(input_ids, scores) -> scores` on one sequence.

    `input_ids` holds the prompt and the tokens generated so far; the last `key.context` of them are
    the context. (The transformers backend wraps the same function for a batch.)
    """

    def __init__(self, key: WatermarkKey):
        self.key = key

    def bias(self, input_ids: np.ndarray, vocab_size: int) -> np.ndarray:
        """The additive bias (0 or delta per token id) after these ids."""
        ids = np.asarray(input_ids, dtype=np.int64)
        if len(ids) < self.key.context:
            return np.zeros(vocab_size, dtype=np.float32)
        return green_mask(self.key, ids, vocab_size).astype(np.float32) * np.float32(self.key.delta)

    def __call__(self, input_ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return scores + self.bias(input_ids, scores.shape[-1]).astype(scores.dtype, copy=False)
