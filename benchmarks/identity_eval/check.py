"""Validate benchmarks/identity_eval/responses.jsonl and print its counts.

Usage: python benchmarks/identity_eval/check.py [path/to/responses.jsonl]

Exits non-zero when a row breaks the schema or the labelling rules, or when the
composition minimums in README.md are not met. Standard library only.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

VENDORS = {
    "OpenAI", "Anthropic", "Google", "Meta", "Alibaba", "Mistral AI", "Microsoft", "DeepSeek",
    "Hugging Face", "Stanford", "LMSYS", "LAION", "TII", "Cohere", "01.AI", "Zhipu AI", "Baidu",
    "xAI", "Moonshot AI", "ByteDance", "MiniMax", "Tencent", "StepFun", "AI21 Labs", "Amazon",
    "IBM", "Nvidia", "Apple", "Baichuan", "iFlytek", "SenseTime", "Allen AI", "Stability AI",
    "EleutherAI", "Databricks",
}
LABELS = ("self_claim", "persona_claim", "mention", "none")
CLASSES = (
    "plain_claim", "claim_with_mentions", "passing_mention", "comparison", "history_or_fact",
    "library_or_product", "policy", "roleplay_tag", "persona_mode", "think_trace", "quoted_text",
    "code_block", "fictional_bio", "denial", "denial_then_claim", "negation_false_cue",
    "none_other_than", "generic_ai", "no_identity",
)
LANGS = ("en", "zh", "de", "es", "fr", "it", "ja", "ko", "pt", "ru")
KEYS = ("id", "lang", "text", "label", "claimed_vendors", "mentioned_vendors", "speaker_vendor",
        "cls", "source", "note")
SOURCE_RE = re.compile(r"^(written|alpaca_eval:[^:]+:\d+|local:[^:]+:[^:]+)$")
MAX_TEXT = 1800

# Minimums from the task brief (per language where given).
MIN_ROWS = {"en": 180, "zh": 160}
MIN_OTHER_ROWS = 40
MIN_TOTAL = 420
MIN_REAL = 60
MIN_PER_LANG = {"positive": 45, "true_claim": 25, "persona_claim": 20, "mention": 40, "none": 15}
MIN_CLS = {("zh", "negation_false_cue"): 10, ("en", "none_other_than"): 5}


def is_positive(r: dict) -> bool:
    """Headline metric: a self-claim of at least one vendor other than the speaker's own."""
    return r["label"] == "self_claim" and any(v != r["speaker_vendor"] for v in r["claimed_vendors"])


def is_true_claim(r: dict) -> bool:
    return (r["label"] == "self_claim" and bool(r["claimed_vendors"])
            and all(v == r["speaker_vendor"] for v in r["claimed_vendors"]))


def validate(rows: list[dict]) -> list[str]:
    errs: list[str] = []
    seen: set[str] = set()
    for n, r in enumerate(rows, 1):
        where = f"line {n} ({r.get('id', '?')})"
        if tuple(sorted(r)) != tuple(sorted(KEYS)):
            errs.append(f"{where}: keys {sorted(r)} != {sorted(KEYS)}")
            continue
        if not isinstance(r["id"], str) or not re.fullmatch(r"[a-z]{2}-\d{4}", r["id"]):
            errs.append(f"{where}: bad id")
        if r["id"] in seen:
            errs.append(f"{where}: duplicate id")
        seen.add(r["id"])
        if r["lang"] not in LANGS:
            errs.append(f"{where}: bad lang {r['lang']!r}")
        elif not r["id"].startswith(r["lang"] + "-"):
            errs.append(f"{where}: id prefix does not match lang")
        if not isinstance(r["text"], str) or not r["text"].strip():
            errs.append(f"{where}: empty text")
        elif len(r["text"]) > MAX_TEXT:
            errs.append(f"{where}: text longer than {MAX_TEXT} chars")
        if r["label"] not in LABELS:
            errs.append(f"{where}: bad label {r['label']!r}")
        if r["cls"] not in CLASSES:
            errs.append(f"{where}: bad cls {r['cls']!r}")
        if r["speaker_vendor"] not in VENDORS:
            errs.append(f"{where}: speaker_vendor {r['speaker_vendor']!r} not canonical")
        for key in ("claimed_vendors", "mentioned_vendors"):
            vs = r[key]
            if not isinstance(vs, list) or any(v not in VENDORS for v in vs):
                errs.append(f"{where}: {key} {vs!r} has a non-canonical vendor")
            elif len(set(vs)) != len(vs):
                errs.append(f"{where}: {key} has duplicates")
        if set(r["claimed_vendors"]) & set(r["mentioned_vendors"]):
            errs.append(f"{where}: a vendor is both claimed and mentioned")
        if not isinstance(r["source"], str) or not SOURCE_RE.match(r["source"]):
            errs.append(f"{where}: bad source {r['source']!r}")
        if not isinstance(r["note"], str):
            errs.append(f"{where}: note must be a string")
        # Labelling rules.
        lab = r["label"]
        if lab in ("mention", "none") and r["claimed_vendors"]:
            errs.append(f"{where}: {lab} row must have empty claimed_vendors")
        if lab == "none" and r["mentioned_vendors"]:
            errs.append(f"{where}: none row must have empty mentioned_vendors")
        if lab == "mention" and not r["mentioned_vendors"]:
            errs.append(f"{where}: mention row needs mentioned_vendors")
        if lab == "persona_claim" and not r["claimed_vendors"]:
            errs.append(f"{where}: persona_claim row needs the persona's claimed vendor")
        if lab == "self_claim" and not r["claimed_vendors"] and "not a listed vendor" not in r["note"]:
            errs.append(f"{where}: self_claim without a canonical vendor must say 'not a listed vendor' in note")
    return errs


def table(title: str, rows: list[dict], col_of, cols: list[str]) -> str:
    langs = [l for l in LANGS if any(r["lang"] == l for r in rows)]
    cnt = defaultdict(Counter)
    for r in rows:
        for c in col_of(r):
            cnt[r["lang"]][c] += 1
    w = max(len(c) for c in cols + ["total", title])
    out = [f"{title:<{w}} " + " ".join(f"{l:>4}" for l in langs) + "   all"]
    for c in cols:
        vals = [cnt[l][c] for l in langs]
        out.append(f"{c:<{w}} " + " ".join(f"{v:>4}" for v in vals) + f" {sum(vals):>5}")
    tot = [sum(1 for r in rows if r["lang"] == l) for l in langs]
    out.append(f"{'total':<{w}} " + " ".join(f"{v:>4}" for v in tot) + f" {sum(tot):>5}")
    return "\n".join(out)


def derived(r: dict) -> list[str]:
    tags = []
    if is_positive(r):
        tags.append("positive")
    if is_true_claim(r):
        tags.append("true_claim")
    if r["label"] == "self_claim" and not r["claimed_vendors"]:
        tags.append("unlisted_claim")
    tags.append("real" if r["source"] != "written" else "written")
    return tags


def composition(rows: list[dict]) -> list[str]:
    bad = []
    by_lang = Counter(r["lang"] for r in rows)
    if len(rows) < MIN_TOTAL:
        bad.append(f"total rows {len(rows)} < {MIN_TOTAL}")
    for lang, m in MIN_ROWS.items():
        if by_lang[lang] < m:
            bad.append(f"{lang} rows {by_lang[lang]} < {m}")
    other = sum(v for k, v in by_lang.items() if k not in MIN_ROWS)
    if other < MIN_OTHER_ROWS:
        bad.append(f"other-language rows {other} < {MIN_OTHER_ROWS}")
    real = sum(1 for r in rows if r["source"] != "written")
    if real < MIN_REAL:
        bad.append(f"real rows {real} < {MIN_REAL}")
    for lang in MIN_ROWS:
        sub = [r for r in rows if r["lang"] == lang]
        have = {
            "positive": sum(map(is_positive, sub)),
            "true_claim": sum(map(is_true_claim, sub)),
            "persona_claim": sum(r["label"] == "persona_claim" for r in sub),
            "mention": sum(r["label"] == "mention" for r in sub),
            "none": sum(r["label"] == "none" for r in sub),
        }
        for k, m in MIN_PER_LANG.items():
            if have[k] < m:
                bad.append(f"{lang} {k} {have[k]} < {m}")
    for (lang, cls), m in MIN_CLS.items():
        n = sum(1 for r in rows if r["lang"] == lang and r["cls"] == cls)
        if n < m:
            bad.append(f"{lang} {cls} {n} < {m}")
    return bad


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("responses.jsonl")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            print(f"line {n}: invalid JSON: {e}")
            return 1
    errs = validate(rows)
    for e in errs:
        print("ERROR", e)
    if errs:
        print(f"{len(errs)} error(s)")
        return 1
    print(f"{path}: {len(rows)} rows, schema OK\n")
    print(table("label", rows, lambda r: [r["label"]], list(LABELS)))
    print()
    print(table("derived", rows, derived,
                ["positive", "true_claim", "unlisted_claim", "real", "written"]))
    print()
    print(table("cls", rows, lambda r: [r["cls"]], list(CLASSES)))
    print()
    src = Counter(r["source"].split(":")[0] for r in rows)
    print("sources:", ", ".join(f"{k}={v}" for k, v in sorted(src.items())))
    claimed = Counter(v for r in rows for v in r["claimed_vendors"])
    mentioned = Counter(v for r in rows for v in r["mentioned_vendors"])
    speaker = Counter(r["speaker_vendor"] for r in rows)
    print("\nvendor          claimed mentioned speaker")
    for v in sorted(VENDORS, key=lambda v: (-(claimed[v] + mentioned[v] + speaker[v]), v)):
        print(f"{v:<15} {claimed[v]:>7} {mentioned[v]:>9} {speaker[v]:>7}")
    bad = composition(rows)
    print()
    if bad:
        for b in bad:
            print("COMPOSITION", b)
        return 1
    print("composition minimums: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
