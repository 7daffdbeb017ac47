"""Shift swaps, time off in lieu and cover (换班、换休、代班), docs/rules.md §5: ask, the colleague accepts or
declines, the policy's approver approves or rejects, either side withdraws before approval; on approval
both roster days change in one transaction. Also each person's count against the monthly limit, the
handover fine (``handover``), and private swaps read from punches (``private``).

A swap is a ``Request`` of kind ``swap`` (its chain, inbox and notifications are the requests layer's)
with a ``Swap`` beside it; its API id is the request's id. The chain's first step has the role
``counterpart``: no approver holds it, so the inbox never offers it and the generic decision refuses it;
only ``accept``/``decline`` here decide it, and only the colleague asked may. The policy's approver is
the next step, moved up past any role either person holds. Every rule is in ``domain/swaps.py``; these
modules read what they need and store what they allow.

Filing, accepting and approving lock both people's rows (in id order, so two use cases never wait on each
other crosswise) and, on approval, the roster rows of both around the swap's days (PostgreSQL; on SQLite
the use case holds the write lock), then read the roster and check every rule again: of two swaps
touching the same person-day approved at once, the second sees the first's roster and gets a 409.
"""

from attendance.services.swaps.asking import (
    STATUSES,
    MonthCount,
    accept,
    below_cover,
    colleagues,
    decide,
    decline,
    file_swap,
    get_swap,
    list_swaps,
    may_answer,
    may_decide,
    may_withdraw,
    month_counts,
    month_summary,
    settings,
    summary,
    waiting_for_answer,
    withdraw,
)
from attendance.services.swaps.handover import handover_fines, may_fine_handover, record_handover_fine
from attendance.services.swaps.private import Suspected, review_private, reviews, suspected

__all__ = ["STATUSES", "MonthCount", "Suspected", "accept", "below_cover", "colleagues", "decide", "decline",
           "file_swap",
           "get_swap", "handover_fines", "list_swaps", "may_answer", "may_decide", "may_fine_handover",
           "may_withdraw", "month_counts", "month_summary", "record_handover_fine", "review_private", "reviews",
           "settings", "summary", "suspected", "waiting_for_answer", "withdraw"]
