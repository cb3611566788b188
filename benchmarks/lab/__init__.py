"""The distillation lab's pieces: lab prompts, LoRA students on CPU, merging a student into a GGUF."""
