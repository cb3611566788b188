"""A model's tokenizer on its own (no weights loaded): text -> token ids, for watermark detection."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from forensics.core import InputError

from ._specs import parse_spec

Tokenizer = Callable[[str], list[int]]


def _llamacpp_tokenizer(path: Path) -> Tokenizer:
    from llama_cpp import Llama

    from ._llamacpp import _silence_llama_log

    _silence_llama_log()
    vocab = Llama(model_path=str(path), vocab_only=True, verbose=False)

    def tokenize(text: str) -> list[int]:
        return list(vocab.tokenize(text.encode("utf-8", "replace"), add_bos=False, special=False))

    return tokenize


def _hf_tokenizer(path: Path) -> Tokenizer:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    if path.is_file() and path.suffix == ".gguf":
        tok = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name, local_files_only=True)
    else:
        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)

    def tokenize(text: str) -> list[int]:
        return list(tok(text, add_special_tokens=False)["input_ids"])

    return tokenize


def load_tokenizer(spec: str) -> Tokenizer:
    """The tokenizer of a local model spec (`llamacpp:PATH|NAME` or `hf:PATH`); a bare bundled name
    or .gguf path means llama.cpp. Other kinds have no tokenizer here."""
    from ._localmodels import resolve_local_model

    kind, target = parse_spec(spec) if ":" in spec else ("llamacpp", spec)
    if kind == "llamacpp":
        return _llamacpp_tokenizer(resolve_local_model(target))
    if kind == "hf":
        return _hf_tokenizer(resolve_local_model(target))
    raise InputError(f"tokenizer {spec!r}: give a local model (llamacpp:PATH.gguf, a bundled name, or "
                     f"hf:PATH); a {kind} backend does not expose its tokenizer")
