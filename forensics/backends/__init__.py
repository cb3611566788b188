"""Backends: how to ask. One module per kind behind one small protocol (`Backend`); model specs;
the bundled local models; the local-backend self-check."""

from ._base import (
                    Backend,
                    BackendSettings,
                    Capabilities,
                    Failure,
                    Params,
                    Request,
                    Response,
                    Result,
)
from ._callable import CallableBackend
from ._cpu import (
                    LOCAL_COMPUTE,
                    PORTABLE_CMAKE_ARGS,
                    REBUILD_COMMAND,
                    cpu_flags,
                    cpu_model,
                    default_threads,
                    relevant_flags,
                    usable_cores,
)
from ._factory import make_backend
from ._hf import HFBackend
from ._llama_server import LlamaServer, free_port
from ._llamacpp import LlamaCppBackend, plain_prompt
from ._llamacpp_score import LlamaCppScorer, TokenLogprobs
from ._localmodels import (
                    LOCAL_MODELS,
                    LocalModel,
                    gemma_path,
                    qwen_path,
                    resolve_local_model,
                    smollm2_path,
)
from ._openai_compat import OpenAIBackend, failure_from_exception
from ._openai_score import ScorerUnreachable, ScoringUnsupported
from ._replay import (
                    PROMPT_KEYS,
                    RESPONSE_KEYS,
                    ReplayBackend,
                    Transcript,
                    read_transcripts,
)
from ._tokenizer import Tokenizer, load_tokenizer
from ._selfcheck import (
                    BackendCrashError,
                    SelfCheck,
                    amx_instruction_count,
                    check_model,
                    crash_message,
                    ggml_cpu_libraries,
                    local_models,
                    require_local_backends,
)
from ._specs import (
                    KINDS,
                    ModelConfig,
                    check_spec,
                    load_models_file,
                    parse_model_option,
                    parse_spec,
                    redact_spec,
                    split_openai_target,
)

__all__ = [
    "Tokenizer",
    "load_tokenizer",
    "Backend",
    "BackendCrashError",
    "BackendSettings",
    "CallableBackend",
    "Capabilities",
    "Failure",
    "HFBackend",
    "KINDS",
    "LOCAL_COMPUTE",
    "LOCAL_MODELS",
    "LlamaCppBackend",
    "LlamaCppScorer",
    "LlamaServer",
    "LocalModel",
    "ModelConfig",
    "OpenAIBackend",
    "PORTABLE_CMAKE_ARGS",
    "PROMPT_KEYS",
    "Params",
    "REBUILD_COMMAND",
    "RESPONSE_KEYS",
    "ReplayBackend",
    "Request",
    "Response",
    "Result",
    "ScorerUnreachable",
    "ScoringUnsupported",
    "SelfCheck",
    "TokenLogprobs",
    "Transcript",
    "amx_instruction_count",
    "check_model",
    "check_spec",
    "cpu_flags",
    "cpu_model",
    "crash_message",
    "default_threads",
    "failure_from_exception",
    "free_port",
    "gemma_path",
    "ggml_cpu_libraries",
    "load_models_file",
    "local_models",
    "make_backend",
    "parse_model_option",
    "parse_spec",
    "plain_prompt",
    "qwen_path",
    "read_transcripts",
    "redact_spec",
    "relevant_flags",
    "require_local_backends",
    "resolve_local_model",
    "smollm2_path",
    "split_openai_target",
    "usable_cores",
]
