"""The append-only fines ledger (docs/api.md: ledger). Signs: attendance.domain.ledger."""

from __future__ import annotations

import marshmallow as ma

from attendance.api.core import PageArgs, actor, idempotent, make_blueprint, page_body, paged_schema, permission
from attendance.api.schemas import Day, Money
from attendance.domain.ledger import KINDS
from attendance.services import discipline as svc

blp = make_blueprint("api_ledger", "/ledger", "The append-only fines ledger")


class LedgerEntryOut(ma.Schema):
    id = ma.fields.Integer()
    employee_no = ma.fields.Function(lambda e: e.employee.employee_no)
    kind = ma.fields.String(metadata={"enum": list(KINDS)})
    amount = Money(metadata={"description": "change in what the person owes (a reward is negative)"})
    points = ma.fields.Integer(metadata={"description": "change in points taken off the person"})
    violation = ma.fields.Integer(attribute="violation_id", allow_none=True)
    reverses = ma.fields.Integer(attribute="reverses_id", allow_none=True)
    reason = ma.fields.String()
    occurred_on = Day()
    created_at = ma.fields.DateTime()
    created_by = ma.fields.Function(lambda e: e.created_by.employee_no if e.created_by else None)
    prev_hash = ma.fields.String()
    hash = ma.fields.String()


class _Row:
    """An entry with its running totals, readable by LedgerEntryOut's fields."""

    def __init__(self, row: svc.LedgerRow):
        self.balance, self.points_total, self._entry = row.balance, row.points_total, row.entry

    def __getattr__(self, name):
        return getattr(self._entry, name)


class LedgerRowOut(LedgerEntryOut):
    balance = Money(metadata={"description": "what the person owes after this entry"})
    points_total = ma.fields.Integer(metadata={"description": "points taken off the person after this entry"})

    @ma.pre_dump
    def wrap(self, row, **kwargs):
        return _Row(row) if isinstance(row, svc.LedgerRow) else row


class LedgerQuery(PageArgs):
    employee_no = ma.fields.String()
    month = ma.fields.String(metadata={"example": "2026-11", "description": "by the date the money belongs to"})


class LedgerReasonIn(ma.Schema):
    reason = ma.fields.String(required=True)


class LedgerVerifyOut(ma.Schema):
    ok = ma.fields.Boolean()
    entries = ma.fields.Integer()
    head = ma.fields.String()
    first_bad = ma.fields.Integer(allow_none=True)
    problem = ma.fields.String(allow_none=True)


LedgerPage = paged_schema(LedgerRowOut, "LedgerPage")


@blp.route("")
@permission("self.view")
@blp.arguments(LedgerQuery, location="query")
@blp.response(200, LedgerPage)
def list_entries(args):
    """Entries in chain order with each person's running balance (staff: their own)."""
    page = svc.ledger_for(actor(), args.get("employee_no"), args.get("month"), limit=args["limit"],
                          cursor=args["cursor"])
    return page_body(page.items, page.next)


@blp.route("/<int:entry_id>/reverse", methods=["POST"])
@permission("ledger.reverse")
@idempotent
@blp.arguments(LedgerReasonIn)
@blp.response(201, LedgerEntryOut)
def reverse(data, entry_id):
    """Post a reversal naming the entry; a violation's fine reverses the violation too."""
    return svc.reverse_entry(actor(), entry_id, data["reason"])


@blp.route("/verify")
@permission("ledger.verify")
@blp.response(200, LedgerVerifyOut)
def verify():
    """Walk the hash chain; ``first_bad`` names the first entry that does not match."""
    return svc.verify_ledger()
