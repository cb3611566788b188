"""A local Hugging Face transformers causal LM (a directory, or a GGUF loaded with gguf_file=)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

from forensics.core import InputError

from forensics.watermark import GreenBias, WatermarkKey

from ._base import Capabilities, Failure, Request, Response, Result
from ._llamacpp import plain_prompt
from ._llamacpp_score import TokenLogprobs


class HFBackend:
    """Loads once (lazily, offline); generation runs in a worker thread, one request at a time."""

    name = "hf"

    def __init__(self, path: str | Path, *, n_threads: int | None = None,
                 watermark: WatermarkKey | None = None, adapter: str | Path | None = None):
        self.path = Path(path)
        self.watermark = watermark
        self.adapter = Path(adapter) if adapter else None
        if self.adapter and not (self.adapter / "adapter_config.json").is_file():
            raise InputError(f"hf adapter {str(adapter)!r}: no adapter_config.json there")
        if not self.path.exists():
            raise InputError(f"hf model {str(path)!r}: no such directory or GGUF file")
        self.n_threads = n_threads
        self._model = None
        self._tok = None
        self._lock = threading.Lock()
        self.capabilities = Capabilities(logprobs=True, max_concurrency=1, in_process=True, scoring=True)

    def describe(self) -> dict:
        return {"kind": self.name, "path": str(self.path), "n_threads": self.n_threads,
                "adapter": str(self.adapter) if self.adapter else None,
                "watermark": self.watermark.settings() if self.watermark else None}

    def cache_identity(self) -> dict:
        """The weights (a GGUF, or the checkpoint folder's files) and the adapter by their SHA-256."""
        from forensics.core import content_sha256

        ident = {"kind": self.name, "model": self.path.name, "sha256": content_sha256(self.path)}
        if self.adapter:
            ident["adapter_sha256"] = content_sha256(self.adapter)
        if self.watermark:
            ident["watermark"] = self.watermark.settings()
        return ident

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            if self.n_threads:
                torch.set_num_threads(self.n_threads)
            if self.path.is_file() and self.path.suffix == ".gguf":
                where, extra = str(self.path.parent), {"gguf_file": self.path.name}
            else:
                where, extra = str(self.path), {}
            self._tok = AutoTokenizer.from_pretrained(where, local_files_only=True, **extra)
            self._model = AutoModelForCausalLM.from_pretrained(where, local_files_only=True,
                                                               dtype=torch.float32, **extra)
            if self.adapter:
                from peft import PeftModel

                self._model = PeftModel.from_pretrained(self._model, str(self.adapter)).merge_and_unload()
            self._model.eval()
        return self._model, self._tok

    def _prompt_ids(self, tok, messages: list[dict]):
        if getattr(tok, "chat_template", None):
            ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                          return_dict=True)
            return ids["input_ids"], ids.get("attention_mask")
        enc = tok(plain_prompt(messages), return_tensors="pt")
        return enc["input_ids"], enc.get("attention_mask")

    def _generate_sync(self, req: Request) -> Result:
        import torch

        p = req.params
        with self._lock:
            try:
                model, tok = self._load()
                input_ids, mask = self._prompt_ids(tok, list(req.messages))
                if req.sample_seed is not None:
                    torch.manual_seed(req.sample_seed)
                t0 = time.perf_counter()
                sample = p.temperature > 0
                kwargs = dict(max_new_tokens=p.max_tokens, do_sample=sample,
                              pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id)
                if sample:
                    kwargs.update(temperature=p.temperature, top_p=p.top_p)
                if self.watermark:
                    kwargs["logits_processor"] = _hf_processors(self.watermark)
                with torch.no_grad():
                    out = model.generate(input_ids=input_ids, attention_mask=mask, **kwargs)
            except (ValueError, RuntimeError, OSError) as e:
                return Failure("model_error", f"{type(e).__name__}: {str(e)[:300]}", False)
        new = out[0, input_ids.shape[1]:]
        text = tok.decode(new, skip_special_tokens=True)
        eos = tok.eos_token_id
        finished = eos is not None and len(new) > 0 and int(new[-1]) in (eos if isinstance(eos, list) else [eos])
        return Response(text=text.strip(), finish_reason="stop" if finished or len(new) < p.max_tokens else "length",
                        tokens_in=int(input_ids.shape[1]), tokens_out=int(len(new)),
                        latency_s=time.perf_counter() - t0, server_model=self.path.name)

    def score(self, messages: list[dict], text: str) -> TokenLogprobs:
        """log p(text | prompt) token by token under this model's chat template, in one forward
        pass: the text is tokenized on its own and appended to the prompt, as llama.cpp scoring does."""
        import torch

        with self._lock:
            model, tok = self._load()
            prompt, _ = self._prompt_ids(tok, list(messages))
            ids = tok(text, add_special_tokens=False)["input_ids"]
            if not ids:
                return TokenLogprobs((), ())
            room = int(getattr(model.config, "max_position_embeddings", 4096) or 4096) - prompt.shape[1]
            ids = ids[:max(room, 0)]
            full = torch.cat([prompt, torch.tensor([ids], dtype=prompt.dtype)], dim=1)
            with torch.no_grad():
                logits = model(input_ids=full).logits[0, prompt.shape[1] - 1:-1].double()
            lp = torch.log_softmax(logits, dim=-1).gather(1, torch.tensor(ids).unsqueeze(1))[:, 0]
        return TokenLogprobs(tuple(int(t) for t in ids), tuple(float(x) for x in lp))

    async def generate(self, requests: list[Request]) -> list[Result]:
        return [await asyncio.to_thread(self._generate_sync, r) for r in requests]

    async def aclose(self) -> None:
        self._model = None
        self._tok = None


def _hf_processors(key: WatermarkKey):
    """The green-list bias as a transformers LogitsProcessorList (one row of the batch at a time)."""
    import torch
    from transformers import LogitsProcessor, LogitsProcessorList

    bias = GreenBias(key)

    class _Green(LogitsProcessor):
        def __call__(self, input_ids, scores):
            rows = [torch.from_numpy(bias.bias(ids.cpu().numpy(), scores.shape[-1])) for ids in input_ids]
            return scores + torch.stack(rows).to(scores.dtype)

    return LogitsProcessorList([_Green()])
