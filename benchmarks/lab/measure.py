"""The lab's measurements on its runs: radioactivity p-values and the evidence ranking."""

from __future__ import annotations

from pathlib import Path

from lab.roles import CANDIDATES, OTHER, STUDENTS, TEACHER

from forensics.backends import load_tokenizer, qwen_path
from forensics.store import load_run
from forensics.watermark import load_key, random_key


def radioactivity(out: Path, run_dir: Path, key_path: Path, n_random_keys: int, logged_dir: Path,
                  wm_ids: set, phi: frozenset) -> dict:
    """p-values under T's key: on the bundled suites (unsupervised: any prompts, no filter) and on the
    logged lab prompts (supervised: the prompts the teacher's API answered, contexts filtered to the
    teacher's own watermarked outputs); against scored tuples; false positives over random keys."""
    import numpy as np

    from forensics.evidence import radioactivity_scores
    from forensics.watermark import score_tokens

    key = load_key(key_path)
    tokenize = load_tokenizer(f"llamacpp:{qwen_path()}")
    judged = load_run(run_dir).responses
    table = radioactivity_scores(judged, key, tokenize)
    teacher_df = load_run(out / "teacher-data").responses
    teacher_own = radioactivity_scores(teacher_df, key, tokenize)

    def texts(df) -> dict[str, list[list[int]]]:
        df = df[df["category"] != "fingerprint"]
        return {m: [tokenize(t) for t in g["text"] if t] for m, g in df.groupby("model")}

    logged_df = load_run(logged_dir).responses
    other_df = load_run(out / "other-data").responses
    logged_ids = set(logged_df["probe_id"])
    other_df = other_df[other_df["probe_id"].isin(logged_ids)]  # untouched SmolLM2, same prompts
    settings = {"bundled": texts(judged), "logged": texts(logged_df) | texts(other_df)}
    logged_b = texts(logged_df[logged_df["probe_id"].isin(wm_ids)])

    def row(setting: str, model: str, seqs: list, filt: bool, **extra) -> dict:
        s = score_tokens(key, seqs, contexts=phi if filt else None)
        return {"setting": setting, "model": model, "filter": filt, "n_texts": len(seqs), **extra,
                **{k: v for k, v in s.as_dict().items() if k != "gamma"}}

    scored = [row(st, m, sq, f) for st, by in settings.items() for m, sq in sorted(by.items())
              for f in (False, True)]
    scored += [row("logged, (b)'s watermarked prompts", m, sq, True) for m, sq in sorted(logged_b.items())]
    curve = []
    for st, by in settings.items():
        for m in STUDENTS:
            for frac in (0.25, 0.5, 1.0):
                seqs = by[m][:max(1, round(frac * len(by[m])))]
                curve.append(row(st, m, seqs, st == "logged", share_of_texts=frac))
    fp_rows = []
    for st, by in settings.items():
        for m, sq in sorted(by.items()):
            ps = np.array([score_tokens(random_key(i), sq, contexts=phi if st == "logged" else None).p_value
                           for i in range(n_random_keys)])
            fp_rows.append({"setting": st, "model": m, "filter": st == "logged", "keys": n_random_keys,
                            "share_p_below_0.01": float((ps < 0.01).mean()),
                            "share_p_below_0.05": float((ps < 0.05).mean())})
    return {"true_key": table.to_dict("records"), "teacher_watermarked_data": teacher_own.to_dict("records"),
            "scored": scored, "curve": curve, "random_keys": fp_rows, "filter_contexts": len(phi),
            "watermarked_prompts_b": sorted(wm_ids)}


def filter_contexts(out: Path, key_path: Path) -> frozenset:
    """The contexts of the teacher's own watermarked outputs (the vendor has them): the filter."""
    from forensics.evidence import watermarked_contexts

    return watermarked_contexts(load_run(out / "teacher-data"), load_key(key_path),
                                load_tokenizer(f"llamacpp:{qwen_path()}"))


def evidence(run_dir: Path, key_path: Path, phi: frozenset) -> list[dict]:
    """Each student ranked among the candidate teachers; radioactivity filtered to `phi`."""
    from forensics.evidence import WatermarkEvidence, rank

    key = load_key(key_path)
    tokenize = load_tokenizer(f"llamacpp:{qwen_path()}")
    kwargs = {"watermark": WatermarkEvidence(TEACHER, key, tokenize, f"llamacpp:{qwen_path().name}", phi)}
    rows = []
    for s in STUDENTS:
        table = rank(run_dir, s, list(CANDIDATES), [OTHER], **kwargs)
        for r in table.itertuples():
            ev = r.evidence
            summ = ev.summary.set_index("analysis")
            fams = summ.groupby("family")["log10_lr"].mean().round(3).dropna().to_dict()
            rows.append({"suspect": s, "reference": r.reference, "rank": int(r.rank),
                         "log10_lr": float(r.log10_lr), "verdict": r.wording, "level": int(r.level),
                         "inconclusive": bool(r.inconclusive), "family_mean_log10_lr": fams,
                         "combination": ev.verdict.reasons_of("combination"),
                         "controls_as_suspect": ev.tables["robustness"].set_index("control")[
                             "log10_lr_control_as_suspect"].round(3).to_dict(),
                         "analyses": summ["log10_lr"].round(3).dropna().to_dict()})
    return rows


