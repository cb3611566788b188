"""Validate benchmarks/identity_eval/responses.jsonl and print its counts.

Usage: python benchmarks/identity_eval/check.py [path/to/responses.jsonl]

Exits non-zero when a row breaks the schema or the labelling rules, or when the
composition minimums in README.md are not met. Standard library only.

Since issue 32 every row has `claims` (kind -> vendors, kinds self / channel / trace /
fiction); the headline is_positive() counts self and channel claims together, and
is_positive(r, ("self",)) is the original self-claim-only definition.
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
LABELS = ("self_claim", "persona_claim", "trace_claim", "fiction", "mention", "none")
# The kinds of identity statement (issue 32). `claims` maps each kind present in a row to the
# canonical vendors claimed in that kind; a row's label is its first kind in this order.
# `persona_claim` is the label of the channel kind (a real vendor or model named in a
# first-person frame under a role-play tag or a named character).
KINDS = ("self", "channel", "trace", "fiction")
LABEL_OF_KIND = {"self": "self_claim", "channel": "persona_claim", "trace": "trace_claim",
                 "fiction": "fiction"}
KIND_OF_LABEL = {v: k for k, v in LABEL_OF_KIND.items()}
FRAME_CLASSES = (
    "frame_appositive", "frame_participle", "frame_possessive", "frame_relative",
    "frame_copula", "frame_object", "frame_passive", "frame_measure_word", "frame_question",
    "frame_model_name",
)
CLASSES = (
    "plain_claim", "claim_with_mentions", "passing_mention", "comparison", "history_or_fact",
    "library_or_product", "policy", "roleplay_tag", "persona_mode", "think_trace", "quoted_text",
    "code_block", "fictional_bio", "denial", "denial_then_claim", "negation_false_cue",
    "none_other_than", "generic_ai", "no_identity",
) + FRAME_CLASSES + (
    "channel_two_answer", "channel_character", "tag_only", "fiction_maker",
    "trace_belief", "trace_restate", "user_quoted", "withheld_identity",
)
LANGS = ("en", "zh", "de", "es", "fr", "it", "ja", "ko", "pt", "ru")
KEYS = ("id", "lang", "text", "label", "claimed_vendors", "mentioned_vendors", "speaker_vendor",
        "cls", "source", "note", "claims")
SOURCE_RE = re.compile(r"^(written|alpaca_eval:[^:]+:\d+|local:[^:]+:[^:]+)$")
MAX_TEXT = 1800

# Minimums from the task brief (per language where given).
MIN_ROWS = {"en": 180, "zh": 160}
MIN_OTHER_ROWS = 40
MIN_TOTAL = 420
MIN_REAL = 60
MIN_PER_LANG = {"positive": 45, "true_claim": 25, "persona_claim": 20, "mention": 40, "none": 15}
MIN_CLS = {("zh", "negation_false_cue"): 10, ("en", "none_other_than"): 5}
# Issue 32 minimums, per language in MIN_ROWS.
MIN_KIND_PER_LANG = {
    "positive_channel": 15,   # a channel claim of a vendor other than the speaker's
    "true_channel": 3,        # a channel claim of the speaker's own vendor only
    "trace": 10,              # rows with a trace claim
    "trace_only": 6,          # label trace_claim (no claim outside the trace)
    "fiction": 10,            # label fiction
    "trace_negative": 8,      # a <think> block with no trace claim
    "tag_only": 5,            # cls tag_only
}
MIN_FRAME_PER_LANG = 4        # rows of each frame class, except:
FRAME_LANGS = {"frame_measure_word": ("zh",)}

HEADLINE = ("self", "channel")


def claimed_in(r: dict, kinds=HEADLINE) -> list[str]:
    """Canonical vendors the row claims in the given kinds (default: self and channel)."""
    out: list[str] = []
    for k in kinds:
        for v in r["claims"].get(k, []):
            if v not in out:
                out.append(v)
    return out


def is_positive(r: dict, kinds=HEADLINE) -> bool:
    """Headline metric: claims a vendor other than its own in one of `kinds`.

    The default counts self-claims and channel claims together (issue 32). The original
    definition (self-claims only) is is_positive(r, ("self",)).
    """
    return any(v != r["speaker_vendor"] for v in claimed_in(r, kinds))


def is_true_claim(r: dict, kinds=HEADLINE) -> bool:
    """Claims something in `kinds`, and every claimed vendor is the speaker's own."""
    vs = claimed_in(r, kinds)
    return bool(vs) and all(v == r["speaker_vendor"] for v in vs)


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
            continue
        cl = r["claims"]
        if not isinstance(cl, dict) or any(k not in KINDS for k in cl):
            errs.append(f"{where}: claims must map kinds {KINDS} to vendor lists")
            continue
        if any(not isinstance(vs, list) or any(v not in VENDORS for v in vs)
               or len(set(vs)) != len(vs) for vs in cl.values()):
            errs.append(f"{where}: claims has a non-canonical or repeated vendor")
            continue
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
        present = [k for k in KINDS if k in cl]
        want = LABEL_OF_KIND[present[0]] if present else None
        if want and lab != want:
            errs.append(f"{where}: claims has kinds {present}, so the label must be {want}")
        if not present and lab not in ("mention", "none"):
            errs.append(f"{where}: {lab} row needs its kind in claims")
        if present and r["claimed_vendors"] != cl[present[0]]:
            errs.append(f"{where}: claimed_vendors must equal claims[{present[0]!r}]")
        other = {v for k in present[1:] for v in cl[k]}
        if not other <= set(r["mentioned_vendors"]) | set(r["claimed_vendors"]):
            errs.append(f"{where}: vendors claimed in a secondary kind must be in mentioned_vendors")
        if cl.get("fiction"):
            errs.append(f"{where}: fiction claims an invented maker; its vendor list stays empty")
        if "trace" in cl and "<think>" not in r["text"]:
            errs.append(f"{where}: a trace claim needs a <think> block")
        for k in ("channel", "trace"):
            if k in cl and not cl[k]:
                errs.append(f"{where}: a {k} claim names a real vendor (an invented one is fiction)")
        if lab == "fiction" and r["claimed_vendors"]:
            errs.append(f"{where}: fiction row must have empty claimed_vendors")
        if lab in ("mention", "none") and r["claimed_vendors"]:
            errs.append(f"{where}: {lab} row must have empty claimed_vendors")
        if lab == "none" and r["mentioned_vendors"]:
            errs.append(f"{where}: none row must have empty mentioned_vendors")
        if lab == "mention" and not r["mentioned_vendors"]:
            errs.append(f"{where}: mention row needs mentioned_vendors")
        if lab in ("persona_claim", "trace_claim") and not r["claimed_vendors"]:
            errs.append(f"{where}: {lab} row needs the claimed vendor")
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
    for k in ("self", "channel", "trace"):
        if is_positive(r, (k,)):
            tags.append(f"positive_{k}")
        if is_true_claim(r, (k,)):
            tags.append(f"true_{k}")
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
            "positive_channel": sum(is_positive(r, ("channel",)) for r in sub),
            "true_channel": sum(is_true_claim(r, ("channel",)) for r in sub),
            "trace": sum("trace" in r["claims"] for r in sub),
            "trace_only": sum(r["label"] == "trace_claim" for r in sub),
            "fiction": sum(r["label"] == "fiction" for r in sub),
            "trace_negative": sum("<think>" in r["text"] and "trace" not in r["claims"] for r in sub),
            "tag_only": sum(r["cls"] == "tag_only" for r in sub),
        }
        for k, m in {**MIN_PER_LANG, **MIN_KIND_PER_LANG}.items():
            if have[k] < m:
                bad.append(f"{lang} {k} {have[k]} < {m}")
        for c in FRAME_CLASSES:
            if lang in FRAME_LANGS.get(c, (lang,)):
                n = sum(r["cls"] == c for r in sub)
                if n < MIN_FRAME_PER_LANG:
                    bad.append(f"{lang} {c} {n} < {MIN_FRAME_PER_LANG}")
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
    print(table("kind", rows, lambda r: [k for k in KINDS if k in r["claims"]], list(KINDS)))
    print()
    print(table("derived", rows, derived,
                ["positive", "true_claim", "positive_self", "true_self", "positive_channel",
                 "true_channel", "positive_trace", "true_trace", "unlisted_claim", "real",
                 "written"]))
    print()
    print(table("cls", rows, lambda r: [r["cls"]], list(CLASSES)))
    print()
    src = Counter(r["source"].split(":")[0] for r in rows)
    print("sources:", ", ".join(f"{k}={v}" for k, v in sorted(src.items())))
    claimed = Counter(v for r in rows for v in claimed_in(r, KINDS))
    mentioned = Counter(v for r in rows for v in r["mentioned_vendors"])
    speaker = Counter(r["speaker_vendor"] for r in rows)
    print("\nvendor          claimed mentioned speaker   (claimed: in any kind)")
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
