"""The append-only, hash-chained fines ledger: appending under the head lock, reading, verifying.

A person's employee row serialises the numbering of their occurrences; the ledger head serialises
every append, so the hash chain stays one straight line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from attendance.domain import ledger as chain
from attendance.domain.errors import N_, InvalidInput, NotFound
from attendance.extensions import db
from attendance.models import (
    Employee,
    LedgerEntry,
    LedgerHead,
)
from attendance.models.types import utcnow
from attendance.services import audit, people
from attendance.services.discipline.inputs import (
    _get,
    _text,
    parse_month,
)
from attendance.services.paging import Page, paginate
from attendance.services.transaction import use_case

# --- the ledger --------------------------------------------------------------------------------


def _lock_head() -> LedgerHead:
    stmt = (select(LedgerHead).where(LedgerHead.id == 1).with_for_update()
            .execution_options(populate_existing=True))
    head = db.session.scalar(stmt)
    if head is None:  # the migration writes the head; only a TRUNCATE (the test suite) removes it
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(LedgerHead).values(id=1, last_id=None, last_hash=chain.GENESIS,
                                                             entries=0).on_conflict_do_nothing())
        head = db.session.scalar(stmt)
    return head


def _content(entry: LedgerEntry) -> chain.EntryContent:
    return chain.EntryContent(
        id=entry.id, employee_id=entry.employee_id, kind=entry.kind, amount=entry.amount, points=entry.points,
        violation_id=entry.violation_id, reverses_id=entry.reverses_id, reason=entry.reason,
        created_by_id=entry.created_by_id, created_at=entry.created_at, occurred_on=entry.occurred_on)


def _append(actor: Employee | None, *, employee_id: int, kind: str, amount: Decimal, points: int,
            occurred_on: date, reason: str = "", violation_id: int | None = None,
            reverses_id: int | None = None) -> LedgerEntry:
    """Add one entry at the end of the chain, holding the head until the transaction ends."""
    head = _lock_head()
    from attendance.services.scores import ledger_month_for

    if (open_month := ledger_month_for(occurred_on)) is not None:
        # Its month is closed (issue 6): the correction lands in the open month, visibly, as an adjustment.
        reason = f"{reason} ({occurred_on.isoformat()}, month closed)".strip()
        kind = "adjustment" if kind == "fine" else kind
        occurred_on = open_month
    entry = LedgerEntry(
        id=(head.last_id or 0) + 1, employee_id=employee_id, kind=kind, amount=amount, points=points,
        violation_id=violation_id, reverses_id=reverses_id, reason=reason,
        created_by_id=actor.id if actor else None, created_at=utcnow(), occurred_on=occurred_on,
        prev_hash=head.last_hash)
    entry.hash = chain.entry_hash(head.last_hash, _content(entry))
    db.session.add(entry)
    head.last_id, head.last_hash, head.entries = entry.id, entry.hash, head.entries + 1
    db.session.flush()
    return entry


@use_case
def post_entry(actor: Employee | None, employee: Employee, *, kind: str, amount: Decimal, points: int,
               reason: str, occurred_on: date) -> LedgerEntry:
    """A reward or an adjustment (signs: attendance.domain.ledger). Fines come only from violations."""
    if kind not in ("reward", "adjustment"):
        raise InvalidInput(N_("only rewards and adjustments are posted directly"),
                           fields={"kind": N_("reward or adjustment")})
    reason = _text(reason, "reason", required=True)
    people.lock(employee.id)
    entry = _append(actor, employee_id=employee.id, kind=kind, amount=amount, points=points,
                    occurred_on=occurred_on, reason=reason)
    audit.record(actor, f"ledger.{kind}", "ledger_entry", entry.id, employee=employee.employee_no,
                 amount=str(amount), points=points, reason=reason)
    return entry


@dataclass(frozen=True)
class LedgerRow:
    entry: LedgerEntry
    balance: Decimal  # what the person owes after this entry
    points_total: int  # points taken off the person after this entry


def ledger_for(viewer: Employee, employee_no: str | None = None, month: str | None = None, *,
               limit: int = 100, cursor: str | None = None) -> Page:
    """Entries ``viewer`` may see in the order their days came (then the order they were written), each with
    the person's running balance in that order. The hash chain keeps its own (id) order: verify_chain."""
    visible = select(Employee.id).where(people.visible_clause(viewer))
    if employee_no:
        visible = select(Employee.id).where(Employee.id == people.get_employee(viewer, employee_no).id)
    window = {"partition_by": LedgerEntry.employee_id, "order_by": (LedgerEntry.occurred_on, LedgerEntry.id)}
    running = (select(LedgerEntry.id.label("id"),
                      func.sum(LedgerEntry.amount).over(**window).label("balance"),
                      func.sum(LedgerEntry.points).over(**window).label("points_total"))
               .where(LedgerEntry.employee_id.in_(visible)).subquery())
    stmt = (select(LedgerEntry, running.c.balance, running.c.points_total)
            .join(running, running.c.id == LedgerEntry.id)
            .options(joinedload(LedgerEntry.employee), joinedload(LedgerEntry.created_by),
                     joinedload(LedgerEntry.violation)))
    span = parse_month(month)
    if span:
        stmt = stmt.where(LedgerEntry.occurred_on >= span[0], LedgerEntry.occurred_on < span[1])
    page = paginate(stmt, [LedgerEntry.occurred_on, LedgerEntry.id], limit=limit, cursor=cursor,
                    key_of=lambda row: (row[0].occurred_on, row[0].id))
    return Page([LedgerRow(e, b, int(p)) for e, b, p in page.items], page.next)


def get_entry(viewer: Employee, entry_id: int) -> LedgerEntry:
    entry = _get(LedgerEntry, entry_id)
    if entry is None or not people.can_see(viewer, entry.employee):
        raise NotFound(N_("no ledger entry %(entry_id)s", entry_id=entry_id))
    return entry


def verify_ledger(anchor: chain.Anchor | None = None, *, session=None) -> chain.ChainReport:
    """Walk the whole chain in order; the report names the first entry that does not match. With an
    ``anchor`` kept outside the database, a cut-off or recomputed tail is caught too. ``session``: another
    database's (a backup's); default the app's."""
    session = session or db.session
    head = session.scalar(select(LedgerHead).where(LedgerHead.id == 1).execution_options(populate_existing=True))
    if head is None or head.last_id is None:
        return chain.walk(_stored_chain(session), anchor=anchor)
    # Walk up to the head read first: fines recorded while the walk runs (the app keeps working during a
    # backup or a nightly verify) come after it and are not a broken chain...
    report = chain.walk(_stored_chain(session, up_to=head.last_id), head_hash=head.last_hash,
                        head_entries=head.entries, anchor=anchor)
    if not report.ok:
        return report
    # ...unless they were not appended through the head: an entry beyond it that the head has not reached
    # since was slipped in behind the ledger's back.
    beyond = session.scalar(select(func.min(LedgerEntry.id)).where(LedgerEntry.id > head.last_id))
    if beyond is not None:
        moved = session.scalar(select(LedgerHead.last_id).where(LedgerHead.id == 1)
                               .execution_options(populate_existing=True))
        if moved is None or moved < beyond:
            return chain.ChainReport(False, report.entries, report.head, beyond, "an entry after the recorded head")
    return report


def ledger_anchor(*, session=None) -> chain.Anchor:
    """The ledger's entry count and head hash now, to keep outside the database (``ledger anchor``)."""
    session = session or db.session
    head = session.scalar(select(LedgerHead).where(LedgerHead.id == 1).execution_options(populate_existing=True))
    return chain.Anchor(head.entries, head.last_hash) if head else chain.Anchor(0, chain.GENESIS)


def _stored_chain(session, batch: int = 1000, up_to: int | None = None):
    """Entries as stored (never as this session remembers them), a batch at a time, in chain order, up to the
    entry ``up_to`` when given."""
    last = 0
    while True:
        stmt = select(LedgerEntry).where(LedgerEntry.id > last)
        if up_to is not None:
            stmt = stmt.where(LedgerEntry.id <= up_to)
        rows = session.scalars(stmt.order_by(LedgerEntry.id).limit(batch)
                               .execution_options(populate_existing=True)).all()
        if not rows:
            return
        for entry in rows:
            yield _content(entry), entry.prev_hash, entry.hash
        last = rows[-1].id
