"""The report: how evidence is shown. Context, exhibits, figures, and the self-contained HTML
(templates and CSS in `templates/`, autoescaped, CSP). Plot functions for notebooks import
matplotlib only when called."""

from ._plots import plot_lr_contributions, plot_null_distributions, plot_probe_scatter
from ._validation_page import render_validation_page, write_validation_page
from ._validation_plots import ece_figure, tippett_figure
from ._write import CSP, TITLE, render_report, write_report

__all__ = [
    "CSP",
    "TITLE",
    "plot_lr_contributions",
    "plot_null_distributions",
    "plot_probe_scatter",
    "ece_figure",
    "render_report",
    "render_validation_page",
    "tippett_figure",
    "write_report",
    "write_validation_page",
]
