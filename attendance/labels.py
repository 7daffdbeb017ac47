"""What domain codes are called on pages, in documents and on charts: one vocabulary for pages and reporting,
translated through the catalog when shown."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# --- discipline

SANCTION_LABELS = {"warning": _l("Warning"), "fine": _l("Fine"), "points": _l("Points deducted"),
                   "dismissal_review": _l("Dismissal review")}
SOURCE_LABELS = {"manual": _l("Recorded by hand"), "grooming": _l("Grooming check"),
                 "attendance": _l("Attendance"), "complaint": _l("Customer complaint"),
                 "swap": _l("Shift swap"), "meeting": _l("Meeting")}
KIND_LABELS = {"fine": _l("Fine"), "reward": _l("Reward"), "reversal": _l("Reversal"),
               "adjustment": _l("Adjustment")}
APPEAL_LABELS = {"pending": _l("Appeal pending"), "upheld": _l("Appeal upheld"),
                 "overturned": _l("Appeal overturned")}
DISMISSAL_LABELS = {"pending": _l("Pending"), "dismiss": _l("Dismiss"), "final_warning": _l("Final warning"),
                    "dropped": _l("Dropped")}


# --- attendance: statuses, the 考勤表 marks, the day board, meetings, rotations

STATUS_LABELS = {
    "present": _l("Present"), "late": _l("Late"), "early": _l("Left early"), "late_early": _l("Late and left early"),
    "half_absent": _l("Half a day absent"), "absent": _l("Absent"), "leave": _l("On leave"), "rest": _l("Rest"),
}
# The short marks of the monthly sheet (HR's grid); kept unlike any shift code. TRANSLATORS: in Chinese
# 迟 早 迟早 半旷 旷 假 休.
STATUS_MARKS = {
    "present": "✓", "late": _l("LT"), "early": _l("EL"), "late_early": _l("LT+EL"), "half_absent": _l("½AB"),
    "absent": _l("AB"), "leave": _l("LV"), "rest": _l("RS"),
}
MISSING_MARK = "?"
BOARD_LABELS = {
    "due": _l("Not in yet"), "in": _l("In"), "out": _l("Left"), "missing": _l("Missing"),
    "unscheduled": _l("Not on the roster"), **STATUS_LABELS,
}
MEETING_KIND_LABELS = {"morning": _l("Morning meeting"), "weekly": _l("Weekly meeting"),
                       "monthly": _l("Monthly analysis meeting")}
MEETING_MARK_LABELS = {"present": _l("Present"), "late": _l("Late"), "left_early": _l("Left early"),
                       "absent": _l("Absent"), "excused": _l("Excused")}
WEEKDAYS = [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]
PATTERN_LABELS = {"weekly_rest": _l("Weekly rotating rest day"), "one_on_one_off": _l("One day on, one day off"),
                  "cycle": _l("Custom cycle")}


# --- requests and approvals

REQUEST_KIND_LABELS = {"punch_correction": _l("Missed punch"), "leave": _l("Leave"), "swap": _l("Shift swap"),
                       "appeal": _l("Appeal"), "dismissal_review": _l("Dismissal review")}
REQUEST_STATUS_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                         "withdrawn": _l("Withdrawn")}
STEP_STATUS_LABELS = {"waiting": _l("Not yet"), "pending": _l("Waiting for a decision"), "approved": _l("Approved"),
                      "rejected": _l("Rejected"), "cancelled": _l("Not needed")}
ROLE_LABELS = {
    "staff": _l("Staff"), "lead": _l("Shift lead"), "supervisor": _l("Supervisor"),
    "manager": _l("Department manager"), "gm": _l("General manager"), "hr": _l("HR"), "admin": _l("Admin"),
}


def message(msgid: str, params: dict | None = None) -> str:
    """A stored catalog message (a notification's title, a request's summary) in the reader's language.
    A value whose key ends in ``_id`` is itself a message id, shown translated under the key without it."""

    values = dict(params or {})
    for key in [k for k in values if k.endswith("_id") and isinstance(values[k], str)]:
        values[key[:-3]] = gettext(values[key])
    try:
        return gettext(msgid) % values
    except (KeyError, TypeError, ValueError):
        return gettext(msgid)
