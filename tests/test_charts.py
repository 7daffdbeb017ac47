"""Charts draw Chinese text with the font the install brings; a missing glyph fails the test."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from attendance.reporting import charts
from attendance.reporting.fonts import cjk_font_path, cjk_font_properties

CHINESE = "热线一组 投诉组 张丽 王芳 迟到 早退 旷工 考勤表 出勤率 违纪类别 周一 周日 （分）"


def draw_strictly(fig: Figure) -> bytes:
    """Render to PNG turning matplotlib's "Glyph … missing from font(s)" warning into a failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
        return charts.png(fig)


def test_the_cjk_font_comes_from_the_installed_packages():
    path = cjk_font_path()
    assert path.is_file() and path.suffix in (".otf", ".ttf", ".ttc")
    assert "site-packages" in str(path) or "dist-packages" in str(path)


def test_a_figure_with_chinese_labels_draws_every_glyph():
    fig = charts.ranking(["热线一组", "投诉组", "张丽"], [97.5, 88, 100], title=CHINESE, xlabel="分数")
    assert draw_strictly(fig).startswith(b"\x89PNG")


def test_the_default_font_without_the_cjk_font_would_miss_glyphs():
    # Proves the check above has teeth: DejaVu Sans alone has no Chinese glyphs.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure()
    FigureCanvasAgg(fig)
    fig.add_subplot().set_title("迟到", fontfamily="DejaVu Sans")
    with pytest.raises(UserWarning, match="missing from font"):
        draw_strictly(fig)


def test_every_chart_kind_draws_chinese_text_without_missing_glyphs():
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    figures = [
        charts.trend(months, {"热线一组": list(range(88, 100)), "投诉组": [95.0] * 12}, title="近12个月得分",
                     ylabel="分数", band=([80] * 12, [100] * 12), band_label="10%–90%"),
        charts.stacked(months, {"考勤": [3] * 12, "服务": [1] * 12}, title="违纪类别（每月）", ylabel="次数"),
        charts.heatmap(np.arange(7 * 24).reshape(7, 24), ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
                       title="迟到：星期 × 上班时间", xlabel="时", colorbar="次数"),
        charts.rates(["热线一组", "投诉组"], [0.975, 0.9], title="出勤率", ylabel="出勤率"),
        charts.ranking([], [], title="团队排名", xlabel="分数", empty="无数据"),
    ]
    for fig in figures:
        assert draw_strictly(fig).startswith(b"\x89PNG")
    assert charts.svg(figures[0]).lstrip().startswith(b"<?xml")


def test_the_font_properties_name_the_cjk_family_first():
    assert cjk_font_properties().get_family()[0] in ("Noto Sans CJK SC", "Noto Sans SC")


# --------------------------------------------------------------------------- honest axes (issue 15)


def test_bar_charts_start_their_value_axis_at_zero():
    ranking = charts.ranking(["热线一组", "投诉组", "张丽"], [97.5, 88, 100], title="排名", xlabel="分数")
    assert ranking.axes[0].get_xlim()[0] == 0
    rates = charts.rates(["热线一组", "投诉组"], [0.975, 0.9], title="出勤率", ylabel="出勤率")
    assert rates.axes[0].get_ylim()[0] == 0


def test_the_grooming_chart_starts_at_zero_and_takes_its_words_from_the_caller():
    from types import SimpleNamespace

    from attendance.reporting import grooming_charts

    item = SimpleNamespace(code="HAIR", name=SimpleNamespace(zh="头发整洁", en="Tidy hair"), failures=3)
    insight = SimpleNamespace(items=[item], team=SimpleNamespace(code="T1", name="热线一组"), month="2026-11")
    fig = grooming_charts.failed_items_figure(insight, title="仪容仪表不合格项 — 热线一组 2026-11",
                                              xlabel="不合格次数")
    ax = fig.axes[0]
    assert ax.get_xlim()[0] == 0 and ax.get_xlabel() == "不合格次数"
    assert fig._suptitle.get_text() == "仪容仪表不合格项 — 热线一组 2026-11"
    assert draw_strictly(fig).startswith(b"\x89PNG")


def test_the_grooming_charts_words_are_chinese_in_the_chinese_ui(app):
    from types import SimpleNamespace

    from attendance.grooming.views import chart_words

    insight = SimpleNamespace(team=SimpleNamespace(code="T1", name="热线一组"), month="2026-11")
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        words = chart_words(insight)
    assert "热线一组" in words["title"] and "Failures" not in words["xlabel"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in w) for w in words.values())
