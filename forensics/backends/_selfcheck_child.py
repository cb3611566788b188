"""Child process of the self-check: load one local model, generate one token, print JSON.

Run as a script (not through the forensics package) so that it imports only the backend's
own library: `python _selfcheck_child.py KIND PATH N_THREADS`. A crash here (SIGILL, SIGSEGV
from an instruction the CPU or the VM refuses) kills this child, never the caller.
"""

from __future__ import annotations

import json
import os
import sys
import time

_QUIET = None
# Long enough (about 100 tokens) that prompt processing runs the batched matrix kernels, where a
# build for the wrong CPU (AMX tiles, AVX-512) faults; a one-word prompt never reaches them.
PROMPT = ("You are checking that this machine can run a language model. Read the following text and "
          "continue it with one word. The quick brown fox jumps over the lazy dog while the five boxing "
          "wizards jump quickly; a wizard's job is to vex chumps quickly in fog, and pack my box with five "
          "dozen liquor jugs. Sphinx of black quartz, judge my vow. How vexingly quick daft zebras jump! "
          "The continuation is:")


def _llamacpp(path: str, n_threads: int) -> dict:
    import ctypes

    import llama_cpp

    global _QUIET  # llama.cpp keeps the pointer: the callback must outlive every model
    _QUIET = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
    llama_cpp.llama_log_set(_QUIET, ctypes.c_void_p(0))
    llm = llama_cpp.Llama(model_path=path, n_ctx=256, n_threads=n_threads, verbose=False)
    out = llm.create_completion(PROMPT, max_tokens=1, temperature=0.0)
    return {"library": f"llama-cpp-python {llama_cpp.__version__}", "tokens": out["usage"]["completion_tokens"]}


def _hf(path: str, n_threads: int) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from pathlib import Path

    import torch
    import transformers

    torch.set_num_threads(n_threads)
    p = Path(path)
    where, extra = (str(p.parent), {"gguf_file": p.name}) if p.suffix == ".gguf" else (str(p), {})
    tok = transformers.AutoTokenizer.from_pretrained(where, local_files_only=True, **extra)
    model = transformers.AutoModelForCausalLM.from_pretrained(where, local_files_only=True, **extra)
    ids = tok(PROMPT, return_tensors="pt")
    with torch.no_grad():
        model.generate(**ids, max_new_tokens=1, do_sample=False)
    return {"library": f"transformers {transformers.__version__}, torch {torch.__version__}", "tokens": 1}


def main(argv: list[str]) -> int:
    kind, path, n_threads = argv[0], argv[1], int(argv[2])
    t0 = time.perf_counter()
    info = {"llamacpp": _llamacpp, "hf": _hf}[kind](path, n_threads)
    info["seconds"] = round(time.perf_counter() - t0, 3)
    sys.stdout.write(json.dumps(info) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
