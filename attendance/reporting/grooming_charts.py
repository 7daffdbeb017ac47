"""Grooming charts: the most failed checklist items of a team's month, as a bar chart.

A ``matplotlib.figure.Figure`` drawn on the Agg canvas, never pyplot (not thread-safe in a server).
Chinese item names need a CJK font: when ``attendance.reporting.fonts.cjk_font_properties`` gives
one, the labels are Chinese with English; otherwise they are English only, so no glyph is missing.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

TOP = 10
BAR = "#b42318"


def _cjk_font():
    try:
        from attendance.reporting.fonts import cjk_font_properties
    except ImportError:
        return None
    try:
        return cjk_font_properties()
    except Exception:  # a missing or broken font file must not break the report
        return None


def _label(item, chinese: bool) -> str:
    """The item's name, wrapped so a long one does not squeeze the bars (Chinese first when drawable)."""
    if item.name is None:
        return item.code
    english = textwrap.fill(item.name.en, 30)
    return textwrap.fill(item.name.zh, 15) + "\n" + english if chinese else english


def failed_items_figure(insight, *, top: int = TOP, title: str | None = None, xlabel: str = "Failures",
                        empty: str = "No failed items") -> Figure:
    """Horizontal bars: how often each item failed in the month, the most failed on top; the value axis
    starts at 0. ``title``, ``xlabel`` and ``empty`` come translated from the caller (reporting knows no
    catalog); the title defaults to the English one."""
    font = _cjk_font()
    rows = list(insight.items[:top])
    fig = Figure(figsize=(7.5, max(2.5, 0.7 * len(rows) + 1.4)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    text_kw = {"fontproperties": font} if font is not None else {}
    if rows:
        labels = [_label(r, font is not None) for r in reversed(rows)]
        counts = [r.failures for r in reversed(rows)]
        bars = ax.barh(range(len(rows)), counts, color=BAR)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(labels, **text_kw)
        ax.bar_label(bars, padding=3)
        ax.set_xlim(0, max(counts) * 1.15 + 0.5)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes, **text_kw)
        ax.set_xlim(0, 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel, **text_kw)
    if title is None:
        title = f"Most failed grooming items — {insight.team.code} {insight.month}"
    fig.suptitle(title, x=0.02, ha="left", **text_kw)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def failed_items_png(insight, *, top: int = TOP, **words: str) -> bytes:
    fig = failed_items_figure(insight, top=top, **words)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def failed_items_svg(insight, *, top: int = TOP, **words: str) -> bytes:
    fig = failed_items_figure(insight, top=top, **words)
    out = io.BytesIO()
    fig.savefig(out, format="svg")
    return out.getvalue()
