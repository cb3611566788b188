"""Compare `forensics analyze --json` output of two tool versions, bit for bit.

    python benchmarks/evidence_json_diff.py BEFORE.json AFTER.json

Evidence format 2 (typed evidence) differs from format 1 by design in four places, which the
AFTER side is mapped back through before comparing: `format`; each verdict reason is
{kind, text} (format 1: the text); each exhibit carries `kind` (format 1: none); settings no
longer hold `analyses_unavailable` (format 1: always [] once every analysis is catalogued).
Prints whether the mapped AFTER equals BEFORE byte for byte (same json.dumps call as the CLI),
and else the first differing path.
"""

from __future__ import annotations

import json
import sys


def to_format_1(doc: list[dict]) -> list[dict]:
    out = []
    for ev in doc:
        ev = dict(ev)
        ev["format"] = "distill-forensics/evidence/1"
        ev["verdict"] = dict(ev["verdict"], reasons=[r["text"] for r in ev["verdict"]["reasons"]])
        ev["exhibits"] = [{k: v for k, v in e.items() if k != "kind"} for e in ev["exhibits"]]
        settings = {}
        for k, v in ev["settings"].items():
            settings[k] = v
            if k == "analyses_run":
                settings["analyses_unavailable"] = []
        ev["settings"] = settings
        out.append(ev)
    return out


def first_difference(a, b, path="$"):
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    before_path, after_path = sys.argv[1:3]
    before_text = open(before_path, encoding="utf-8").read()
    before, after = json.loads(before_text), json.loads(open(after_path, encoding="utf-8").read())
    mapped = to_format_1(after)
    text = json.dumps(mapped, ensure_ascii=False, indent=1) + "\n"
    same = text == before_text
    print(f"{after_path} mapped to format 1 vs {before_path}: "
          f"{'identical, byte for byte' if same else 'DIFFERENT'} ({len(before_text):,} bytes)")
    if not same:
        print(first_difference(before, mapped))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
