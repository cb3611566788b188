"""The peer method beside the fused system, on one labelled panel, under the same cross-validation.

Peer (a plain attribution classifier of the kind Sun et al. 2025 use to tell source models apart):
TF-IDF of character 2-5-grams (within words) and word 1-2-grams, fitted label-free on every text
of the panel; per pair (S, R), an L2 logistic regression learns R's answers against the answers
of the pair's admissible controls (the same background the fused system uses: never S, nothing
of S's lineage) on half of the prompts, and S's score is the mean P(R) over its answers to the
other half. That score is calibrated exactly as the fused system's features are: lir's logistic
calibration, ELUB counted in sources, each pair by a fit that saw nothing of S's lineage.

    python benchmarks/peer_bench.py --run RUN --labels ../shared/data/alpaca_eval/labels.yaml [--json OUT]

RUN: a run holding the panel (e.g. the one `benchmarks/fit_calibration.py --run RUN` made; its
population and embeddings are cached there). Prints both systems' figures with the command,
the commit and the wall times.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forensics  # noqa: E402
from forensics.evidence import EMBEDDING_MODEL, Embedder, fit_fusion, held_out_groups, load_labels  # noqa: E402
from forensics.evidence import validate_panel, validation_pairs  # noqa: E402
from forensics.evidence._calibration import H1_LABELS, _training_mask  # noqa: E402
from forensics.evidence._fusion import _can_fit  # noqa: E402
from forensics.evidence._validate import _figures  # noqa: E402
from fit_calibration import commit  # noqa: E402

SEED = 0


def texts_matrix(df: pd.DataFrame) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """Models, probes every model answered, and each model's first answers in probe order."""
    first = df.sort_values("sample", kind="mergesort").drop_duplicates(["model", "probe_id"])
    models = sorted(first["model"].astype(str).unique())
    per = first.groupby("probe_id")["model"].nunique()
    probes = sorted(per.index[per == len(models)])
    wide = first[first["probe_id"].isin(probes)].pivot(index="model", columns="probe_id", values="text")
    return models, probes, {m: [str(t) for t in wide.loc[m, probes]] for m in models}


def peer_scores(df: pd.DataFrame, labels, pairs: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """Per pair: the mean P(R) of S's held-out answers under R's classifier against the pair's controls."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    models, probes, texts = texts_matrix(df)
    flat = [t for m in models for t in texts[m]]
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=5, sublinear_tf=True, dtype=np.float32)
    word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=3, sublinear_tf=True,
                           token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
    x = hstack([char.fit_transform(flat), word.fit_transform(flat)]).tocsr()
    p = len(probes)
    half = np.random.default_rng(SEED).permutation(p) < p // 2  # True: training prompts
    rows = {m: i * p + np.arange(p) for i, m in enumerate(models)}
    fits: dict[tuple, object] = {}
    out = []
    for k, (s, r, lab, kind) in enumerate(pairs):
        ctrl = [c for c in labels.admissible_controls(models, s, r).admitted if c not in (s, r)]
        key = (r, frozenset(ctrl))
        if key not in fits:
            pos = rows[r][half]
            neg = np.concatenate([rows[c][half] for c in ctrl])
            clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=300, tol=1e-3)
            fits[key] = clf.fit(x[np.r_[pos, neg]], np.r_[np.ones(len(pos)), np.zeros(len(neg))])
        score = float(fits[key].predict_proba(x[rows[s][~half]])[:, 1].mean())
        out.append({"suspect": s, "reference": r, "label": lab, "kind": kind, "peer": score,
                    "n_controls": len(ctrl)})
        if (k + 1) % 25 == 0:
            print(f"  peer: {k + 1} of {len(pairs)} pairs, {len(fits)} classifiers", flush=True)
    return pd.DataFrame(out)


def cross_validated(table: pd.DataFrame, columns: list[str], group) -> pd.DataFrame:
    """The columns fused and calibrated per pair leaving the suspect's lineage out (as the system is)."""
    out = table.copy()
    fits: dict = {}
    llr = []
    for s, r, k in zip(out["suspect"], out["reference"], range(len(out))):
        held = held_out_groups(s, r, group, "suspect")
        if held not in fits:
            train = out[_training_mask(out, held, group)]
            y = train["label"].isin(H1_LABELS).to_numpy()
            fits[held] = (fit_fusion(train[columns].to_numpy(float), y, list(train["suspect"]),
                                     features=columns) if _can_fit(y, train["suspect"]) else None)
        fus = fits[held]
        llr.append(float(fus.log10_lr([out[columns].iloc[k].to_numpy(float)])[0]) if fus else np.nan)
    out["log10_lr"] = llr
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--labels", type=Path, required=True)
    ap.add_argument("--json", type=Path, default=None)
    a = ap.parse_args()
    print(f"command: python benchmarks/peer_bench.py {' '.join(sys.argv[1:])}")
    print(f"commit {commit()}")
    run = forensics.load_run(a.run)
    labels = load_labels(a.labels)
    t0 = time.time()
    emb = Embedder(run.path / "cache" / "embeddings")
    fused = validate_panel(run.responses, labels, embed=emb.embed, embedding=EMBEDDING_MODEL,
                           cache_dir=run.path / "cache")
    print(f"fused system (validate): {time.time() - t0:.0f} s")
    t1 = time.time()
    pairs = validation_pairs(labels, fused.settings["models"])
    peer = cross_validated(peer_scores(run.responses, labels, pairs), ["peer"], labels.group)
    print(f"peer: {time.time() - t1:.0f} s")
    figs = {"fused": _figures(fused.pairs, labels), "peer": _figures(peer, labels)}
    keys = ("cllr", "cllr_min", "cllr_cal", "roc_auc", "teacher_top1", "median_h1_log10_lr", "max_h2_log10_lr",
            "min_same_log10_lr")
    print(f"{'figure':<22}{'fused':>12}{'peer':>12}")
    for key in keys:
        cells = []
        for name in ("fused", "peer"):
            v = figs[name].get(key)
            cells.append(f"{v} of {figs[name]['teacher_top1_of']}" if key == "teacher_top1"
                         else f"{v:+.2f}" if "log10" in key else f"{v:.3f}")
        print(f"{key:<22}{cells[0]:>12}{cells[1]:>12}")
    for name in ("fused", "peer"):
        so = figs[name].get("students_only", {})
        print(f"{name} students only: Cllr {so.get('cllr', float('nan')):.3f}, Cllr_min "
              f"{so.get('cllr_min', float('nan')):.3f}, AUC {so.get('roc_auc', float('nan')):.3f}")
    # ablation: the fused families one by one, and the peer's logit P(R) in the attribution family's place
    both = fused.pairs.drop(columns=["log10_lr"]).merge(peer[["suspect", "reference", "peer"]],
                                                       on=["suspect", "reference"])
    both["peer.logit"] = np.log(both["peer"] / (1 - both["peer"]))
    print("fused features (same folds)         Cllr  Cllr_min   AUC  students: Cllr_min   AUC  top-1")
    fam = ["family.similarity", "family.stylometry", "family.attribution"]
    for cols in (fam, fam[:2], fam[1:2], fam[2:], fam[:2] + ["peer.logit"], ["peer.logit"]):
        f = _figures(cross_validated(both, cols, labels.group), labels)
        so = f["students_only"]
        print(f"{' + '.join(c.split('.')[1] if c.startswith('family') else c for c in cols):<35}"
              f"{f['cllr']:>6.3f}{f['cllr_min']:>10.3f}"
              f"{f['roc_auc']:>6.3f}{so['cllr_min']:>20.3f}{so['roc_auc']:>6.3f}{f['teacher_top1']:>7d}")
    if a.json:
        a.json.write_text(json.dumps({"fused": figs["fused"], "peer": figs["peer"],
                                      "peer_pairs": peer.to_dict("records")}, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
