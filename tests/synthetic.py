"""Synthetic chat models for known-answer tests: each model is a random bundle of habits.

A model draws openers, closers, verbal tics, function-word rates, formatting habits and a
"content taste" (which topic words it picks on each probe) from one shared population, so all
models look alike. A distilled model copies each of R's habits (and, per probe, R's content
choices) with probability `strength`, otherwise keeps its own independent draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OPENERS = ["Sure!", "Certainly.", "Great question!", "Here is what I think.", "Of course,",
           "Well,", "", "Absolutely!", "Thanks for asking.", "OK.", "Hello!", "Good question.",
           "Let me explain.", "In short,", "Happy to help!", "Alright."]
CLOSERS = ["I hope this helps.", "Let me know if you have questions.", "Good luck!", "",
           "Hope that answers it.", "Feel free to ask more.", "Thanks!", "Have a nice day.",
           "That is all.", "Cheers.", "Does that make sense?", "Best of luck with it."]
TICS = ["in a nutshell", "it is worth noting", "at the end of the day", "to be fair",
        "as a matter of fact", "on the other hand", "needless to say", "by and large",
        "for what it is worth", "all things considered", "truth be told", "in any case",
        "more or less", "so to speak", "generally speaking", "first and foremost",
        "in other words", "to put it simply", "that being said", "believe it or not",
        "without a doubt", "as you might expect", "in my view", "long story short"]
FUNCTION = ["the", "a", "of", "to", "and", "in", "is", "that", "it", "for", "on", "with", "as",
            "this", "be", "are", "by", "or", "an", "can", "which", "from", "at", "also", "but",
            "not", "these", "so", "if", "will", "may", "more", "such", "than", "very", "then",
            "there", "however", "would", "should", "could", "about", "into", "each", "other"]
N_TOPIC = 30


def _pseudo_word(rng: np.random.Generator) -> str:
    """A random lower-case pseudo-word."""
    cons, vows = "bcdfghjklmnprstvwz", "aeiou"
    return "".join(rng.choice(list(cons)) + rng.choice(list(vows)) for _ in range(rng.integers(2, 4)))


def draw_model(rng: np.random.Generator) -> dict:
    """One independent model's habits."""
    return {
        "openers": rng.dirichlet(np.full(len(OPENERS), 0.4)),
        "closers": rng.dirichlet(np.full(len(CLOSERS), 0.4)),
        "tics": rng.choice(len(TICS), 4, replace=False),
        "tic_rate": float(rng.uniform(0.15, 0.5)),
        "function": rng.dirichlet(np.full(len(FUNCTION), 3.0)),
        "bullets": float(rng.beta(2, 3)),
        "bold": float(rng.beta(1, 4)),
        "sentence_len": float(rng.uniform(6, 14)),
        "n_sentences": int(rng.integers(3, 7)),
        "taste": int(rng.integers(0, 2**31)),
    }


def distil(teacher: dict, student: dict, strength: float, rng: np.random.Generator) -> dict:
    """Student habits: each of the teacher's habits copied with probability `strength`."""
    out = {}
    for key, value in student.items():
        out[key] = teacher[key] if rng.random() < strength else value
    out["copy_content"] = strength
    out["teacher_taste"] = teacher["taste"]
    return out


def _content_words(model: dict, topic: list[str], probe: int, rng: np.random.Generator) -> list[str]:
    """The topic words the model tends to use on this probe (its 'take')."""
    taste = model["taste"]
    if model.get("copy_content", 0.0) and rng.random() < model["copy_content"]:
        taste = model["teacher_taste"]
    pick = np.random.default_rng([taste, probe]).choice(N_TOPIC, 8, replace=False)
    return [topic[i] for i in pick]


def respond(model: dict, topic: list[str], probe: int, rng: np.random.Generator) -> str:
    """One response of a model to a probe."""
    content = _content_words(model, topic, probe, rng)
    parts = [OPENERS[rng.choice(len(OPENERS), p=model["openers"])]]
    bullets = rng.random() < model["bullets"]
    for _ in range(int(model["n_sentences"] + rng.integers(0, 3))):
        n = max(3, int(rng.normal(model["sentence_len"], 2)))
        ws = [content[rng.integers(0, 8)] if rng.random() < 0.35 else topic[rng.integers(0, N_TOPIC)]
              if rng.random() < 0.1 else FUNCTION[rng.choice(len(FUNCTION), p=model["function"])]
              for _ in range(n)]
        if rng.random() < model["bold"]:
            ws[0] = f"**{ws[0]}**"
        if rng.random() < model["tic_rate"]:
            ws.insert(int(rng.integers(0, len(ws))), TICS[model["tics"][rng.integers(0, 4)]])
        sent = " ".join(ws).capitalize() + "."
        parts.append(("- " + sent) if bullets else sent)
    parts.append(CLOSERS[rng.choice(len(CLOSERS), p=model["closers"])])
    sep = "\n" if bullets else " "
    return sep.join(p for p in parts if p)


def make_responses(seed: int, n_controls: int = 4, n_probes: int = 40, n_samples: int = 1,
                   distilled: float = 0.0) -> tuple[pd.DataFrame, str, str, list[str]]:
    """A responses frame with models S, R, C1..Ck; S is distilled from R when `distilled` > 0."""
    rng = np.random.default_rng(seed)
    topics = [[_pseudo_word(rng) for _ in range(N_TOPIC)] for _ in range(n_probes)]
    reference = draw_model(rng)
    controls = [draw_model(rng) for _ in range(n_controls)]
    suspect = draw_model(rng)
    if distilled > 0:
        suspect = distil(reference, suspect, distilled, rng)
    models = {"S": suspect, "R": reference, **{f"C{i + 1}": m for i, m in enumerate(controls)}}
    rows = []
    for mi, (name, model) in enumerate(models.items()):
        for p in range(n_probes):
            for s in range(n_samples):
                r = np.random.default_rng([seed, mi, p, s])
                rows.append({"model": name, "probe_id": f"p{p:03d}", "sample": s, "suite": "synthetic",
                             "category": "style", "language": "en", "prompt": f"Tell me about {topics[p][0]}.",
                             "text": respond(model, topics[p], p, r), "answer": None})
    return pd.DataFrame(rows), "S", "R", [f"C{i + 1}" for i in range(n_controls)]
