"""The fines ledger as a hash chain: the content of an entry, its hash, and walking the chain.

Sign convention, the same for every kind of entry (the company's side of the book):

- ``amount`` is the change in what the person owes, in yuan: a fine is positive;
  a reward paid to the person is negative; a reversal is the exact negation of the
  entry it reverses; an adjustment carries whatever sign the correction needs.
- ``points`` is the change in monthly-score points taken off the person: a fine's
  points are positive; a reward that adds points is negative; a reversal negates.

So a person's balance is the plain sum of ``amount`` and their points lost the plain
sum of ``points``; reports that want fines only filter by ``kind``.

Each entry stores ``prev_hash`` (the hash of the entry before it, ``GENESIS`` for the
first) and ``hash`` = sha256 of prev_hash and the entry's canonical content, so any
change to a stored entry, or a removed one, shows up when the chain is walked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from attendance.domain.money import to_money

KINDS = ("fine", "reward", "reversal", "adjustment")
GENESIS = "0" * 64


@dataclass(frozen=True)
class EntryContent:
    id: int
    employee_id: int
    kind: str
    amount: Decimal
    points: int
    violation_id: int | None
    reverses_id: int | None
    reason: str
    created_by_id: int | None
    created_at: datetime  # aware
    occurred_on: date


def canonical(entry: EntryContent) -> str:
    """One fixed text for the content: sorted keys, money with two places, the instant in UTC."""
    if entry.created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    return json.dumps({
        "id": entry.id,
        "employee_id": entry.employee_id,
        "kind": entry.kind,
        "amount": str(to_money(entry.amount)),
        "points": int(entry.points),
        "violation_id": entry.violation_id,
        "reverses_id": entry.reverses_id,
        "reason": entry.reason or "",
        "created_by_id": entry.created_by_id,
        "created_at": entry.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "occurred_on": entry.occurred_on.isoformat(),
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(prev_hash: str, entry: EntryContent) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(entry)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int  # how many entries were walked
    head: str  # the hash of the last entry walked (GENESIS when there are none)
    first_bad: int | None  # the id of the first entry that does not match
    problem: str | None = None


def walk(chain: Iterable[tuple[EntryContent, str, str]], *, head_hash: str | None = None,
         head_entries: int | None = None, anchor: Anchor | None = None) -> ChainReport:
    """Check ``(content, prev_hash, hash)`` triples in chain order, stopping at the first that does not match.

    ``head_hash``/``head_entries`` (what the ledger head records) catch entries removed from the end.
    ``anchor`` (a count and head hash kept outside the database) also catches what the head cannot: a tail
    cut off together with the head, or a chain recomputed from some entry on.
    """
    previous, count = GENESIS, 0
    for content, prev_hash, stored in chain:
        count += 1
        if prev_hash != previous:
            return ChainReport(False, count, previous, content.id, "prev_hash does not match the entry before")
        if entry_hash(prev_hash, content) != stored:
            return ChainReport(False, count, previous, content.id, "content does not match its hash")
        previous = stored
        if anchor is not None and count == anchor.entries and stored != anchor.head:
            return ChainReport(False, count, previous, content.id, "the entry at the anchor is not the anchored one")
    if head_hash is not None and (head_hash != previous or (head_entries is not None and head_entries != count)):
        return ChainReport(False, count, previous, None, "the chain ends before the recorded head")
    if anchor is not None and count < anchor.entries:
        return ChainReport(False, count, previous, None, "the chain is shorter than the anchor")
    if anchor is not None and anchor.entries == 0 and anchor.head != GENESIS:
        return ChainReport(False, count, previous, None, "the anchor is not of this ledger")
    return ChainReport(True, count, previous, None)


@dataclass(frozen=True)
class Anchor:
    """A ledger's entry count and head hash at one moment, written down outside the database
    (``ENTRIES:HASH``): a later chain must still hold that entry, unchanged, at that place."""

    entries: int
    head: str

    def __str__(self) -> str:
        return f"{self.entries}:{self.head}"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """:raise ValueError: not ``ENTRIES:HASH`` with a 64-character hex hash."""
        entries, _, head = str(text).strip().partition(":")
        if not entries.isdigit() or len(head) != 64 or any(c not in "0123456789abcdef" for c in head):
            raise ValueError("an anchor is ENTRIES:HASH, as `ledger anchor` prints it")
        return cls(int(entries), head)
