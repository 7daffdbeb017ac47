"""Discipline use cases: record a violation, the append-only ledger, appeals, re-stepping, dismissal reviews.

One module per part: ``violations`` (record, reverse, re-step, lists), ``ledger`` (the hash chain),
``appeals`` (appeals and dismissal reviews), ``evidence`` (photo storage), ``inputs`` (what callers send).
The names callers use are re-exported here, so ``services.discipline.record_violation`` stays the one door.

Locks, always taken in this order so two transactions never wait on each other in a circle:
an appeal or review row → the person's employee row → the ledger head. The person's row
serialises the numbering of their occurrences; the head serialises every ledger append,
so the hash chain stays one straight line. (FOR UPDATE is a no-op on SQLite, where the
whole database has one writer at a time anyway.)

Callers check the permission table; these functions check who may see whom (404 otherwise).
"""

from attendance.services.discipline.appeals import (
    appeals,
    count_pending,
    decide_appeal,
    decide_dismissal,
    dismissal_reviews,
    file_appeal,
    get_appeal,
)
from attendance.services.discipline.bundle import evidence_bundle
from attendance.services.discipline.evidence import check_evidence
from attendance.services.discipline.explanation import Explanation, explain
from attendance.services.discipline.inputs import parse_instant, parse_month
from attendance.services.discipline.ledger import (
    LedgerRow,
    get_entry,
    ledger_anchor,
    ledger_for,
    post_entry,
    verify_ledger,
)
from attendance.services.discipline.pickers import pick_person, pick_rule, rule_choice
from attendance.services.discipline.transfers import complete_transfer, get_transfer, transfer_of, transfers
from attendance.services.discipline.violations import (
    MyDiscipline,
    OutOfStep,
    evidence_file,
    get_violation,
    my_discipline,
    notice_citation,
    out_of_step,
    record_violation,
    recordable_employee,
    restep,
    reverse_entry,
    reverse_violation,
    training_days_of,
    violation_log,
    violations_for,
)

__all__ = [
    "complete_transfer", "get_transfer", "transfer_of", "transfers",
    "LedgerRow", "MyDiscipline", "OutOfStep", "count_pending", "appeals", "check_evidence", "decide_appeal",
    "decide_dismissal", "dismissal_reviews", "evidence_file", "file_appeal", "get_appeal", "get_entry",
    "get_violation", "ledger_for", "my_discipline", "out_of_step", "parse_instant", "parse_month", "post_entry",
    "record_violation", "training_days_of", "recordable_employee", "restep", "reverse_entry", "reverse_violation",
    "verify_ledger",
    "ledger_anchor", "notice_citation", "Explanation", "explain", "evidence_bundle",
    "violation_log", "violations_for", "pick_person", "pick_rule", "rule_choice",
]
