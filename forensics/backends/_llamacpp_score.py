"""Score given text under a local GGUF model: per-token log-probabilities of a response, given the
prompt, under the model's own chat template (or the plain template of a base model).

This is what the likelihood signals need: a student's text is unusually likely under its
teacher's weights. The text is tokenized on its own and appended to the formatted prompt, so
every model scores the same characters; the score of each text token is read from the logits
at the position before it, in one batched evaluation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forensics.core import InputError

from ._cpu import default_threads
from ._llamacpp import _silence_llama_log, plain_prompt


@dataclass(frozen=True)
class TokenLogprobs:
    """The text's tokens (ids; token strings from a server) and the natural-log probability of
    each given everything before it."""

    tokens: tuple[int | str, ...]
    logprobs: tuple[float, ...]

    @property
    def total(self) -> float:
        return float(sum(self.logprobs))

    @property
    def mean(self) -> float:
        return self.total / len(self.logprobs) if self.logprobs else float("nan")


class LlamaCppScorer:
    """Loads the GGUF once (lazily, with logits for every position) and scores texts one at a time."""

    def __init__(self, path: str | Path, *, n_ctx: int = 1024, n_threads: int | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"llamacpp model {str(path)!r}: no such GGUF file")
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self._llm = None
        self._formatter = None
        self._lock = threading.Lock()

    def _load(self):
        if self._llm is None:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            _silence_llama_log()
            self._llm = Llama(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                              logits_all=True, verbose=False)
            template = (self._llm.metadata or {}).get("tokenizer.chat_template")
            if template:
                llm = self._llm
                bos = llm.detokenize([llm.token_bos()], special=True).decode("utf-8", "replace")
                eos = llm.detokenize([llm.token_eos()], special=True).decode("utf-8", "replace")
                self._formatter = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos)
        return self._llm

    def prompt_tokens(self, messages: list[dict]) -> list[int]:
        """The prompt as the model sees it before its answer (chat template, generation prompt)."""
        llm = self._load()
        if self._formatter is not None:
            res = self._formatter(messages=list(messages))
            return llm.tokenize(res.prompt.encode("utf-8"), add_bos=not res.added_special, special=True)
        return llm.tokenize(plain_prompt(list(messages)).encode("utf-8") + b" ", add_bos=True, special=False)

    def score(self, messages: list[dict], text: str) -> TokenLogprobs:
        """log p(text | prompt) token by token under this model."""
        with self._lock:
            llm = self._load()
            prompt = self.prompt_tokens(messages)
            tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
            if not tokens:
                return TokenLogprobs((), ())
            room = self.n_ctx - len(prompt)
            if room <= 0:
                raise InputError(f"{self.path.name}: the prompt alone ({len(prompt)} tokens) fills n_ctx={self.n_ctx}")
            tokens = tokens[:room]  # a text longer than the context is scored on its head
            seq = prompt + tokens
            self._eval_reusing_prefix(llm, seq)
            logits = np.asarray(llm.scores[len(prompt) - 1:len(seq) - 1], dtype=np.float32)
            top = logits.max(axis=1, keepdims=True)
            logz = (top[:, 0].astype(np.float64)
                    + np.log(np.exp(logits - top).sum(axis=1, dtype=np.float64)))
            lp = logits[np.arange(len(tokens)), tokens].astype(np.float64) - logz
            return TokenLogprobs(tuple(int(t) for t in tokens), tuple(float(x) for x in lp))

    @staticmethod
    def _eval_reusing_prefix(llm, seq: list[int]) -> None:
        """Evaluate `seq`, keeping the KV cache and logits of the longest prefix it shares with the
        tokens evaluated last (texts answering the same prompt share the prompt)."""
        n_old = int(llm.n_tokens)
        old = llm.input_ids[:n_old]
        limit = min(n_old, len(seq))
        same = np.flatnonzero(old[:limit] != np.asarray(seq[:limit], dtype=old.dtype))
        keep = int(same[0]) if same.size else limit
        keep = min(keep, len(seq) - 1)  # always evaluate at least the last token
        if keep <= 0:
            llm.reset()
        else:
            llm.n_tokens = keep
        llm.eval(seq[keep:])

    def close(self) -> None:
        if self._llm is not None:
            close = getattr(self._llm, "close", None)
            if close:
                close()
            self._llm = None
