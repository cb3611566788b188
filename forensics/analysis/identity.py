"""Identity claims: does S call itself by R's name (or R's maker's) more often than controls do?

`extract_identity_claims` finds model-family and vendor names in each response with a lexicon of
multilingual patterns (Latin names are matched in any script; Chinese names such as 通义千问,
文心一言, 深度求索 too). A mention counts as a claim unless a negation cue ("not", "nicht", "pas",
"no", "不是", "並非" ... or a post-posed "ではありません"/"아닙니다") sits shortly before it in the
same sentence with no contrast/affirmation cue ("but", "sondern", "mais", "pero", "而是", "I am",
"我是" ...) in between. This is crude: "I can't browse, as ChatGPT..." is read as a denial, and
"Unlike X" or a list after one negation are all denials. Denial-biased errors are the safe side.

`identity_test`: R's identity = the names R claims most often on identity probes (any name at
least half as frequent as its top name) plus their vendors, or `reference_names` when given.
Statistic = per-probe rate at which S's responses name that identity minus the mean rate of the
controls. p: paired within-probe label permutation of S among {S, C1..Ck} (Monte Carlo, seeded);
a response-level one-sided Fisher exact test of S vs pooled controls is in the table.
What identity cannot separate: a model sharing R's vendor, a fine-tune of R's base model, models
trained on the same public chat logs (many open models call themselves ChatGPT), and any model
told its name by a system prompt. A shared identity is a lead, not proof of distillation.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

from forensics.core import for_matching

from ._resample import _bootstrap_means, _label_permutation_p, _percentile_ci
from ._result import AnalysisResult, Exhibit

MAX_CHARS = 20_000  # claims sit at the start of a response; the rest is not scanned
MAX_QUOTE = 300
MIN_PROBES = 3
_L, _R = r"(?<![A-Za-z0-9])", r"(?![A-Za-z])"  # versions may follow: "Qwen2", "Llama3"
_I = re.IGNORECASE

# (canonical name, vendor, pattern, flags): case-sensitive where the word is also a common noun.
_NAMES: tuple[tuple[str, str | None, str, int], ...] = (
    ("ChatGPT", "OpenAI", r"chat\s?-?gpt|チャットGPT", _I),
    ("GPT-4", "OpenAI", r"gpt[\s-]?4(?:\.\d)?(?:o|\s?omni|[\s-]?turbo)?(?:[\s-]?mini)?", _I),
    ("GPT-3.5", "OpenAI", r"gpt[\s-]?3\.5(?:[\s-]?turbo)?", _I),
    ("GPT-3", "OpenAI", r"gpt[\s-]?3(?!\.\d)|(?:text-)?davinci(?:-00\d)?|instructgpt", _I),
    ("GPT", "OpenAI", r"GPT(?![\s-]?\d)", 0),
    ("Claude", "Anthropic", r"Claude|CLAUDE|claude(?=[\s-]?\d)", 0),
    ("Gemini", "Google", r"Gemini|gemini(?=[\s-]?\d)", 0),
    ("Bard", "Google", r"Bard", 0),
    ("Gemma", "Google", r"Gemma|gemma(?=[\s-]?\d)", 0),
    ("PaLM", "Google", r"PaLM(?:[\s-]?2)?|PALM[\s-]?2", 0),
    ("Llama", "Meta", r"LLaMA|LLaMa|Llama|LLAMA|llama(?=[\s-]?\d)", 0),
    ("Qwen", "Alibaba", r"qwen|通义千问|通義千問|千问|千問|通义|通義", _I),
    ("Mixtral", "Mistral AI", r"mixtral", _I),
    ("Mistral", "Mistral AI", r"Mistral(?![\s-]?AI)|mistral(?=[\s-]?\d)", 0),
    ("Phi", "Microsoft", r"Phi[\s-]?[1-4](?:\.5)?(?:[\s-](?:mini|small|medium))?", 0),
    ("Copilot", "Microsoft", r"Copilot", 0),
    ("DeepSeek", "DeepSeek", r"deep\s?seek", _I),
    ("SmolLM", "Hugging Face", r"smol\s?lm\d?", _I),
    ("Zephyr", "Hugging Face", r"Zephyr", 0),
    ("Alpaca", "Stanford", r"Alpaca", 0),
    ("Vicuna", "LMSYS", r"Vicuna|vicuna(?=[\s-]?\d)", 0),
    ("OpenAssistant", "LAION", r"open[\s-]?assistant", _I),
    ("Baize", None, r"Baize", 0),
    ("Guanaco", None, r"Guanaco", 0),
    ("Falcon", "TII", r"Falcon", 0),
    ("Command", "Cohere", r"Command[\s-]?R\+?|Command[\s-](?:Light|Nightly|A)", 0),
    ("Yi", "01.AI", r"Yi(?=[\s-](?:\d|Large|Lightning|Chat|Vision|Coder))", 0),
    ("GLM", "Zhipu AI", r"(?:Chat)?GLM(?:[\s-]?\d)?|智谱清言|智譜清言", 0),
    ("ERNIE", "Baidu", r"ERNIE(?:[\s-]?Bot)?|文心一言|文心", 0),
    ("Grok", "xAI", r"Grok", 0),
    ("Kimi", "Moonshot AI", r"Kimi", 0),
)
_VENDORS: tuple[tuple[str, str, int], ...] = (
    ("OpenAI", r"Open\s?AI|openai|OPENAI|オープンAI|오픈AI", 0),
    ("Anthropic", r"anthropic|アンソロピック", _I),
    ("Google", r"Google|GOOGLE|DeepMind|Deepmind|谷歌|グーグル|구글", 0),
    ("Meta", r"Meta(?!-)|META|Facebook|脸书|臉書", 0),
    ("Alibaba", r"alibaba|阿里巴巴|阿里云|阿里雲|达摩院", _I),
    ("Mistral AI", r"Mistral[\s-]?AI", _I),
    ("Microsoft", r"microsoft|微软|微軟|マイクロソフト|마이크로소프트", _I),
    ("DeepSeek", r"深度求索", 0),
    ("Hugging Face", r"hugging\s?face", _I),
    ("Stanford", r"Stanford|斯坦福", 0),
    ("LMSYS", r"LMSYS|lmsys|Large Model Systems", 0),
    ("LAION", r"LAION", 0),
    ("TII", r"Technology Innovation Institute|TII", 0),
    ("Cohere", r"Cohere", 0),
    ("01.AI", r"01\.AI|01-ai|零一万物|零一萬物", _I),
    ("Zhipu AI", r"zhipu|智谱|智譜", _I),
    ("Baidu", r"baidu|百度", _I),
    ("xAI", r"xAI", 0),
    ("Moonshot AI", r"Moonshot\s?AI|月之暗面", 0),
)
MODEL_VENDOR: dict[str, str | None] = {n: v for n, v, _, _ in _NAMES}
KNOWN_NAMES = tuple(MODEL_VENDOR)
KNOWN_VENDORS = tuple(v for v, _, _ in _VENDORS)

_COMPILED = [(n, "name", re.compile(_L + f"(?:{p})" + _R, f)) for n, _, p, f in _NAMES] + [
    (v, "vendor", re.compile(_L + f"(?:{p})" + _R, f)) for v, p, f in _VENDORS]
_NEG = re.compile(
    r"(?<!\w)(?:not|never|no(?!\s*,|-)|neither|nor|unlike|rather than|instead of|other than"
    r"|nicht|kein\w*|nie|niemals|weder|anders als|im gegensatz zu"
    r"|pas|jamais|non(?!\s*,|-)|contrairement|ni|nunca|tampoco|a diferencia de|mai|não|nem"
    r"|не|ни|нет)(?!\w)|n[’']t(?![A-Za-z])|不是|并非|並非|并不|並不|而非|没有|沒有|非(?!常)|不",
    _I,
)
_RESET = re.compile(
    r"(?<!\w)(?:but|however|rather|instead|actually|i am|i['’]m|my name is|sondern|aber"
    r"|jedoch|ich bin|mais|plutôt|je suis|pero|sino|ma|bensì|mas|но)(?!\w)"
    r"|但是|但|而是|却|卻|我是|我叫|我的名字",
    _I,
)
_NEG_AFTER = re.compile(r"^.{0,12}?(?:ではありません|ではない|じゃない|じゃありません|아닙|아니)", re.S)
_SENT_END = re.compile(r"(?<=\.)\s+|[。!?\n;]+")  # text is NFKC: ！？； are !?;
_PRE_WINDOW = 60


def _negated(s: str, start: int, end: int, sent_start: int, sent_end: int) -> bool:
    """Whether the mention at s[start:end] is denied by a nearby negation cue."""
    pre = s[max(sent_start, start - _PRE_WINDOW):start]
    last = None
    for last in _NEG.finditer(pre):
        pass
    if last is not None and not _RESET.search(pre[last.end():]):
        return True
    return bool(_NEG_AFTER.match(s[end:min(sent_end, end + 24)]))


def _sentences(s: str) -> list[tuple[int, int]]:
    """Sentence spans of s."""
    spans, start = [], 0
    for m in _SENT_END.finditer(s):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(s)))
    return spans


def _quote(s: str, span: tuple[int, int], at: int) -> str:
    """The sentence around position `at`, at most MAX_QUOTE characters."""
    a, b = span
    if b - a > MAX_QUOTE:
        a = max(a, min(at - MAX_QUOTE // 2, b - MAX_QUOTE))
        b = a + MAX_QUOTE
    return " ".join(s[a:b].split())[:MAX_QUOTE]


def _claims(text: object, extra: list[tuple[str, re.Pattern]] = ()) -> tuple[list, list, str]:
    """(claimed names, claimed vendors, quote) for one response."""
    s = for_matching(text)[:MAX_CHARS]
    found = []
    for canon, kind, rx in [*_COMPILED, *((c, "name", r) for c, r in extra)]:
        found += [(m.start(), -(m.end() - m.start()), m.end(), canon, kind) for m in rx.finditer(s)]
    found.sort()
    names, vendors, quote, taken_until = [], [], "", -1
    spans = _sentences(s) if found else []
    for start, _, end, canon, kind in found:
        if start < taken_until:
            continue  # overlaps a longer or earlier mention
        taken_until = end
        span = next((sp for sp in spans if sp[0] <= start <= sp[1]), (0, len(s)))
        if _negated(s, start, end, *span):
            continue
        bucket = names if kind == "name" else vendors
        if canon not in bucket:
            bucket.append(canon)
        if not quote:
            quote = _quote(s, span, start)
    return names, vendors, quote


def extract_identity_claims(df: pd.DataFrame, extra_names: list[str] | None = None,
                            cache: dict | None = None) -> pd.DataFrame:
    """One row per response: model, probe_id, sample, language, claimed_names/vendors, quote.

    `cache` (any dict kept between calls) remembers each text's claims, so assessing many
    (suspect, reference) pairs on one set of responses scans every text once.
    """
    names_key = tuple(n for n in (extra_names or []) if n.strip())
    extra = [(n, re.compile(_L + re.escape(n) + _R, _I)) for n in names_key]
    memo: dict = cache.setdefault(("identity_claims", names_key), {}) if cache is not None else {}
    rows = []
    for rec in df.itertuples(index=False):
        text = getattr(rec, "text", "")
        if isinstance(text, str):
            if text not in memo:
                memo[text] = _claims(text, extra)
            names, vendors, quote = memo[text]
        else:
            names, vendors, quote = _claims(text, extra)
        names, vendors = list(names), list(vendors)  # the memo's lists stay untouched
        rows.append({"model": rec.model, "probe_id": rec.probe_id,
                     "sample": getattr(rec, "sample", 0), "language": getattr(rec, "language", ""),
                     "claimed_names": names, "claimed_vendors": vendors, "quote": quote})
    cols = ["model", "probe_id", "sample", "language", "claimed_names", "claimed_vendors", "quote"]
    return pd.DataFrame(rows, columns=cols)


def implied_vendors(names: list[str]) -> list[str]:
    """Vendors of the given canonical model names (unknown names and None dropped)."""
    return [v for v in dict.fromkeys(MODEL_VENDOR.get(n) for n in names) if v]


def canonical_identity(names: list[str]) -> tuple[set[str], set[str], list[str]]:
    """Canonical names, vendors and unrecognised literal names for user-given reference names."""
    cn, cv, literal = set(), set(), []
    for raw in names:
        n, v, _ = _claims(raw)
        if raw in KNOWN_VENDORS:
            v.append(raw)
        if not n and not v:
            literal.append(raw.strip())
        cn.update(n)
        cv.update(v)
    cv.update(implied_vendors(sorted(cn)))
    return cn, cv, [x for x in literal if x]


def _top(counter: Counter) -> set[str]:
    """Keys at least half as frequent as the most frequent one."""
    if not counter:
        return set()
    top = max(counter.values())
    return {k for k, c in counter.items() if c * 2 >= top}


def _na(notes: list[str], controls: list[str], n: int = 0) -> AnalysisResult:
    """A result that carries no evidence."""
    nan = float("nan")
    return AnalysisResult(name="identity", statistic=nan, effect=nan, ci_low=nan, ci_high=nan,
                          p_value=1.0, n=n, control_statistics={c: nan for c in controls},
                          notes=notes, applicable=False)


def identity_test(df: pd.DataFrame, suspect: str, reference: str, controls: list[str], *,
                  reference_names: list[str] | None = None, seed: int = 0, n_boot: int = 2000,
                  n_perm: int = 10000, cache: dict | None = None) -> AnalysisResult:
    """Rate at which S names R's identity or vendor, minus the controls' mean rate."""
    controls = list(controls)
    if len({suspect, reference, *controls}) != 2 + len(controls):
        raise ValueError("suspect, reference and controls must be distinct models")
    present = set(df["model"].unique()) if "model" in df.columns else set()
    missing = [m for m in [suspect, *controls] if m not in present]
    if missing or not controls:
        why = f"no responses for {', '.join(missing)}" if missing else "no control models"
        return _na([why], controls)
    sub = df[df["model"].isin([suspect, reference, *controls])]
    notes = []
    if "category" in sub.columns and (sub["category"] == "identity").any():
        sub = sub[sub["category"] == "identity"]
    else:
        notes.append("no identity probes: all responses scanned for identity claims")
    literal: list[str] = []
    if reference_names:
        r_names, r_vendors, literal = canonical_identity(list(reference_names))
        claims = extract_identity_claims(sub, literal, cache)
        source = "given reference_names"
    else:
        claims = extract_identity_claims(sub, cache=cache)
        rc = claims[claims["model"] == reference]
        r_names = _top(Counter(n for ns in rc["claimed_names"] for n in ns))
        vend = Counter(v for ns, vs in zip(rc["claimed_names"], rc["claimed_vendors"])
                       for v in dict.fromkeys([*vs, *implied_vendors(ns)]))
        r_vendors = _top(vend) | set(implied_vendors(sorted(r_names)))
        source = "the reference's own most frequent claims"
    wanted_names = set(r_names) | set(literal)
    if not wanted_names and not r_vendors:
        return _na(notes + ["the reference never states an identity; pass reference_names"],
                   controls)
    notes.append(f"reference identity ({source}): names {sorted(wanted_names)}, "
                 f"vendors {sorted(r_vendors)}")
    claims["hit"] = [bool(wanted_names & set(ns) or r_vendors & set([*vs, *implied_vendors(ns)]))
                     for ns, vs in zip(claims["claimed_names"], claims["claimed_vendors"])]
    group = [suspect, *controls]
    per = claims[claims["model"].isin(group)].groupby(["probe_id", "model"])["hit"].mean()
    wide = per.unstack("model").reindex(columns=group).dropna()
    n = len(wide)
    if n < MIN_PROBES:
        return _na(notes + [f"only {n} identity probes answered by S and all controls "
                            f"(need {MIN_PROBES})"], controls, n)
    v = wide.to_numpy(float)
    rates = v.mean(axis=0)
    diff = v[:, 0] - v[:, 1:].mean(axis=1)
    stat = float(diff.mean())
    rng = np.random.default_rng(seed)
    lo, hi = _percentile_ci(_bootstrap_means(diff[None, :], n_boot, rng)[:, 0])
    p = _label_permutation_p(v, n_perm, rng)
    ctrl_rate = float(rates[1:].mean())
    effect = float(2 * np.arcsin(np.sqrt(rates[0])) - 2 * np.arcsin(np.sqrt(ctrl_rate)))
    k = len(controls)
    ctrl_stats = {c: (float(rates[j + 1] - np.delete(rates[1:], j).mean()) if k > 1 else np.nan)
                  for j, c in enumerate(controls)}
    if k < 2:
        notes.append("control_statistics need at least 2 controls (NaN with one)")
    resp = claims[claims["probe_id"].isin(wide.index)]
    s_hits = resp.loc[resp["model"] == suspect, "hit"]
    c_hits = resp.loc[resp["model"].isin(controls), "hit"]
    fisher_p = 1.0
    if len(s_hits) and len(c_hits):
        cells = [[s_hits.sum(), (~s_hits).sum()], [c_hits.sum(), (~c_hits).sum()]]
        fisher_p = float(fisher_exact(cells, alternative="greater")[1])
    notes.append("response-level Fisher exact, S vs pooled controls (ignores pairing): "
                 f"p={fisher_p:.3g}")
    table = pd.DataFrame([{
        "model": m, "role": "suspect" if m == suspect else "control",
        "probe_rate": float(rates[i]),
        "n_responses": int((resp["model"] == m).sum()),
        "n_hits": int(resp.loc[resp["model"] == m, "hit"].sum()),
        "top_names": ", ".join(n for n, _ in Counter(
            x for ns in resp.loc[resp["model"] == m, "claimed_names"] for x in ns).most_common(3)),
    } for i, m in enumerate(group)])
    prompts = dict(zip(sub["probe_id"], sub["prompt"])) if "prompt" in sub.columns else {}
    exhibits = [Exhibit("identity_claim", {
        "model": suspect, "probe_id": r.probe_id, "sample": r.sample,
        "prompt": str(prompts.get(r.probe_id, ""))[:MAX_QUOTE], "quote": r.quote,
        "claimed_names": r.claimed_names, "claimed_vendors": r.claimed_vendors})
        for r in resp[(resp["model"] == suspect) & resp["hit"]].itertuples()][:20]
    ref_rows = claims[(claims["model"] == reference) & claims["hit"]]
    exhibits += [Exhibit("identity_claim", {
        "model": reference, "probe_id": r.probe_id, "sample": r.sample,
        "prompt": str(prompts.get(r.probe_id, ""))[:MAX_QUOTE], "quote": r.quote,
        "claimed_names": r.claimed_names, "claimed_vendors": r.claimed_vendors})
        for r in ref_rows.itertuples()][:3]
    notes.append("identity cannot separate a shared vendor, a fine-tune of R's base model, shared "
                 "public chat data, or a system prompt naming the model")
    return AnalysisResult(name="identity", statistic=stat, effect=effect, ci_low=lo, ci_high=hi,
                          p_value=p, n=n, control_statistics=ctrl_stats, table=table,
                          exhibits=exhibits, notes=notes)
