"""Report figures as PNG data URIs (Agg backend; matplotlib imported only inside functions).

`_plots` draws the overview figures; this module adds the per-analysis dot plot.

PNG, not inline SVG: figure labels carry model names, and a raster image cannot carry markup.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np

from ._style import CONTROL, CONTROL_BAND, SUSPECT

DPI = 110
_LABEL_CHARS = 40


def _label(name: str) -> str:
    """A model or analysis name short enough for an axis label."""
    name = "".join(ch if ch.isprintable() else "?" for ch in str(name))
    return name if len(name) <= _LABEL_CHARS else name[:_LABEL_CHARS - 1] + "…"


def _new_figure(width: float, height: float, labels: Sequence[str] = ()):
    """A fresh Agg figure and axes with the report's style; margins fit the y labels."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    left = (0.2 + 0.068 * max((len(t) for t in labels), default=4)) / width
    fig.subplots_adjust(left=min(left, 0.55), right=0.97, top=1 - 0.12 / height,
                        bottom=0.5 / height)
    ax = fig.add_subplot()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8.5)
    return fig, ax


def _to_uri(fig) -> str:
    """A rendered figure as a data:image/png;base64 URI."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _null_figure(suspect_stat: float, controls: dict[str, float], suspect: str,
                mean: float, sd: float, xlabel: str) -> str:
    """Dot plot: each control's statistic (blue circles) and the suspect's (vermilion diamond)."""
    items = sorted(((v, c, False) for c, v in controls.items() if np.isfinite(v)), key=lambda t: t[0])
    if np.isfinite(suspect_stat):
        items.append((suspect_stat, suspect, True))
        items.sort(key=lambda t: t[0])
    labels = [_label(n) + (" (suspect)" if s else "") for _, n, s in items]
    fig, ax = _new_figure(6.4, 0.75 + 0.3 * max(len(items), 2), labels)
    if np.isfinite(mean) and np.isfinite(sd) and sd > 0:
        ax.axvspan(mean - sd, mean + sd, color=CONTROL_BAND, alpha=0.25, lw=0,
                   label="controls' mean ± 1 SD")
        ax.axvline(mean, color=CONTROL, lw=1, ls="--")
    for y, (v, name, is_s) in enumerate(items):
        ax.plot([v], [y], marker="D" if is_s else "o", ms=9 if is_s else 7, ls="none",
                color=SUSPECT if is_s else CONTROL,
                markeredgecolor="black", markeredgewidth=0.6)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.6, len(items) - 0.4)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    return _to_uri(fig)


Z_CLIP = 8.0


def _z_figure(rows: Sequence[tuple[str, float, Sequence[float]]]) -> str:
    """All analyses at a glance: (label, suspect z, control zs), clipped at ±Z_CLIP (triangles)."""
    labels = [_label(r[0]) for r in rows]
    fig, ax = _new_figure(6.4, 0.8 + 0.3 * max(len(rows), 2), labels)
    ax.axvspan(-1, 1, color=CONTROL_BAND, alpha=0.25, lw=0)
    ax.axvline(0, color=CONTROL, lw=1, ls="--")
    for y, (_, s_z, c_z) in enumerate(reversed(list(rows))):
        for z, is_s in [*[(c, False) for c in c_z], (s_z, True)]:
            if not np.isfinite(z):
                continue
            clipped = abs(z) > Z_CLIP
            marker = (">" if z > 0 else "<") if clipped else ("D" if is_s else "o")
            ax.plot([float(np.clip(z, -Z_CLIP, Z_CLIP))], [y], marker=marker, ls="none",
                    ms=9 if is_s else 6, markeredgecolor="black", markeredgewidth=0.6,
                    color=SUSPECT if is_s else CONTROL,
                    zorder=4 if is_s else 3)
    ax.set_xlim(-Z_CLIP * 1.08, Z_CLIP * 1.08)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels[::-1])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(f"SDs from the controls' mean (triangles: beyond ±{Z_CLIP:g})", fontsize=9)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    return _to_uri(fig)
