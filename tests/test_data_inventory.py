"""docs/data-inventory.md lists every stored column (PIPL: what is held, why, who sees it, how long): a model
that gains a column the inventory does not list fails here, and so does a listed column that is gone."""

from __future__ import annotations

import re
from pathlib import Path

from attendance import models  # noqa: F401  (every model registered on the metadata)
from attendance.extensions import db

INVENTORY = Path(__file__).resolve().parents[1] / "docs" / "data-inventory.md"
ROW = re.compile(r"^\|\s*`([a-z_0-9]+)\.([a-z_0-9]+)`\s*\|\s*([^|]*?)\s*\|")


def listed() -> dict[str, str]:
    out = {}
    for line in INVENTORY.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            out[f"{match.group(1)}.{match.group(2)}"] = match.group(3)
    return out


def stored() -> set[str]:
    return {f"{table.name}.{column.name}" for table in db.metadata.tables.values() for column in table.c}


def test_every_stored_column_is_in_the_data_inventory():
    missing = sorted(stored() - set(listed()))
    assert missing == [], "add these to docs/data-inventory.md: purpose, who sees it, how long it is kept"


def test_the_inventory_lists_no_column_that_is_not_stored():
    assert sorted(set(listed()) - stored()) == []


def test_every_listed_column_says_what_it_is_for_and_every_table_who_sees_it_and_how_long():
    assert [column for column, purpose in listed().items() if not purpose] == []
    text = INVENTORY.read_text(encoding="utf-8")
    for table in db.metadata.tables:
        section = text.split(f"## {table}\n", 1)[1].split("\n## ", 1)[0]
        assert "**Seen by**" in section and "**Kept**" in section, table
