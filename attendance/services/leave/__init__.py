"""Leave (请假): ask for it (or, in an emergency, the lead asks for the person), approve it along the chain
the policy gives by type and length, cancel it, extend it (续假), report back (销假), bring the sick note;
balances by year; and the days approved leave covers, which attendance judges as ``leave``.

Every rule that refuses a leave is in ``domain/leave.py``; this package reads what they need (the roster,
public holidays, the person's other leaves and balance) and stores what they allow. A leave is a
``Request`` of kind ``leave`` (its chain, inbox and notifications are the requests layer's) with a
``LeaveRequest`` beside it; its API id is the request's id. Filing reads the overlap and the balance and
writes in one use case with the person's row locked, so two leaves asked at once cannot both use the last day.

One module per part: ``filing`` (reading the request, its days on the roster, file, extend), ``lifecycle``
(what approval does — it registers ``Kind("leave", …)`` — cancel, report back), ``certificates`` (the sick
note and the nightly check), ``balances`` (entitlements, balance rows, HR setting them), ``reading`` (one
leave, the list, the leave covering days), ``pages`` (the form's hint, the buttons, the register, the team
calendar), and ``common`` (what they share: the limits, the type names, the roster behind a leave, a leave
and its extensions). Each imports only the ones before it in the order common, reading, balances,
lifecycle, certificates, filing, pages, so the package has no cycle. The names callers use are re-exported
here, so ``services.leave.file_leave`` stays the one door; importing the package imports ``lifecycle``,
which registers the kind.
"""

from attendance.services.leave.balances import (
    BalanceRow,
    balance_rows,
    balances,
    entitlement_history,
    set_entitlement,
)
from attendance.services.leave.certificates import (
    CERTIFICATE_TYPES,
    add_certificate,
    apply_missing_certificates,
    certificate_due,
    certificate_file,
    certificate_of,
    may_see_certificate,
)
from attendance.services.leave.common import LIVE, MAX_REASON, MAX_SPAN_DAYS, TYPE_NAMES, effective_end
from attendance.services.leave.filing import Asked, extend, file_leave, read_request
from attendance.services.leave.lifecycle import cancel, is_approver, report_back
from attendance.services.leave.pages import (
    CALENDAR_MAX_DAYS,
    Actions,
    CalendarCell,
    Preview,
    TeamCalendar,
    actions,
    extensions,
    leave_policy,
    leave_register,
    preview,
    team_calendar,
)
from attendance.services.leave.reading import STATUSES, covers, get_leave, list_leave

__all__ = [
    "Actions", "Asked", "BalanceRow", "CALENDAR_MAX_DAYS", "CERTIFICATE_TYPES", "CalendarCell", "LIVE", "MAX_REASON",
    "MAX_SPAN_DAYS", "Preview", "STATUSES", "TYPE_NAMES", "TeamCalendar", "actions", "add_certificate",
    "apply_missing_certificates", "balance_rows", "balances", "cancel", "certificate_due", "certificate_file",
    "certificate_of", "covers", "effective_end", "entitlement_history", "extend", "extensions", "file_leave",
    "get_leave", "is_approver", "leave_policy", "leave_register", "list_leave", "may_see_certificate", "preview",
    "read_request", "report_back", "set_entitlement", "team_calendar",
]
