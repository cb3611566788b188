"""The lab's own prompt set: templated instructions, disjoint from the bundled probes by construction
(checked), so that students are judged on prompts they never trained on."""

from __future__ import annotations

import random

from forensics.core import for_matching
from forensics.probes import Probe, Suite, bundled_suites

TOPICS = (
    "composting at home", "a bicycle's gears", "tide pools", "sourdough starters", "the printing press",
    "honeybees", "solar panels", "public libraries", "volcanoes", "chess openings", "rainwater tanks",
    "the Silk Road", "houseplants", "noise-cancelling headphones", "glaciers", "board game nights",
    "the water cycle", "lighthouses", "electric scooters", "birdwatching", "recycling plastics",
    "the moon's phases", "origami", "street markets", "coral reefs", "train timetables", "yoga for beginners",
    "coffee roasting", "the postal service", "wind turbines", "knitting", "museum audio guides",
    "city parks", "bread baking", "kites", "rock climbing gyms", "spice blends", "old maps",
    "camping stoves", "night skies", "language exchange meetups", "urban gardens", "ferries",
)
TEMPLATES = (
    "Write a short paragraph about {t}.",
    "Give three practical tips about {t}.",
    "Explain {t} to a curious teenager in a few sentences.",
    "What are the main pros and cons of {t}?",
    "Describe a common misconception about {t} and correct it.",
    "Write a friendly two-sentence introduction to {t} for a newsletter.",
)


def lab_suite(n: int, seed: int = 0) -> Suite:
    """`n` seeded lab prompts (category style); none equals or contains a bundled probe's prompt."""
    pairs = [(t, tpl) for t in TOPICS for tpl in TEMPLATES]
    random.Random(seed).shuffle(pairs)
    bundled = {for_matching(p.prompt) for s in bundled_suites() for p in s.probes}
    probes = []
    for i, (topic, tpl) in enumerate(pairs[:n]):
        prompt = tpl.format(t=topic)
        key = for_matching(prompt)
        if key in bundled or any(key in b or (len(b) >= 24 and b in key) for b in bundled):
            raise AssertionError(f"lab prompt overlaps a bundled probe: {prompt!r}")
        probes.append(Probe(id=f"lab-{i:03d}", category="style", prompt=prompt))
    if len(probes) < n:
        raise ValueError(f"only {len(probes)} lab prompts available")
    return Suite(name="distill-lab", version=f"1.0+{n}",
                 description="Distillation-lab teacher prompts (templated; disjoint from the bundled probes).",
                 probes=probes)
