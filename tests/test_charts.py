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
