"""The lab's models by role: the teacher T, the other model O, the base-model candidate, students."""

from __future__ import annotations

TEACHER, OTHER, GEMMA = "Qwen2.5-Coder-0.5B", "SmolLM2-135M", "Gemma3-270M-base"
STUDENTS = {"student-a": "100% watermarked teacher answers",
            "student-b": "10% watermarked teacher answers + 90% SmolLM2 answers",
            "student-c": "SmolLM2 answers only (independent of the teacher)"}
CANDIDATES = (TEACHER, GEMMA)
UNTOUCHED = (TEACHER, OTHER, GEMMA)
