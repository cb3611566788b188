"""Identity claims: does S call itself by R's name (or R's maker's) more often than controls do?

`extract_identity_claims` reads each response with `read_identity` (`_identity_read`): names of
model families and vendors come from one lexicon (identity_lexicon.yaml, any script); a name is
a *self-claim* only inside a first-person identity frame ("I am …", "I was made by …", "my
developer is …", "我是/我由…开发", "je suis", "soy", "ich bin", "私は…です", "저는 …입니다", "я — …",
in ten languages) and not negated there (token-level: "I am not X", "我不是X", "je ne suis pas X";
a following contrast "…; I'm Claude" or "sondern/而是" yields the second claim). Names in other
roles (third parties, comparisons, libraries, policies, citations, history) are *mentions*.
English first-person sentences that name a model or vendor are also read by grammar
(`_identity_grammar`, spaCy's dependency parse, parsed in one batch per call): appositive,
participle, possessive-subject, relative, copula, object and passive frames of making or running
the speaker add claims, and a listed frame inside a conditional or someone else's belief ("If X
had trained me", "people assume X built me") becomes a mention.
Reasoning traces are never read; code and quotations only hold mentions; a claim made under a
role-play speaker tag or persona mode ("[CHATGPT]:", "DAN:", "Developer Mode") is a *persona
claim*: shown apart ("speaking as ChatGPT in a role-play"), never counted.

`identity_test`: R's identity = the names R claims most often on identity probes (any name at
least half as frequent as its top name) plus their vendors, or `reference_names` when given.
Statistic = per-probe rate at which S's responses self-claim that identity minus the mean rate
of the controls. p: paired within-probe label permutation of S among {S, C1..Ck} (Monte Carlo,
seeded); a response-level one-sided Fisher exact test of S vs pooled controls is in the table.
What identity cannot separate: a model sharing R's vendor, a fine-tune of R's base model, models
trained on the same public chat logs (many open models call themselves ChatGPT), and any model
told its name by a system prompt. A shared identity is a lead, not proof of distillation.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact

from ._identity_grammar import _collecting, _parse_all
from ._identity_lexicon import (
    KNOWN_NAMES,
    KNOWN_VENDORS,
    MODEL_VENDOR,
    _extra_name_patterns,
    _find_hits,
    implied_vendors,
)
from ._identity_read import (
    MAX_CHARS,
    MAX_QUOTE,
    IdentityReading,
    _read_with,
    read_identity,
)
from ._resample import _bootstrap_means, _label_permutation_p, _percentile_ci
from ._result import AnalysisResult, Exhibit

__all__ = ["KNOWN_NAMES", "KNOWN_VENDORS", "MAX_CHARS", "MAX_QUOTE", "MODEL_VENDOR", "IdentityReading",
           "canonical_identity", "extract_identity_claims", "identity_test", "implied_vendors",
           "read_identity"]

MIN_PROBES = 3
N_EXHIBITS, N_REF_EXHIBITS = 20, 3
COLUMNS = ["model", "probe_id", "sample", "language", "claimed_names", "claimed_vendors",
           "persona_names", "persona_vendors", "mentioned_names", "mentioned_vendors", "quote",
           "persona_quote"]
_LISTS = COLUMNS[4:10]


def extract_identity_claims(df: pd.DataFrame, extra_names: list[str] | None = None,
                            cache: dict | None = None) -> pd.DataFrame:
    """One row per response: model, probe_id, sample, language, the self-claimed, persona-claimed
    and mentioned names and vendors (lists), quote (the self-claim's sentence), persona_quote.

    `cache` (any dict kept between calls) remembers each text's reading, so assessing many
    (suspect, reference) pairs on one set of responses reads every text once.
    """
    names_key = tuple(n.strip() for n in (extra_names or []) if n.strip())
    extra = _extra_name_patterns(names_key)
    memo: dict = cache.setdefault(("identity_readings", names_key), {}) if cache is not None else {}
    texts = [t for t in dict.fromkeys(t for t in df.get("text", pd.Series(dtype=object)) if isinstance(t, str))
             if t not in memo]
    again = []
    with _collecting() as pending:  # first pass: English sentences that need a parse are gathered
        for t in texts:
            before = len(pending)
            memo[t] = _read_with(t, extra)
            if len(pending) > before:
                again.append(t)
    if again:  # parsed in one batch, then read again
        _parse_all(pending)
        for t in again:
            memo[t] = _read_with(t, extra)
    rows = []
    for rec in df.itertuples(index=False):
        text = getattr(rec, "text", "")
        r = memo.get(text) if isinstance(text, str) else None
        if r is None:
            r = _read_with(text, extra)
        row = {"model": rec.model, "probe_id": rec.probe_id, "sample": getattr(rec, "sample", 0),
               "language": getattr(rec, "language", ""), "quote": r.quote,
               "persona_quote": r.persona_quote}
        row.update({c: list(getattr(r, c)) for c in _LISTS})
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def canonical_identity(names: list[str]) -> tuple[set[str], set[str], list[str]]:
    """Canonical names, vendors and unrecognised literal names for user-given reference names."""
    cn, cv, literal = set(), set(), []
    for raw in names:
        hits = _find_hits(str(raw)[:MAX_QUOTE])
        n = [h.canon for h in hits if h.kind == "name"]
        v = [h.canon for h in hits if h.kind == "vendor"]
        if raw in KNOWN_VENDORS:
            v.append(raw)
        if not n and not v:
            literal.append(str(raw).strip())
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
    """Rate at which S self-claims R's identity or vendor, minus the controls' mean rate (persona
    claims are shown as `identity_persona_claim` exhibits and never counted)."""
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
    claims["hit"] = _hits(claims, wanted_names, r_vendors, "claimed")
    claims["persona_hit"] = _hits(claims, wanted_names, r_vendors, "persona")
    group = [suspect, *controls]
    per = claims[claims["model"].isin(group)].groupby(["probe_id", "model"])["hit"].mean()
    wide = per.unstack("model").reindex(columns=group).dropna()
    n = len(wide)
    if n < MIN_PROBES:
        return _na([*notes, f"only {n} identity probes answered by S and all controls (need {MIN_PROBES})"],
                   controls, n)
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
        "n_persona_hits": int(resp.loc[resp["model"] == m, "persona_hit"].sum()),
        "top_names": ", ".join(n for n, _ in Counter(
            x for ns in resp.loc[resp["model"] == m, "claimed_names"] for x in ns).most_common(3)),
    } for i, m in enumerate(group)])
    n_persona = int(resp.loc[resp["model"] == suspect, "persona_hit"].sum())
    if n_persona:
        notes.append(f"{n_persona} suspect responses name the reference's identity only while speaking "
                     "in a role-play persona: shown apart, not counted")
    prompts = dict(zip(sub["probe_id"], sub["prompt"])) if "prompt" in sub.columns else {}
    s_rows = resp[resp["model"] == suspect]
    r_rows = claims[claims["model"] == reference]
    exhibits = (_exhibits(s_rows[s_rows["hit"]], "identity_claim", prompts, N_EXHIBITS)
                + _exhibits(r_rows[r_rows["hit"]], "identity_claim", prompts, N_REF_EXHIBITS)
                + _exhibits(s_rows[s_rows["persona_hit"]], "identity_persona_claim", prompts, N_EXHIBITS)
                + _exhibits(r_rows[r_rows["persona_hit"]], "identity_persona_claim", prompts,
                            N_REF_EXHIBITS))
    notes.append("identity cannot separate a shared vendor, a fine-tune of R's base model, shared "
                 "public chat data, or a system prompt naming the model")
    return AnalysisResult(name="identity", statistic=stat, effect=effect, ci_low=lo, ci_high=hi,
                          p_value=p, n=n, control_statistics=ctrl_stats, table=table,
                          exhibits=exhibits, notes=notes)


def _hits(claims: pd.DataFrame, names: set[str], vendors: set[str], kind: str) -> list[bool]:
    """Per row: whether its `kind` ("claimed" or "persona") names or vendors meet R's identity."""
    return [bool(names & set(ns) or vendors & {*vs, *implied_vendors(ns)})
            for ns, vs in zip(claims[f"{kind}_names"], claims[f"{kind}_vendors"])]


def _exhibits(rows: pd.DataFrame, kind: str, prompts: dict, limit: int) -> list[Exhibit]:
    """Quoted claims as exhibits: self-claims (identity_claim) or role-play ones (identity_persona_claim)."""
    out = []
    for r in rows.head(limit).itertuples():
        fields = {"model": r.model, "probe_id": r.probe_id, "sample": r.sample,
                  "prompt": str(prompts.get(r.probe_id, ""))[:MAX_QUOTE]}
        if kind == "identity_claim":
            fields.update(quote=r.quote, claimed_names=list(r.claimed_names),
                          claimed_vendors=list(r.claimed_vendors))
        else:
            fields.update(quote=r.persona_quote, persona_names=list(r.persona_names),
                          persona_vendors=list(r.persona_vendors),
                          label=persona_label(r.persona_names, r.persona_vendors))
        out.append(Exhibit(kind, fields))
    return out


def persona_label(names, vendors) -> str:
    """How a persona claim is shown: "speaking as ChatGPT in a role-play"."""
    who = ", ".join([*names] or [*vendors]) or "another model"
    return f"speaking as {who} in a role-play"
