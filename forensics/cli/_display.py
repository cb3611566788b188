"""What the commands print: consoles, untrusted text made safe for a terminal, the verdict table."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from forensics.core import for_terminal

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _safe(text: object) -> str:
    """Untrusted text (model output, server messages, file content) made safe to print: one line,
    control and bidi characters shown as escapes (no terminal escape injection), rich markup escaped."""
    return escape(for_terminal(text))


def _print_verdicts(table) -> None:
    """The verdict table, then each reference's per-analysis summary."""
    t = Table("rank", "reference", "log10 LR", "verdict", "min Holm p", "controls", title=f"suspect: {table['suspect'].iloc[0]}")
    for _, r in table.iterrows():
        verdict = "inconclusive: " + r["wording"] if r["inconclusive"] else r["wording"]
        t.add_row(str(r["rank"]), escape(r["reference"]), f"{r['log10_lr']:+.2f}", escape(verdict),
                  f"{r['min_p_holm']:.3g}", escape(r["controls"]))
    out.print(t)
    for _, r in table.iterrows():
        ev = r["evidence"]
        s = Table("analysis", "statistic", "95% CI", "p", "Holm p", "log10 LR", title=f"{escape(r['reference'])}")
        for _, a in ev.summary.iterrows():
            s.add_row(escape(str(a["analysis"])), f"{a['statistic']:.3f}", f"[{a['ci_low']:.3f}, {a['ci_high']:.3f}]",
                      f"{a['p_value']:.3g}", f"{a['p_holm']:.3g}", f"{a.get('log10_lr_contribution', float('nan')):+.2f}")
        out.print(s)
        for reason in ev.verdict.reasons:
            out.print(f"  - {escape(reason.text)}", highlight=False)


class _progress_printer:
    """A (what, done, total) callback drawing one rich progress bar per stage, with rate and ETA."""

    def __init__(self) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self._bar = Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                             console=err, transient=False)
        self._tasks: dict[str, int] = {}

    def __enter__(self) -> "_progress_printer":
        self._bar.__enter__()
        return self

    def __call__(self, what: str, done: int, total: int) -> None:
        if what not in self._tasks:
            self._tasks[what] = self._bar.add_task(what, total=total)
        self._bar.update(self._tasks[what], completed=done, total=total)

    def __exit__(self, *exc) -> None:
        self._bar.__exit__(*exc)
