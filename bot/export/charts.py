"""The export's charts, drawn with matplotlib (Agg: no display) as PNG images.

The images hold only codes (agencies, countries) and numbers: the words around them (titles,
the legend) are set by the PDF, which shapes every script, right-to-left ones included."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# one colour per task state, in the order of the states (open ... cancelled)
STATE_COLOURS = ("#4C78A8", "#F58518", "#E45756", "#54A24B", "#9D9D9D")
RESULT_COLOUR = "#4C78A8"
DPI = 150


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def tasks_by_agency(counts: Mapping[str, Mapping[str, int]], states: Sequence[str]) -> bytes:
    """Stacked horizontal bars: per agency, its tasks in each state (colours STATE_COLOURS)."""
    agencies = sorted(counts)
    figure = Figure(figsize=(7, 0.45 * len(agencies) + 0.8))
    axes = figure.subplots()
    left = [0] * len(agencies)
    for state, colour in zip(states, STATE_COLOURS, strict=False):
        values = [counts[a].get(state, 0) for a in agencies]
        axes.barh(agencies, values, left=left, color=colour)
        left = [x + v for x, v in zip(left, values, strict=True)]
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def results_by_country(totals: Mapping[str, int]) -> bytes:
    """Horizontal bars: each country's results, all kinds together, labelled with the count."""
    countries = sorted(totals, key=lambda c: -totals[c])
    figure = Figure(figsize=(7, 0.45 * len(countries) + 0.8))
    axes = figure.subplots()
    bars = axes.barh(countries, [totals[c] for c in countries], color=RESULT_COLOUR)
    axes.bar_label(bars, padding=3)
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
