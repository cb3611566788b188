"""Build the backend a model config names (heavy libraries are imported only when needed)."""

from __future__ import annotations

from forensics.core import InputError
from forensics.watermark import WatermarkKey

from ._base import Backend
from ._specs import ModelConfig, split_openai_target


WATERMARK_KINDS = ("llamacpp", "hf")


def make_backend(cfg: ModelConfig, *, watermark: WatermarkKey | None = None) -> Backend:
    """Build the backend a model config names (imports heavy libraries only when needed).

    `watermark`: generate with this green-list key (local backends only: it biases the logits)."""
    kind, target = cfg.kind, cfg.target
    if watermark is not None and kind not in WATERMARK_KINDS:
        raise InputError(f"model {cfg.name!r}: a watermark can only be applied at generation time by a "
                         f"local model ({', '.join(WATERMARK_KINDS)}), not by a {kind} backend")
    if cfg.adapter and kind != "hf":
        raise InputError(f"model {cfg.name!r}: `adapter` applies to hf models only")
    if kind == "openai":
        from ._openai_compat import OpenAIBackend

        model, base = split_openai_target(target)
        return OpenAIBackend(model, base, api_key_env=cfg.api_key_env, timeout_s=cfg.timeout_s,
                             concurrency=cfg.concurrency)
    if kind == "llamacpp":
        from ._llamacpp import LlamaCppBackend
        from ._localmodels import resolve_local_model

        return LlamaCppBackend(resolve_local_model(target), n_ctx=cfg.n_ctx, n_threads=cfg.n_threads,
                               chat_format=cfg.chat_format, watermark=watermark)
    if kind == "hf":
        from ._hf import HFBackend
        from ._localmodels import resolve_local_model

        return HFBackend(resolve_local_model(target), n_threads=cfg.n_threads, watermark=watermark,
                         adapter=cfg.adapter)
    if kind == "replay":
        from ._replay import ReplayBackend

        return ReplayBackend(target)
    raise ValueError(f"no backend for kind {kind!r}")
