"""HR's performance charts: a ``matplotlib.figure.Figure`` each, drawn on the Agg canvas (never pyplot).

Each function takes the numbers and the (already translated) labels and returns a figure; the
caller turns it into PNG or SVG bytes with ``png``/``svg``. Text is set in the CJK font of
``attendance.reporting.fonts``, so Chinese names and labels draw on any machine.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from attendance.reporting.fonts import cjk_font_properties

BLUE = "#0b5cab"
RED = "#b42318"
GREY = "#667085"
PALETTE = ["#0b5cab", "#b54708", "#067647", "#b42318", "#6941c6", "#c11574", "#026aa2", "#667085",
           "#4e5ba6", "#93370d", "#3b7c0f", "#7a2e0e"]


def _figure(width: float, height: float) -> tuple[Figure, object]:
    cjk_font_properties()  # registers the font and makes it the default family
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _clean(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _lower_bound(values, low: float, high: float) -> float:
    """Where a score axis starts: a little under the lowest value, on a multiple of 10, never under ``low``."""
    finite = [float(v) for v in values if v is not None and np.isfinite(float(v))]
    if not finite:
        return low
    return max(low, min(high - 10, np.floor((min(finite) - 5) / 10) * 10))


def _empty(ax, message: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=GREY)


def ranking(labels: Sequence[str], values: Sequence[float], *, title: str, xlabel: str,
            low: float = 0, high: float = 100, empty: str = "—") -> Figure:
    """Horizontal bars, the best on top; each bar carries its value."""
    n = len(labels)
    fig, ax = _figure(8, max(2.6, 0.32 * n + 1.4))
    if n:
        order = np.argsort(np.asarray(values, dtype=float), kind="stable")  # lowest first = bottom
        ys = np.arange(n)
        shown = [float(values[i]) for i in order]
        colours = [RED if v < high * 0.9 else BLUE for v in shown]
        bars = ax.barh(ys, shown, color=colours)
        ax.set_yticks(ys, [labels[i] for i in order])
        ax.bar_label(bars, labels=[f"{v:.1f}".rstrip("0").rstrip(".") for v in shown], padding=3, fontsize=8)
        # A bar's length is its value: the axis starts at 0 (or the floor when scores can go below it), so
        # 88 is not drawn as a third of 97.
        start = min(0.0, low)
        ax.set_xlim(start, high + (high - start) * 0.08)
    else:
        _empty(ax, empty)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    _clean(ax)
    fig.tight_layout()
    return fig


def trend(months: Sequence[str], series: dict[str, Sequence[float]], *, title: str, ylabel: str,
          low: float = 0, high: float = 100, band: tuple[Sequence[float], Sequence[float]] | None = None,
          band_label: str | None = None, empty: str = "—") -> Figure:
    """Lines over months (one per person or team), optionally a shaded band (e.g. 10th–90th percentile)."""
    fig, ax = _figure(8, 4.2)
    xs = np.arange(len(months))
    if series:
        if band is not None:
            ax.fill_between(xs, band[0], band[1], color=BLUE, alpha=0.12, label=band_label)
        for i, (name, values) in enumerate(series.items()):
            ax.plot(xs, [np.nan if v is None else v for v in values], marker="o", markersize=3,
                    color=PALETTE[i % len(PALETTE)], label=name, linewidth=1.6)
        ax.set_xticks(xs, list(months), rotation=45, ha="right")
        values = [v for vs in series.values() for v in vs] + ([] if band is None else list(band[0]))
        start = _lower_bound(values, low, high)
        span = max(high - start, 1)
        ax.set_ylim(start - span * 0.02, high + span * 0.04)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.grid(axis="y", alpha=0.3)
    else:
        _empty(ax, empty)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _clean(ax)
    fig.tight_layout()
    return fig


def stacked(months: Sequence[str], stacks: dict[str, Sequence[int]], *, title: str, ylabel: str,
            empty: str = "—") -> Figure:
    """Stacked bars per month, one colour per category."""
    fig, ax = _figure(8, 4.2)
    xs = np.arange(len(months))
    totals = np.zeros(len(months))
    if stacks and any(sum(v) for v in stacks.values()):
        for i, (name, values) in enumerate(stacks.items()):
            values = np.asarray(values, dtype=float)
            ax.bar(xs, values, bottom=totals, color=PALETTE[i % len(PALETTE)], label=name, width=0.7)
            totals += values
        ax.set_xticks(xs, list(months), rotation=45, ha="right")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        _empty(ax, empty)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _clean(ax)
    fig.tight_layout()
    return fig


def heatmap(matrix, row_labels: Sequence[str], *, title: str, xlabel: str, colorbar: str) -> Figure:
    """A weekday × hour grid of counts."""
    fig, ax = _figure(9, 3.8)
    data = np.asarray(matrix, dtype=float)
    image = ax.imshow(data, aspect="auto", cmap="Reds", vmin=0, vmax=max(1.0, float(data.max())))
    ax.set_yticks(range(len(row_labels)), list(row_labels))
    ax.set_xticks(range(0, data.shape[1], 2), [f"{h:02d}" for h in range(0, data.shape[1], 2)])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
    bar.set_label(colorbar)
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    fig.tight_layout()
    return fig


def rates(labels: Sequence[str], values: Sequence[float], *, title: str, ylabel: str, empty: str = "—") -> Figure:
    """Vertical bars of a rate between 0 and 1, shown as percentages."""
    fig, ax = _figure(8, 4)
    if len(labels):
        xs = np.arange(len(labels))
        bars = ax.bar(xs, values, color=BLUE, width=0.6)
        ax.bar_label(bars, labels=[f"{v * 100:.1f}%" for v in values], padding=2, fontsize=8)
        ax.set_xticks(xs, list(labels), rotation=30 if len(labels) > 6 else 0,
                      ha="right" if len(labels) > 6 else "center")
        ax.set_ylim(0, 1.04)  # bars start at 0: 90% is not drawn as half of 97.5%
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    else:
        _empty(ax, empty)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _clean(ax)
    fig.tight_layout()
    return fig


def png(fig: Figure, dpi: int = 100) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


def svg(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg")
    return out.getvalue()
