"""Write forensics/probes/fingerprint/fingerprint.yaml: short original prompts for greedy agreement.

Deterministic (no randomness): templates times slots, in order. Each prompt asks for a few words
with many plausible answers, so that independent models' greedy first words differ while a
model and its copy or student agree. Run: python scripts/make_fingerprint_suite.py
"""

from __future__ import annotations

from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "forensics" / "probes" / "fingerprint" / "fingerprint.yaml"

NAME_ONE = ["fruit", "colour", "animal", "country", "city", "musical instrument", "tree", "flower", "sport",
            "vegetable", "bird", "fish", "metal", "gemstone", "river", "mountain range", "language",
            "profession", "board game", "spice", "dance", "fabric", "tool", "insect", "cheese",
            "bread", "planet", "constellation", "desert", "poet"]
DESCRIBE = ["the sea at night", "an old library", "the first snow of winter", "a crowded market",
            "a thunderstorm", "a quiet forest", "a city at dawn", "a long train journey", "an empty stadium",
            "a mountain lake", "a busy kitchen", "a summer festival", "an abandoned house", "a desert road",
            "a rainy afternoon", "a lighthouse", "a school playground", "a hospital corridor",
            "a village square", "a spaceship cockpit", "a bakery in the morning", "a frozen river",
            "a jazz club", "a garden after rain", "a museum at closing time", "a harbour", "a campfire",
            "a chess match", "a wedding", "a power cut"]
COMPLETE = ["The best way to start the day is", "If I could learn one skill, it would be",
            "The most useful invention of all time is", "A good friend is someone who",
            "The secret to a good soup is", "On a rainy Sunday, I like to", "The hardest part of moving house is",
            "The sound I like most is", "A city feels alive when", "The first thing to pack for a trip is",
            "Children learn best when", "The ocean is", "A perfect holiday would be", "Mornings are",
            "The smell of coffee reminds me of", "A library is a place where", "The most underrated vegetable is",
            "Good design is", "The best time to plant a tree is", "A robot would make a good",
            "My favourite season is", "Music is", "The moon tonight looks", "A small act of kindness is",
            "The future of cities is", "Winter evenings are for", "A good teacher always",
            "The strangest animal is", "Time moves slowly when", "Happiness is"]
ASSOCIATE = ["bridge", "lantern", "harvest", "compass", "velvet", "thunder", "orchard", "anchor", "mirror",
             "ember", "glacier", "whistle", "marble", "feather", "canyon", "violin", "pepper", "meadow",
             "rocket", "saddle", "island", "candle", "ribbon", "tunnel", "honey", "kettle", "pebble",
             "tower", "copper", "blossom"]
TITLE = ["a lost umbrella", "a talking cat", "the last bus home", "a village with no clocks", "a shy dragon",
         "a robot gardener", "a map that changes", "two rival bakers", "a whale that sings", "a forgotten key",
         "a city under the sea", "a clockmaker's apprentice", "a storm chaser", "a haunted lighthouse",
         "a boy who collects clouds", "a secret garden on a roof", "an astronaut's dog", "the first winter",
         "a train that never stops", "a letter from the future", "a lonely giant", "a painter who lost colour",
         "a moon made of glass", "a library of sounds", "a fox and a crow", "a market at midnight",
         "a bridge between worlds", "a queen who hated crowns", "a detective pigeon", "an island of mirrors"]
NAME_FOR = ["a pet goldfish", "a sailing boat", "a jazz band", "a coffee shop", "a friendly robot",
            "a mountain cabin", "a bakery", "a racehorse", "a new planet", "a hiking club", "a board game",
            "a bookshop", "a garden snail", "a ferry", "a video game hero", "a detective agency",
            "a tea blend", "a chess club", "a spaceship", "a lighthouse keeper's cat", "a soup",
            "a children's choir", "a river barge", "a rock band", "a weather balloon", "a village fair",
            "a toy train", "a sandwich", "a perfume", "a school newspaper"]
POEM = ["autumn leaves", "the city at night", "a cup of tea", "the sea", "an old bicycle", "the first frost",
        "a sleeping cat", "a thunderstorm", "a garden", "the stars", "a train station", "bread baking",
        "the wind", "a lighthouse", "a mountain path", "snowfall", "a candle", "the river", "a violin",
        "the moon", "a market", "the desert", "spring rain", "a bridge", "a harbour", "an owl", "a kite",
        "the dawn", "a forest", "a letter"]
ONE_WORD = ["a word that rhymes with 'light'", "a synonym for 'happy'", "an adjective for a mountain",
            "a verb that describes water", "the opposite of 'ancient'", "a word that starts with 'qu'",
            "a word that rhymes with 'stone'", "a synonym for 'quick'", "an adjective for a storm",
            "a verb that describes fire", "the opposite of 'gentle'", "a word that ends in '-ness'",
            "a word that rhymes with 'rain'", "a synonym for 'big'", "an adjective for silence",
            "a verb that describes wind", "the opposite of 'empty'", "a word with a double 'o'",
            "a word that rhymes with 'bright'", "a synonym for 'tired'", "an adjective for a forest",
            "a verb that describes a cat", "the opposite of 'brave'", "a word that starts with 'zh'",
            "a word that rhymes with 'sea'", "a synonym for 'strange'", "an adjective for a city",
            "a verb that describes light", "the opposite of 'narrow'", "a word of five letters"]
NUMBER = ["a number between 1 and 100", "a year in the nineteenth century", "a random three-digit number",
          "a prime number below 50", "a lucky number", "a number of legs an animal can have",
          "a temperature for a warm day in Celsius", "a number between 1 and 10", "a two-digit even number",
          "a month of the year"]

OCCASION = ["a long flight", "a rainy weekend", "a first date", "a snowy evening", "a lazy Sunday",
            "a birthday party", "a camping trip", "a job interview morning", "a summer picnic",
            "a sleepless night", "a road trip", "a family reunion", "a power cut", "a day off work",
            "a visit to grandparents", "a hot afternoon", "a train delay", "a quiet holiday",
            "a school reunion", "a foggy morning", "a beach day", "a museum visit", "a moving day",
            "a garden party", "a winter walk", "a study break", "a new year's eve", "a farewell dinner",
            "a hospital stay", "a ferry crossing"]
PLACE = ["reading a book", "watching the sunset", "a first picnic", "learning to skate", "a quiet coffee",
         "bird watching", "flying a kite", "stargazing", "a long walk", "writing a novel", "a school trip",
         "a marriage proposal", "taking photographs", "a game of chess", "swimming in winter",
         "a family dinner", "a job interview", "practising the violin", "a birthday surprise",
         "a morning run", "growing tomatoes", "building a sandcastle", "a history lesson",
         "meeting an old friend", "a painting class", "a cycling holiday", "a quiet nap",
         "a thunderstorm watch", "a street festival", "a honeymoon"]

TEMPLATES = [
    ("name", NAME_ONE, "Name one {x}. Answer with the name only."),
    ("describe", DESCRIBE, "Give one word that describes {x}."),
    ("complete", COMPLETE, "Complete the sentence in a few words: \"{x} ...\""),
    ("associate", ASSOCIATE, "What is the first word that comes to mind when you hear '{x}'?"),
    ("title", TITLE, "Suggest a title for a short story about {x}."),
    ("name-for", NAME_FOR, "Suggest a name for {x}."),
    ("poem", POEM, "Write the first line of a poem about {x}."),
    ("word", ONE_WORD, "Give {x}. One word only."),
    ("number", NUMBER, "Pick {x}. Reply with it only."),
    ("occasion", OCCASION, "Recommend one thing to do on {x}."),
    ("place", PLACE, "Name a good place for {x}."),
]


def main() -> None:
    probes = []
    for kind, slots, template in TEMPLATES:
        for k, x in enumerate(slots, 1):
            probes.append({"id": f"fp-{kind}-{k:03d}", "category": "fingerprint",
                           "prompt": template.format(x=x), "tags": [kind]})
    suite = {"name": "fingerprint", "version": "1.0",
             "description": ("Short prompts with many plausible answers, for greedy agreement: run at "
                             "temperature 0 with a few output tokens (forensics run --suite fingerprint "
                             "--temperature 0 --max-tokens 8). A model and its copy or student tend to "
                             "pick the same first words; independent models spread. Not scored; not "
                             "in the default suites."),
             "probes": probes}
    OUT.write_text("# Generated by scripts/make_fingerprint_suite.py; edit that, not this.\n"
                   + yaml.safe_dump(suite, sort_keys=False, allow_unicode=True, width=100))
    print(f"{len(probes)} probes -> {OUT}")


if __name__ == "__main__":
    main()
