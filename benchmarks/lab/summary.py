"""The distillation lab's printed summary of lab_results.json."""

from __future__ import annotations

from collections.abc import Callable


def print_results(r: dict, _say: Callable[[str], None] = print) -> None:
    """The lab's tables, as the lab prints them at the end of a run."""
    _say(f"\n# distill lab  (commit {r['commit']}; {r['command']})")
    _say("timings (s): " + ", ".join(f"{k} {v}" for k, v in r["times_s"].items()))
    rad = r["radioactivity"]
    _say("\nteacher's own watermarked data, under its key:")
    for row in rad["teacher_watermarked_data"]:
        _say(f"  {row['model']:<22} texts {row['n_texts']:>4}  scored {row['n_scored']:>6}  "
             f"green {row['green_share']:.3f}  z {row['z']:7.2f}  p {row['p_value']:.2e}")
    _say(f"\nradioactivity under the teacher's key (exact binomial p, de-duplicated tuples; filter: "
         f"contexts of the teacher's watermarked outputs, {rad['filter_contexts']} windows):")
    for row in rad["scored"]:
        _say(f"  {row['setting'][:26]:<26} {row['model']:<19} {'filt' if row['filter'] else '    '} "
             f"scored {row['n_scored']:>5}  green {row['green_share']:.3f}  z {row['z']:6.2f}  "
             f"p {row['p_value']:.1e}")
    _say("\np against scored tuples (students):")
    for row in rad["curve"]:
        _say(f"  {row['setting']:<8} {row['model']:<10} {row['share_of_texts']:>5.0%} of texts: scored "
             f"{row['n_scored']:>6}  z {row['z']:6.2f}  p {row['p_value']:.2e}")
    _say("\nfalse positives over random keys:")
    for row in rad["random_keys"]:
        _say(f"  {row['setting']:<8} {row['model']:<22} {row['keys']} keys: p<0.01 "
             f"{row['share_p_below_0.01']:.3f}, p<0.05 {row['share_p_below_0.05']:.3f}")
    for key, title in (("evidence", "bundled suites"), ("evidence_with_logged_prompts", "with the logged prompts")):
        _say(f"\nevidence, {title} (each student ranked among the candidate teachers):")
        for row in r.get(key, []):
            _say(f"  {row['suspect']:<10} -> {row['reference']:<18} rank {row['rank']}  "
                 f"log10 LR {row['log10_lr']:+.2f}  {row['verdict']}")
