"""A CJK font for matplotlib, shipped by a pip package so a fresh machine draws Chinese labels.

The font file comes from ``mplfonts`` (pinned in requirements.txt): its bundled Noto Sans CJK SC
(SIL Open Font License) is registered with matplotlib's font manager directly. ``mplfonts`` itself
is never imported or run (its ``init`` rewrites matplotlib's configuration). A system font with
the same coverage is used if the package is missing.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

# (package, file inside it): the first one installed wins.
PACKAGED_FONTS = (
    ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf"),
    ("pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf"),
)
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                   "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC")
LATIN_FALLBACK = "DejaVu Sans"

_lock = threading.Lock()


class NoCJKFont(RuntimeError):
    """No font with Chinese glyphs is installed (run ``pip install -r requirements.txt``)."""


def _package_dir(package: str) -> Path | None:
    # find_spec locates the package without importing (running) it.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def cjk_font_path() -> Path:
    """The font file used for Chinese text. :raise NoCJKFont: when there is none."""
    for package, relative in PACKAGED_FONTS:
        folder = _package_dir(package)
        if folder is not None and (folder / relative).is_file():
            return folder / relative
    for entry in font_manager.fontManager.ttflist:
        if entry.name in SYSTEM_FAMILIES:
            return Path(entry.fname)
    raise NoCJKFont("no CJK font found: install the packages of requirements.txt (mplfonts)")


@cache
def cjk_family() -> str:
    """Register the font with matplotlib (once per process) and make it the default family.

    Setting ``font.family`` once at start-up is process configuration, like a matplotlibrc line;
    figures are still built with ``Figure`` and the Agg canvas, never pyplot.
    """
    path = cjk_font_path()
    with _lock:
        font_manager.fontManager.addfont(str(path))
        name = font_manager.FontProperties(fname=str(path)).get_name()
        matplotlib.rcParams["font.family"] = [name, LATIN_FALLBACK]
        matplotlib.rcParams["axes.unicode_minus"] = True
    return name


def cjk_font_properties(size: float | None = None) -> font_manager.FontProperties:
    """Font properties that draw Chinese (and Latin) text. :raise NoCJKFont: when no font is installed."""
    return font_manager.FontProperties(family=[cjk_family(), LATIN_FALLBACK], size=size)
