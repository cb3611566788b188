"""The one figure style: Okabe-Ito colours (colour-blind safe) and the roles they stand for."""

from __future__ import annotations

OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermilion": "#D55E00", "purple": "#CC79A7"}
SUSPECT, CONTROL, REFERENCE = OKABE_ITO["vermilion"], OKABE_ITO["blue"], OKABE_ITO["orange"]
CONTROL_BAND = OKABE_ITO["sky"]
NEUTRAL = OKABE_ITO["black"]


def _figure(width: float, height: float):
    """A new Agg figure and axes in a constrained layout (pyplot state is never touched)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot(1, 1, 1)
