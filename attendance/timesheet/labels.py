"""What attendance statuses, meeting kinds and marks are called on pages and in the 考勤表 sheet."""

from flask_babel import lazy_gettext as _l

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
