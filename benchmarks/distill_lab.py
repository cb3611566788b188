"""The distillation lab: ground-truth students built on this machine, then judged (issue 15).

    python benchmarks/distill_lab.py --out lab-out [--n-train 120] [--n-judge 60]

1. A watermark key is written to OUT/teacher.key (only its SHA-256 is stored anywhere else).
2. Teacher data: Qwen2.5-Coder-0.5B-Instruct (the teacher T) answers the lab prompts, with the
   watermark, and SmolLM2-135M-Instruct (the other model O) answers them without one. The lab
   prompts are templated and disjoint from the bundled probes (checked).
3. Students: LoRA on SmolLM2-135M-Instruct, one recipe (benchmarks/lab/train.py):
   (a) 100% watermarked T answers; (b) 10% watermarked T answers, 90% O answers (other prompts);
   (c) O answers only (the independent control: self-distillation of its own base).
   Each adapter is merged into a copy of the base GGUF so llama.cpp serves the student.
4. Logged prompts (Sander et al.'s supervised setting): the vendor kept the prompts its API
   answered, so each student and T without the watermark answer a sample of them again, every
   prompt whose answer (b) trained on included; scored with the filter (contexts of T's own
   watermarked outputs).
5. Judging: T (untouched, no watermark), SmolLM2 (the students' base), Gemma 3 270M (base) and
   the three students answer a seeded subset of the bundled suites and the fingerprint suite
   (run `judge`); run `judge-logged` adds every model's answers to the logged prompts.
   Radioactivity: every model's texts scored under T's key and tokenizer, plus 200 random keys
   for the false-positive rate. Evidence: each student ranked among the candidate teachers
   T and Gemma, with the untouched models as controls and the radioactivity family on: on the
   bundled suites alone (unsupervised) and with the logged prompts too (supervised).
Every step is resumable (runs are cached and resumed; trained adapters are kept). Timings, tables
and the fixtures (transcripts, adapters) are written to OUT and benchmarks/lab/fixtures/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lab.measure import evidence, filter_contexts, radioactivity
from lab.prompts import lab_suite
from lab.roles import GEMMA, OTHER, STUDENTS, TEACHER
from lab.summary import print_results
from lab.train import Recipe, merge_into_gguf, train_student

from forensics.backends import (
    ModelConfig,
    gemma_path,
    qwen_path,
    smollm2_path,
)
from forensics.collect import run_suite
from forensics.probes import Suite, bundled_suites, fingerprint_suite
from forensics.store import load_run
from forensics.watermark import load_key, write_new_key

FIXTURES = Path(__file__).resolve().parent / "lab" / "fixtures"
JUDGE_MIX = {"identity": 0.1, "error_trap": 0.25, "style": 0.3, "refusal": 0.05, "reasoning": 0.1,
             "knowledge": 0.2}


def _say(msg: str) -> None:
    print(msg, flush=True)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def judge_suites(n: int, n_fingerprint: int, seed: int = 0) -> tuple[list[Suite], Suite]:
    """A seeded, category-stratified subset of the bundled suites, and of the fingerprint suite."""
    rng = random.Random(seed)
    out = []
    for suite in bundled_suites():
        by_cat: dict[str, list] = {}
        for p in suite.probes:
            by_cat.setdefault(p.category, []).append(p)
        chosen = []
        for cat, probes in sorted(by_cat.items()):
            chosen += rng.sample(probes, min(max(1, round(n * JUDGE_MIX.get(cat, 0.1))), len(probes)))
        chosen.sort(key=lambda p: p.id)
        out.append(Suite(name=suite.name, version=f"{suite.version}+lab{len(chosen)}",
                         description=f"Lab subset ({len(chosen)} probes, seed {seed}) of: {suite.description}",
                         probes=chosen))
    fp = fingerprint_suite()
    picked = sorted(rng.sample(fp.probes, min(n_fingerprint, len(fp.probes))), key=lambda p: p.id)
    return out, Suite(name=fp.name, version=f"{fp.version}+lab{len(picked)}",
                      description=f"Lab subset of: {fp.description}", probes=picked)


def teacher_data(out: Path, key_path: Path, n_train: int, max_tokens: int) -> tuple[dict, dict]:
    """(probe_id -> (prompt, answer)) for T watermarked and for O."""
    suite = lab_suite(n_train)
    key = load_key(key_path)
    run_suite([ModelConfig(name=TEACHER, spec=f"llamacpp:{qwen_path()}")], out=out / "teacher-data",
              suites=[suite], max_tokens=max_tokens, temperature=0.7, seed=0, watermark=key, progress=True)
    run_suite([ModelConfig(name=OTHER, spec=f"llamacpp:{smollm2_path()}")], out=out / "other-data",
              suites=[suite], max_tokens=max_tokens, temperature=0.7, seed=0, progress=True)

    def pairs(run_dir: Path, model: str) -> dict:
        df = load_run(run_dir).responses
        df = df[df["model"] == model]
        return {r.probe_id: (r.prompt, r.text) for r in df.itertuples() if r.text.strip()}

    return pairs(out / "teacher-data", TEACHER), pairs(out / "other-data", OTHER)


def watermarked_ids(t_wm: dict, other: dict, share_b: float = 0.1, seed: int = 0) -> tuple[list, set]:
    """The lab prompts both models answered, and the seeded share whose teacher answers (b) trains on."""
    ids = sorted(set(t_wm) & set(other))
    return ids, set(random.Random(seed).sample(ids, max(1, round(share_b * len(ids)))))


def training_sets(t_wm: dict, other: dict, share_b: float = 0.1, seed: int = 0) -> dict[str, list]:
    ids, wm_ids = watermarked_ids(t_wm, other, share_b, seed)
    return {"student-a": [t_wm[i] for i in ids],
            "student-b": [t_wm[i] if i in wm_ids else other[i] for i in ids],
            "student-c": [other[i] for i in ids]}


def logged_suite(n_train: int, wm_ids: set, n_probe: int, seed: int = 0) -> Suite:
    """The vendor's API log: lab prompts the teacher answered, every one whose answer (b) trained on
    first, then a seeded sample of the rest, `n_probe` in all (Sander et al.'s supervised setting)."""
    lab = lab_suite(n_train)
    rest = [p for p in lab.probes if p.id not in wm_ids]
    picked = [p for p in lab.probes if p.id in wm_ids]
    picked += random.Random(seed).sample(rest, max(0, min(len(rest), n_probe - len(picked))))
    picked.sort(key=lambda p: p.id)
    return Suite(name="distill-lab-logged", version=f"{lab.version}+logged{len(picked)}",
                 description="Lab prompts the teacher's API answered (the vendor's log), asked again.",
                 probes=picked)


def lab_models(out: Path, names: tuple[str, ...] = (TEACHER, OTHER, GEMMA, *STUDENTS)) -> list[ModelConfig]:
    """The lab's models served by llama.cpp: the untouched ones and the merged students."""
    paths = {TEACHER: qwen_path(), OTHER: smollm2_path(), GEMMA: gemma_path()}
    return [ModelConfig(name=n, spec=f"llamacpp:{paths.get(n) or out / 'students' / (n + '.gguf')}")
            for n in names]


def probe_logged(out: Path, suite: Suite, max_tokens: int) -> Path:
    """Every student and the untouched teacher (no watermark, another seed) answer the logged prompts."""
    models = lab_models(out, (TEACHER, *STUDENTS))
    run_dir = out / "logged"
    run_suite(models, out=run_dir, suites=[suite], max_tokens=max_tokens, temperature=0.7, seed=1,
              progress=True)
    return run_dir


def build_students(out: Path, sets: dict[str, list], recipe: Recipe) -> dict[str, dict]:
    info = {}
    for name, pairs in sets.items():
        adapter, merged = out / "students" / name, out / "students" / f"{name}.gguf"
        stats_file = adapter / "lab_training.json"
        if not stats_file.is_file():
            _say(f"training {name} ({STUDENTS[name]}): {len(pairs)} examples")
            stats = train_student(smollm2_path(), pairs, adapter, out / "base-hf", recipe, log=_say)
            stats_file.write_text(json.dumps(stats, indent=1))
        stats = json.loads(stats_file.read_text())
        if not merged.is_file():
            t0 = time.perf_counter()
            merge_into_gguf(smollm2_path(), adapter, merged)
            stats["merge_s"] = round(time.perf_counter() - t0, 1)
            stats_file.write_text(json.dumps(stats, indent=1))
        info[name] = stats
        _say(f"  {name}: {stats['examples']} examples, {stats['steps']} steps in {stats['train_s']} s, "
             f"loss {stats['first_loss']:.2f} -> {stats['last_loss']:.2f}")
    return info


def judge(out: Path, n_judge: int, n_fingerprint: int, max_tokens: int, logged: Suite | None = None,
          logged_tokens: int = 80) -> Path:
    """Every model answers the judge suites (run `judge`). With `logged` (the supervised setting),
    run `judge-logged` holds the same answers (from the response cache) and every model's answers
    to the logged prompts too, asked as `probe_logged` asks them (seed 1)."""
    suites, fp = judge_suites(n_judge, n_fingerprint)
    models = lab_models(out)
    run_dir = out / ("judge" if logged is None else "judge-logged")
    run_suite(models, out=run_dir, suites=suites, max_tokens=max_tokens, temperature=0.7, seed=0, progress=True)
    run_suite([m.model_copy(update={"temperature": 0.0}) for m in models], out=run_dir, suites=[fp],
              max_tokens=8, temperature=0.0, seed=0, progress=True)
    if logged is not None:
        run_suite(models, out=run_dir, suites=[logged], max_tokens=logged_tokens, temperature=0.7, seed=1,
                  progress=True)
    return run_dir


def _snapshot(run_dir: Path, dst: Path) -> None:
    """A run store, checkpointed and vacuumed into one SQLite file, gzipped (hash chain intact).
    Only the latest evidence per pair is kept: stored evidence is derived data, outside the chain,
    and every rerun of the lab adds a copy."""
    import sqlite3

    tmp = dst.with_suffix("")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{run_dir / 'run.sqlite'}?mode=ro", uri=True)
    try:
        src.execute(f"VACUUM INTO '{tmp}'")
    finally:
        src.close()
    con = sqlite3.connect(tmp)
    try:
        con.execute("DELETE FROM evidence WHERE id NOT IN (SELECT MAX(id) FROM evidence GROUP BY suspect, reference)")
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()
    with open(tmp, "rb") as f, gzip.GzipFile(dst, "wb", mtime=0) as g:
        shutil.copyfileobj(f, g)
    tmp.unlink()


def save_fixtures(out: Path, run_dir: Path, key_path: Path) -> None:
    """The judged transcripts and the training data as gzipped JSONL, the judged and teacher-data
    run stores, the lab's key (a benchmark key that guards nothing: committed so that anyone can
    recompute the radioactivity numbers), and the adapters' configurations."""
    from forensics.store import export_run

    FIXTURES.mkdir(parents=True, exist_ok=True)
    shutil.copy2(key_path, FIXTURES / "lab-teacher.key")
    for name, src in (("judge", run_dir), ("judge-logged", out / "judge-logged"),
                      ("teacher-data", out / "teacher-data")):
        _snapshot(src, FIXTURES / f"{name}.run.sqlite.gz")
    for name, src in (("judge", run_dir), ("teacher-data", out / "teacher-data"), ("other-data", out / "other-data"),
                      ("logged", out / "logged")):
        tmp = out / f"{name}.jsonl"
        export_run(src, "jsonl", tmp)
        with open(tmp, "rb") as f, gzip.GzipFile(FIXTURES / f"{name}.jsonl.gz", "wb", mtime=0) as g:
            shutil.copyfileobj(f, g)
    for s in STUDENTS:
        dst = FIXTURES / "adapters" / s
        dst.mkdir(parents=True, exist_ok=True)
        for f in ("adapter_config.json", "lab_training.json"):  # the weights (6 MB each) are rebuilt
            shutil.copy2(out / "students" / s / f, dst / f)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n-train", type=int, default=120, help="lab prompts the teacher answers")
    ap.add_argument("--train-tokens", type=int, default=96)
    ap.add_argument("--n-logged", type=int, default=60,
                    help="logged lab prompts asked again for the supervised radioactivity test")
    ap.add_argument("--logged-tokens", type=int, default=80)
    ap.add_argument("--n-judge", type=int, default=60, help="bundled probes the models answer")
    ap.add_argument("--judge-tokens", type=int, default=64)
    ap.add_argument("--n-fingerprint", type=int, default=80)
    ap.add_argument("--random-keys", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=Recipe().epochs)
    ap.add_argument("--no-fixtures", action="store_true")
    args = ap.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    times: dict[str, float] = {}
    t_all = time.perf_counter()

    def step(name: str, t0: float) -> None:
        times[name] = round(time.perf_counter() - t0, 1)
        _say(f"[{name}: {times[name]} s]")

    key_path = out / "teacher.key"
    if not key_path.exists():
        write_new_key(key_path)
    t0 = time.perf_counter()
    t_wm, other = teacher_data(out, key_path, args.n_train, args.train_tokens)
    step("teacher and other-model data", t0)
    t0 = time.perf_counter()
    info = build_students(out, training_sets(t_wm, other), Recipe(epochs=args.epochs))
    step("students (LoRA training and merge)", t0)
    t0 = time.perf_counter()
    wm_ids = watermarked_ids(t_wm, other)[1]
    logged = logged_suite(args.n_train, wm_ids, args.n_logged)
    logged_dir = probe_logged(out, logged, args.logged_tokens)
    step("logged-prompt runs", t0)
    t0 = time.perf_counter()
    run_dir = judge(out, args.n_judge, args.n_fingerprint, args.judge_tokens)
    step("judging runs", t0)
    t0 = time.perf_counter()
    sup_dir = judge(out, args.n_judge, args.n_fingerprint, args.judge_tokens, logged, args.logged_tokens)
    step("judging runs with the logged prompts", t0)
    t0 = time.perf_counter()
    phi = filter_contexts(out, key_path)
    radio = radioactivity(out, run_dir, key_path, args.random_keys, logged_dir, wm_ids, phi)
    step("radioactivity", t0)
    t0 = time.perf_counter()
    ev = evidence(run_dir, key_path, phi)
    ev_sup = evidence(sup_dir, key_path, phi)
    step("evidence", t0)
    t0 = time.perf_counter()
    for d in (run_dir, sup_dir):
        try:
            from forensics.report import write_report

            _say(f"report: {write_report(d)}")
        except Exception as e:  # the report is a by-product here; the numbers above stand without it
            _say(f"report failed: {type(e).__name__}: {e}")
    step("report", t0)
    if not args.no_fixtures:
        save_fixtures(out, run_dir, key_path)
    times["total"] = round(time.perf_counter() - t_all, 1)
    result = {"command": " ".join(sys.argv), "commit": _commit(), "times_s": times, "students": info,
              "radioactivity": radio, "evidence": ev, "evidence_with_logged_prompts": ev_sup, "settings": vars(args) | {"out": str(out)},
              "key_sha256": load_key(key_path).key_sha256}
    (out / "lab_results.json").write_text(json.dumps(result, indent=1, default=str))
    if not args.no_fixtures:
        shutil.copy2(out / "lab_results.json", FIXTURES / "lab_results.json")
    print_results(result, _say)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
