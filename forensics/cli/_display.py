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


def _short_verdict(level: int, inconclusive: bool) -> str:
    """'moderate support for H1', 'no support', 'inconclusive': the verbal scale in a few words."""
    from forensics.evidence import BANDS

    if inconclusive or level == 0:
        return "inconclusive"
    band = next(label for _, lvl, label in BANDS if lvl == abs(level))
    return "no support" if band == "no" else f"{band} support for H{1 if level > 0 else 2}"


def _num(x: float, spec: str) -> str:
    return "—" if x != x else format(x, spec)


def _print_verdicts(table) -> None:
    """The verdict table (fits 100 columns), each reference's verdict sentence and controls, then
    its per-analysis summary: each 95% CI beside the quantity it bounds (the effect, or for the
    error and identity analyses the statistic itself)."""
    from forensics.analysis import analysis_info

    t = Table("rank", "reference", "log10 LR", "verdict", "min Holm p", title=f"suspect: {escape(table['suspect'].iloc[0])}")
    for _, r in table.iterrows():
        t.add_row(str(r["rank"]), escape(r["reference"]), f"{r['log10_lr']:+.2f}",
                  _short_verdict(int(r["level"]), bool(r["inconclusive"])), _num(r["min_p_holm"], ".3g"))
    out.print(t)
    for _, r in table.iterrows():
        ev = r["evidence"]
        out.print(f"[bold]{escape(r['reference'])}[/]: {escape(r['wording'])}", highlight=False)
        out.print(f"  controls: {escape(r['controls'])}", highlight=False)
        system = ev.settings.get("lr_system")
        if system:
            name = {"panel": "calibrated on the run's labelled panel", "file": "calibrated by the calibration file",
                    "fallback": "hand-set model (no calibration applies)"}.get(system["source"], system["source"])
            out.print(f"  LR system: {escape(name)}: {escape(str(system['why']))}", highlight=False)
        s = Table("analysis", "estimate [95% CI]", "of", "p", "Holm p", "log10 LR")
        for _, a in ev.summary.iterrows():
            info = analysis_info(str(a["analysis"]))
            of = info.interval if info else "effect"
            value = a["statistic"] if of == "statistic" else a["effect"]
            ci = (f" [{_num(a['ci_low'], '.3f')}, {_num(a['ci_high'], '.3f')}]"
                  if a["ci_low"] == a["ci_low"] else "")
            s.add_row(escape(str(a["analysis"])), _num(value, ".3f") + ci, of, _num(a["p_value"], ".3g"),
                      _num(a["p_holm"], ".3g"), _num(a.get("log10_lr_contribution", float("nan")), "+.2f"))
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
