"""LoRA students on CPU (peft + transformers), one recipe for every student, and the merge of a
student's LoRA deltas into a copy of its base GGUF so llama.cpp can serve it.

The base is loaded from its GGUF (transformers de-quantises it). LoRA targets only projections
that the GGUF conversion stores unpermuted (v, o and the MLP), so a delta B·A·(alpha/r) in the
Hugging Face layout adds directly onto the de-quantised GGUF tensor.
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

TARGETS = {"v_proj": "attn_v", "o_proj": "attn_output", "up_proj": "ffn_up", "down_proj": "ffn_down"}


@dataclass(frozen=True)
class Recipe:
    """The one training recipe every student gets."""

    rank: int = 16
    alpha: int = 32
    lr: float = 2e-3
    epochs: int = 4
    batch: int = 8
    max_len: int = 128
    seed: int = 0


def _base(gguf: Path, cache: Path):
    """The base model and tokenizer in float32, de-quantised once and kept in `cache`."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(os.cpu_count() or 2)
    if not (cache / "config.json").is_file():
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
        cache.mkdir(parents=True, exist_ok=True)
        model.hf_quantizer = None  # de-quantised already: plain float32 weights
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(cache)
        tok.save_pretrained(cache)
    tok = AutoTokenizer.from_pretrained(str(cache))
    model = AutoModelForCausalLM.from_pretrained(str(cache), dtype=torch.float32)
    return model, tok


def _examples(tok, pairs: list[tuple[str, str]], max_len: int) -> list[tuple[list[int], int]]:
    """(ids, answer start) per (prompt, answer): the chat template, loss on the answer only."""
    out = []
    for prompt, answer in pairs:
        head = tok.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                       tokenize=True)
        head = list(head["input_ids"]) if isinstance(head, dict) or hasattr(head, "keys") else list(head)
        body = tok(answer.strip() + tok.eos_token, add_special_tokens=False)["input_ids"]
        ids = (head + body)[:max_len]
        if len(ids) > len(head):
            out.append((ids, len(head)))
    return out


def train_student(gguf: Path, pairs: list[tuple[str, str]], out: Path, cache: Path,
                  recipe: Recipe = Recipe(), log=print) -> dict:
    """Fine-tune a LoRA adapter on (prompt, answer) pairs; save it to `out`; return timings and loss."""
    import torch
    from peft import LoraConfig, get_peft_model

    t0 = time.perf_counter()
    model, tok = _base(gguf, cache)
    t_load = time.perf_counter() - t0
    torch.manual_seed(recipe.seed)
    model = get_peft_model(model, LoraConfig(r=recipe.rank, lora_alpha=recipe.alpha, lora_dropout=0.0,
                                             target_modules=list(TARGETS), task_type="CAUSAL_LM"))
    data = _examples(tok, pairs, recipe.max_len)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=recipe.lr)
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    rng = random.Random(recipe.seed)
    steps, losses = 0, []
    model.train()
    t1 = time.perf_counter()
    total = recipe.epochs * ((len(data) + recipe.batch - 1) // recipe.batch)
    for _ in range(recipe.epochs):
        order = list(range(len(data)))
        rng.shuffle(order)
        for i in range(0, len(order), recipe.batch):
            batch = [data[j] for j in order[i:i + recipe.batch]]
            width = max(len(ids) for ids, _ in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            labels = torch.full((len(batch), width), -100, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for r, (seq, start) in enumerate(batch):
                ids[r, :len(seq)] = torch.tensor(seq)
                labels[r, start:len(seq)] = torch.tensor(seq[start:])
                mask[r, :len(seq)] = 1
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            opt.step()
            opt.zero_grad()
            steps += 1
            losses.append(loss.item())
            if steps % 10 == 0 or steps == total:
                log(f"    step {steps}/{total}  loss {sum(losses[-10:]) / len(losses[-10:]):.3f}")
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    return {"examples": len(data), "steps": steps, "first_loss": losses[0], "last_loss": losses[-1],
            "load_s": round(t_load, 1), "train_s": round(time.perf_counter() - t1, 1), **asdict(recipe)}


def merge_into_gguf(gguf: Path, adapter: Path, out: Path) -> Path:
    """A copy of the base GGUF with the adapter's deltas added to the targeted weights (as F32)."""
    import json

    import gguf as G
    import numpy as np
    from safetensors.numpy import load_file

    cfg = json.loads((adapter / "adapter_config.json").read_text())
    scale = cfg["lora_alpha"] / cfg["r"]
    tensors = load_file(str(adapter / "adapter_model.safetensors"))
    deltas: dict[str, np.ndarray] = {}
    for name, a in tensors.items():
        if ".lora_A." not in name:
            continue
        b = tensors[name.replace(".lora_A.", ".lora_B.")]
        layer = int(name.split(".layers.")[1].split(".")[0])
        proj = next(p for p in TARGETS if f".{p}." in name)
        deltas[f"blk.{layer}.{TARGETS[proj]}.weight"] = (b.astype(np.float32) @ a.astype(np.float32)) * scale
    reader = G.GGUFReader(str(gguf))
    arch = reader.fields["general.architecture"].contents()
    writer = G.GGUFWriter(str(out), arch)
    for field in reader.fields.values():
        if field.name == G.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == G.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), vtype, sub_type=sub)
    data = {}
    for t in reader.tensors:
        if t.name in deltas:
            w = G.quants.dequantize(t.data, t.tensor_type).reshape(deltas[t.name].shape) + deltas.pop(t.name)
            data[t.name] = w.astype(np.float32)
            writer.add_tensor_info(t.name, data[t.name].shape, data[t.name].dtype, data[t.name].nbytes,
                                   G.GGMLQuantizationType.F32)
        else:
            data[t.name] = t.data
            writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    if deltas:
        raise ValueError(f"adapter tensors without a GGUF tensor: {sorted(deltas)[:3]}")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in reader.tensors:
        writer.write_tensor_data(data[t.name], tensor_endianess=reader.endianess)
    writer.close()
    return out
