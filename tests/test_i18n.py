"""No user-facing string outside the catalogs: every message in the code has its Chinese text."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "attendance" / "translations" / "zh" / "LC_MESSAGES"
METHODS = [("attendance/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}


def _extracted() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog():
    with open(CATALOG / "messages.po", "rb") as fh:
        return read_po(fh, locale="zh")


def test_every_message_has_a_chinese_translation():
    catalog = _catalog()
    missing = sorted(m for m in _extracted() if not (catalog.get(m) and catalog.get(m).string
                                                     and not catalog.get(m).fuzzy))
    assert missing == [], "run: pybabel extract/update (see attendance/translations/README.md) and translate"


def test_the_compiled_catalog_matches_the_po_file():
    buffer = io.BytesIO()
    write_mo(buffer, _catalog())
    assert (CATALOG / "messages.mo").read_bytes() == buffer.getvalue(), "run: pybabel compile"
