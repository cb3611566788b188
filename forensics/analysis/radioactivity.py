"""Watermark radioactivity: does S write with a green bias under R's watermark key?

After Sander et al. 2024 ("Watermarking makes language models radioactive"): when R's outputs carry
a Kirchenbauer green-list watermark, a model trained on them inherits a small bias toward R's green
tokens, which shows in its own texts scored under R's key and tokenizer. The evidence layer scores
every model's texts (`forensics.evidence.radioactivity_scores`: one row per model, each distinct
(context, token) tuple counted once) and hands the frame in; this module only judges it:

- statistic: S's z-score, (green tuples − γn) / sqrt(nγ(1−γ));
- control statistics: each control's z, its own texts scored under the same key (the null: for a
  model that never saw the key's watermarked text, z has mean 0 and SD 1 exactly);
- p-value: S's exact one-sided binomial p from the frame; n: S's scored tuples;
- effect: S's green share − γ, with a Clopper–Pearson 95% interval on the share (minus γ).

Not applicable without a key, when the key belongs to another model than the reference, or when S
has fewer than MIN_TUPLES scored tuples. The key itself never reaches this module: only its settings
(scheme, γ, δ, context width, SHA-256) and the tokenizer spec, as `radioactivity_settings`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._result import AnalysisResult

NAME = "radioactivity.green_bias"
MIN_TUPLES = 50  # S's distinct scored (context, token) tuples below which the test is not run
NO_KEY = "no watermark key supplied (forensics analyze --watermark-key KEYFILE --watermark-tokenizer SPEC)"
REMOVAL_CAVEAT = (
    "Removal attacks: paraphrasing the watermarked outputs before training, or fine-tuning on clean "
    "text afterwards, can erase the signal (Gu et al., ICLR 2024; Pan et al., ACL 2025), and a "
    "student trained on unwatermarked outputs of R shows none. A high p-value is therefore not "
    "evidence of independence: only a low one is evidence, of training on this key's watermarked text.")
EXACTNESS = (
    "Under H2 (the suspect never trained on text watermarked with this key) the p-value is exact: "
    "each distinct (context, token) tuple is green with probability γ independently of the text, "
    "so the suspect's green count is Binomial(n, γ); repeated tuples are counted once (Sander et al. "
    "2024), so repetitive text does not inflate it.")
INDEPENDENCE = (
    "Independence from the text families: the key is drawn independently of everything the "
    "similarity, stylometry and attribution analyses read, so under H2 this statistic is independent "
    "of them; under H1 both grow with the amount of training on R's text, so they are not "
    "independent given H1 and adding their log-LRs overstates the total somewhat.")
SHARED_TUPLES = (
    "Frequent (context, token) tuples occur in every model's texts and have one colour under the key, "
    "so the models' z-scores share a common offset: the LR compares the suspect with the controls' "
    "mean, which absorbs it. The z-score's SD under H2 is known (1), so the LR does not estimate it from "
    "the few controls: it uses SD 1, or the controls' spread where that is wider.")


def _not_applicable(why: str) -> AnalysisResult:
    nan = float("nan")
    return AnalysisResult(NAME, nan, nan, nan, nan, nan, 0, notes=[why], applicable=False)


def _clopper_pearson(x: int, n: int) -> tuple[float, float]:
    """Exact 95% interval of a binomial share x / n."""
    lo = float(stats.beta.ppf(0.025, x, n - x + 1)) if x > 0 else 0.0
    hi = float(stats.beta.ppf(0.975, x + 1, n - x)) if x < n else 1.0
    return lo, hi


def settings_text(settings: dict) -> str:
    """The key's settings in words (scheme, γ, δ, context width, SHA-256 prefix, tokenizer); only
    these named fields are read, so nothing else a caller put in the dict is ever shown."""
    sha = str(settings.get("key_sha256") or "")
    parts = [f"scheme {settings.get('scheme', '?')}", f"γ = {settings.get('gamma', '?')}",
             f"δ = {settings.get('delta', '?')}", f"context {settings.get('context', '?')} token(s)",
             f"key SHA-256 {sha[:16]}…" if sha else "key SHA-256 not recorded",
             f"tokenizer {settings.get('tokenizer') or 'unnamed'}"]
    return ", ".join(parts)


def _row(frame: pd.DataFrame, model: str) -> pd.Series | None:
    rows = frame[frame["model"].astype(str) == model]
    return rows.iloc[0] if len(rows) else None


def radioactivity_test(df: pd.DataFrame, suspect: str, reference: str, controls: Sequence[str],
                       radioactivity: pd.DataFrame | None = None, radioactivity_reference: str | None = None,
                       radioactivity_settings: dict | None = None) -> AnalysisResult:
    """S's green bias under R's watermark key, judged against the controls' (see module).

    `df` is the responses frame (unused: the texts were scored by the evidence layer, which holds the
    tokenizer); `radioactivity` the per-model scores (columns of `radioactivity_scores`);
    `radioactivity_reference` the model whose key it is; `radioactivity_settings` the key's settings
    and tokenizer spec (never the key)."""
    del df
    settings = dict(radioactivity_settings or {})
    if radioactivity_reference is not None and radioactivity_reference != reference:
        return _not_applicable(f"the watermark key is {radioactivity_reference}'s, not {reference}'s: "
                               "a key tests only the model whose outputs it watermarked")
    if radioactivity is None:
        return _not_applicable(NO_KEY)
    gamma = settings.get("gamma")
    if gamma is None or not 0.0 < float(gamma) < 1.0:
        return _not_applicable("the watermark key's settings (γ) were not given")
    gamma = float(gamma)
    s = _row(radioactivity, suspect)
    n_s = int(s["n_scored"]) if s is not None else 0
    if n_s < MIN_TUPLES:
        return _not_applicable(f"only {n_s} distinct (context, token) tuples scored in {suspect}'s texts "
                               f"under the key's tokenizer (needs {MIN_TUPLES})")
    ctrl, dropped = {}, []
    for c in (c for c in controls if c not in (suspect, reference)):
        r = _row(radioactivity, c)
        if r is not None and int(r["n_scored"]) >= MIN_TUPLES and np.isfinite(float(r["z"])):
            ctrl[c] = float(r["z"])
        else:
            dropped.append(c)
    x = int(s["n_green"])
    lo, hi = _clopper_pearson(x, n_s)
    share = x / n_s
    table = radioactivity[radioactivity["model"].astype(str).isin([suspect, reference, *ctrl, *dropped])]
    roles = {suspect: "suspect", reference: "reference"}
    table = table.assign(role=[roles.get(str(m), "control") for m in table["model"]]).reset_index(drop=True)
    method = (f"{suspect}'s green share {share:.3f} against γ = {gamma:g} over {n_s} distinct (context, token) "
              f"tuples ({x} green; z = {float(s['z']):.2f}, exact binomial p = {float(s['p_value']):.3g}) under "
              f"{reference}'s watermark key: {settings_text(settings)}.")
    notes = [method, EXACTNESS, INDEPENDENCE, SHARED_TUPLES, REMOVAL_CAVEAT]
    ref = _row(radioactivity, reference)
    if ref is not None and int(ref["n_scored"]):
        notes.append(f"{reference}'s own texts in this run: z = {float(ref['z']):.2f} over {int(ref['n_scored'])} "
                     "tuples. If they were generated with this key, a large z confirms that the key and "
                     "tokenizer match; if they were not watermarked, a z near 0 is expected.")
    if dropped:
        notes.append(f"controls with fewer than {MIN_TUPLES} scored tuples, left out of the null: "
                     + ", ".join(dropped))
    return AnalysisResult(NAME, float(s["z"]), share - gamma, lo - gamma, hi - gamma, float(s["p_value"]), n_s,
                          control_statistics=ctrl, table=table, notes=notes)
