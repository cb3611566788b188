"""The validation figures (Tippett, ECE) build as plain Agg Figures, without pyplot."""

from __future__ import annotations

import io
import math
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from forensics.report._style import CONTROL, NEUTRAL, SUSPECT
from forensics.report._validation_plots import ece_figure, tippett_figure


def _data(seed: int = 3):
    rng = np.random.default_rng(seed)
    llr = np.r_[rng.normal(1.0, 1.0, 40), rng.normal(-1.0, 1.0, 30)]
    return llr, np.r_[np.ones(40, bool), np.zeros(30, bool)]


def _case_lines(ax):
    return [ln for ln in ax.get_lines() if ln.get_gid() == "this-case"]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_tippett_figure_builds():
    fig = tippett_figure(*_data())
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    colours = [to_hex(ln.get_color()) for ln in ax.get_lines()]
    assert to_hex(SUSPECT) in colours and to_hex(CONTROL) in colours and to_hex(NEUTRAL) in colours
    assert any(np.allclose(ln.get_xdata(), 0.0) for ln in ax.get_lines() if len(ln.get_xdata()) == 2)
    assert not _case_lines(ax)
    assert ax.get_xlabel() and ax.get_ylabel()
    assert _png(fig).startswith(b"\x89PNG")


def test_tippett_figure_marks_this_case():
    fig = tippett_figure(*_data(), case_log10_lr=2.5)
    ax = fig.axes[0]
    (line,) = _case_lines(ax)
    assert np.allclose(line.get_xdata(), 2.5)
    assert ax.get_xlim()[1] > 2.5
    assert any("this case" in t.get_text() for t in ax.get_legend().get_texts())
    _png(fig)


def test_tippett_figure_with_a_far_or_infinite_case():
    llr, y = _data()
    fig = tippett_figure(llr, y, case_log10_lr=12.0)
    assert np.allclose(_case_lines(fig.axes[0])[0].get_xdata(), 12.0)
    fig = tippett_figure(np.r_[llr, math.inf], np.r_[y, True], case_log10_lr=-math.inf)
    (line,) = _case_lines(fig.axes[0])
    assert np.allclose(line.get_xdata(), fig.axes[0].get_xlim()[0])
    _png(fig)


def test_ece_figure_builds():
    fig = ece_figure(*_data())
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3
    assert ax.get_ylim()[0] == 0.0
    _png(fig)
    # an infinitely misleading LR makes the system's ECE infinite: left off, still draws
    llr, y = _data()
    _png(ece_figure(np.r_[llr, -math.inf], np.r_[y, True]))


@pytest.mark.slow
def test_figures_do_not_import_pyplot():
    code = ("import sys, numpy as np\n"
            "from forensics.report._validation_plots import ece_figure, tippett_figure\n"
            "x = np.r_[np.linspace(-1, 3, 20), np.linspace(-3, 1, 20)]; y = np.arange(40) < 20\n"
            "import io\n"
            "for f in (tippett_figure(x, y, case_log10_lr=1.0), ece_figure(x, y)):\n"
            "    f.savefig(io.BytesIO(), format='png')\n"
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
