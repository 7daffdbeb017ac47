"""What domain codes are called on pages, in documents and on charts: one vocabulary for pages and reporting,
translated through the catalog when shown."""

import re
from collections.abc import Callable

from flask import g, has_request_context, request
from flask_babel import Domain, get_domain, get_locale, gettext
from flask_babel import lazy_gettext as _l

from attendance.domain.errors import N_, Message

# --- discipline

SANCTION_LABELS = {"warning": _l("Warning"), "fine": _l("Fine"), "points": _l("Points deducted"),
                   "dismissal_review": _l("Dismissal review"), "criticism": _l("Criticism"),
                   "forfeit_reward": _l("Month's reward forfeited"), "stand_down": _l("Stand-down for retraining"),
                   "transfer": _l("Transfer off the post")}
TRANSFER_LABELS = {"pending": _l("To complete"), "done": _l("Completed"), "cancelled": _l("Cancelled (reversed)")}
NOMINATION_LABELS = {"pending": _l("Nominated, waiting for the supervisor"), "confirmed": _l("Confirmed"),
                     "declined": _l("Declined")}
SOURCE_LABELS = {"manual": _l("Recorded by hand"), "grooming": _l("Grooming check"),
                 "attendance": _l("Attendance"), "complaint": _l("Customer complaint"),
                 "swap": _l("Shift swap"), "meeting": _l("Meeting"),
                 "report": _l("Work report"), "handover": _l("Handover book"),
                 "inspection": _l("Quality inspection")}
REPORT_KIND_LABELS = {"weekly": _l("Weekly report"), "monthly": _l("Monthly report")}
REPORT_STATUS_LABELS = {"on_time": _l("Handed in"), "late": _l("Handed in late"), "missing": _l("Not handed in"),
                        "not_due": _l("Not due yet"), "away": _l("On leave")}
KIND_LABELS = {"fine": _l("Fine"), "reward": _l("Reward"), "reversal": _l("Reversal"),
               "adjustment": _l("Adjustment")}
APPEAL_LABELS = {"pending": _l("Appeal pending"), "upheld": _l("Appeal upheld"),
                 "overturned": _l("Appeal overturned")}
DISMISSAL_LABELS = {"pending": _l("Pending"), "dismiss": _l("Dismiss"), "final_warning": _l("Final warning"),
                    "dropped": _l("Dropped")}


# --- how penalty amounts reach pay (the policy's pay_treatment, docs/rules.md §8)

# Under "performance_pay" an amount is taken from the month's performance pay, and nothing anywhere may call
# it a fine (罚款): each message id that says so is shown through its replacement below instead, in every
# page, notice, export, chart and stored notification (they are all translated through the domain below).
PERFORMANCE_PAY_WORDING = {
    "Fine": N_("Performance pay reduction"),
    "Fines ledger": N_("Performance pay reductions ledger"),
    "a fine needs amount or amount_range": N_("a performance pay reduction needs amount or amount_range"),
    "only a fine has an amount": N_("only a performance pay reduction has an amount"),
    "only a fine has an amount range": N_("only a performance pay reduction has an amount range"),
    "Fine (yuan)": N_("Performance pay reduction (yuan)"),
    "Fines (yuan)": N_("Performance pay reductions (yuan)"),
    "Fines this month": N_("Performance pay reductions this month"),
    "Fines due": N_("Performance pay reductions due"),
    "Rank %(rank)s · points lost %(points)s · fines %(fines)s yuan":
        N_("Rank %(rank)s · points lost %(points)s · performance pay reductions %(fines)s yuan"),
    "%(date)s · occurrence %(occurrence)s · fine %(fine)s yuan · %(points)s points":
        N_("%(date)s · occurrence %(occurrence)s · performance pay reduction %(fine)s yuan · %(points)s points"),
    "The fine is for one of the two people of the swap.":
        N_("The performance pay reduction is for one of the two people of the swap."),
    "My ledger this month": N_("My performance pay reductions this month"),
    "Fines: %(amount)s yuan · points deducted: %(points)s":
        N_("Performance pay reductions: %(amount)s yuan · points deducted: %(points)s"),
    "fine %(lo)s–%(hi)s yuan": N_("performance pay reduction %(lo)s–%(hi)s yuan"),
    "fine %(amount)s yuan": N_("performance pay reduction %(amount)s yuan"),
    "A new version applies from its effective date; fines already posted never change.":
        N_("A new version applies from its effective date; performance pay reductions already posted never "
           "change."),
    "Until approval the requester stays responsible for the shift. Both hand over clearly; a missed or empty "
    "shift caused by a poor handover is fined.":
        N_("Until approval the requester stays responsible for the shift. Both hand over clearly; a missed or "
           "empty shift caused by a poor handover reduces performance pay."),
    "Record the fine": N_("Record the performance pay reduction"),
    "Ledger entries (罚款台账)": N_("Ledger entries (performance pay reductions)"),
    "Fine %(fine)s yuan, %(points)s points deducted.":
        N_("Performance pay reduction %(fine)s yuan, %(points)s points deducted."),
    "a fine of %(amount)s yuan": N_("a performance pay reduction of %(amount)s yuan"),
    "a fine of %(lo)s to %(hi)s yuan": N_("a performance pay reduction of %(lo)s to %(hi)s yuan"),
    "You may appeal once, with your reason, from the violation's page; your supervisor (or a manager) decides. "
    "If the penalty is overturned, its fine is reversed.":
        N_("You may appeal once, with your reason, from the violation's page; your supervisor (or a manager) "
           "decides. If the penalty is overturned, its performance pay reduction is reversed."),
}
PAY_WORDING = {"deduction": {}, "performance_pay": PERFORMANCE_PAY_WORDING, "points_only": {}}


def pay_wording(treatment: str | None) -> dict[str, str]:
    """The message ids shown through others under the policy's ``pay_treatment`` (none: the usual words)."""
    return PAY_WORDING.get(treatment or "deduction", {})


def fine_word(treatment: str | None) -> str:
    """What one penalty amount is called under ``treatment``: 罚款 / 绩效扣减, "Fine" / "Performance pay
    reduction" (in the request's language, whichever treatment is in force)."""
    plain = Domain.get_translations(get_domain())  # the catalog without the wording of the policy in force
    return plain.ugettext(pay_wording(treatment).get("Fine", "Fine"))


class PayWordedDomain(Domain):
    """The app's message domain: every message is first put through the wording of the policy in force
    (``pay_wording``), so no template, document or notification needs to ask which words to use.

    ``treatment`` is set by ``create_app`` (it reads the policy, a service); it is asked once per request or
    app context and kept on ``g``. While it runs (or when it fails) the usual words are used."""

    treatment: Callable[[], str | None] | None = None

    def _wording(self) -> dict[str, str]:
        if self.treatment is None or not g:
            return {}
        # kept per request (an app context may outlive several requests: tests, one CLI command)
        key = id(request._get_current_object()) if has_request_context() else None
        cached = g.get("_pay_wording")
        if cached is not None and cached[0] == key:
            return cached[1]
        g._pay_wording = (key, {})  # while asking, and if asking fails
        try:
            words = pay_wording(self.treatment())
        except Exception:  # no policy table yet (a fresh database): the usual words
            words = {}
        g._pay_wording = (key, words)
        return words

    def get_translations(self):
        translations = super().get_translations()
        words = self._wording()
        return _Worded(translations, words) if words else translations


class _Worded:
    """A catalog that looks each message up under its replacement in ``words`` (Jinja's ``_()`` asks the
    catalog itself, so the wording is applied here rather than in ``gettext``)."""

    def __init__(self, translations, words: dict[str, str]) -> None:
        self._translations, self._words = translations, words

    def __getattr__(self, name):
        return getattr(self._translations, name)

    def ugettext(self, message):
        return self._translations.ugettext(self._words.get(message, message))

    gettext = ugettext

    def ungettext(self, singular, plural, n):
        return self._translations.ungettext(self._words.get(singular, singular), self._words.get(plural, plural), n)

    ngettext = ungettext


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
                       "monthly": _l("Monthly analysis meeting"), "topic": _l("Topic meeting"),
                       "training": _l("Training meeting")}
MEETING_MARK_LABELS = {"present": _l("Present"), "late": _l("Late"), "left_early": _l("Left early"),
                       "absent": _l("Absent"), "excused": _l("Excused")}
WEEKDAYS = [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]
PATTERN_LABELS = {"weekly_rest": _l("Weekly rotating rest day"), "one_on_one_off": _l("One day on, one day off"),
                  "cycle": _l("Custom cycle")}


# --- requests and approvals

REQUEST_KIND_LABELS = {"punch_correction": _l("Missed punch"), "leave": _l("Leave"), "swap": _l("Shift swap"),
                       "appeal": _l("Appeal"), "dismissal_review": _l("Dismissal review"),
                       "meeting_excuse": _l("Excused from a meeting"),
                       "extra_shift": _l("Extra shift")}
PHRASE_CATEGORY_LABELS = {  # 004 三 (服务忌语) and the kinds of 文明用语
    "contempt": _l("Contemptuous"), "impatience": _l("Impatient"), "irresponsibility": _l("Evasive"),
    "insolence": _l("Insolent"), "greeting": _l("Greeting"), "during": _l("During service"),
    "closing": _l("Closing"), "apology": _l("Apology"),
}
EXTRA_DAY_TYPE_LABELS = {"working": _l("Working day"), "rest": _l("Rest day"), "holiday": _l("Public holiday")}
REQUEST_STATUS_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                         "withdrawn": _l("Withdrawn")}
STEP_STATUS_LABELS = {"waiting": _l("Not yet"), "pending": _l("Waiting for a decision"), "approved": _l("Approved"),
                      "rejected": _l("Rejected"), "cancelled": _l("Not needed")}
ROLE_LABELS = {
    "staff": _l("Staff"), "lead": _l("Shift lead"), "supervisor": _l("Supervisor"),
    "manager": _l("Department manager"), "gm": _l("General manager"), "hr": _l("HR"), "admin": _l("Admin"),
    "inspector": _l("Quality inspector"),
}
# The policy templates (attendance/policy/templates, docs/rules.md "Policy templates")
POLICY_TEMPLATE_LABELS = {"default": _l("Call centre (default)"), "property": _l("Property management"),
                          "shop": _l("Online shop")}
# The settings the templates' comparison names in words (any other shows its key)
POLICY_SETTING_LABELS = {
    "swaps.notify": _l("Told of approved swaps"),
    "swaps.approver": _l("Swap approver"),
    "pay_treatment": _l("How penalty amounts reach pay"),
    "rewards.full_attendance.amount": _l("Monthly full-attendance reward (yuan)"),
    "rewards.full_attendance.nomination": _l("Monthly reward only on a confirmed nomination (工作突出)"),
    "rewards.full_attendance.pending_at_close": _l("Nominations still undecided at month close"),
    "leave.chains": _l("Leave approval chains"),
    "leave.personal_emergency_only": _l("Personal leave only in emergencies"),
    "leave.emergency_only_approver": _l("Approves emergency personal leave"),
    "grooming.violation_per": _l("Grooming: one violation per"),
    "grooming.workstation_violations": _l("Grooming: desk items raise violations"),
}
# Who decides a step of a request's chain: a role, or a swap's colleague (who accepts or declines it first).
STEP_ROLE_LABELS = {**ROLE_LABELS, "counterpart": _l("Colleague asked")}



# --- notifications: the kinds a person is told about, the group robots a team may have

NOTIFICATION_KIND_LABELS = {
    "violation": _l("Violation recorded"), "approval_waiting": _l("Waiting for my approval"),
    "request_step": _l("A step of a request approved"), "request_decided": _l("Request decided"),
    "appeal_decided": _l("Appeal decided"), "month_closed": _l("Month closed: my score"),
    "leave_balance": _l("Leave balance changed"), "leave_cancel_asked": _l("Asked to cancel a leave"),
    "leave_cancelled": _l("Leave cancelled"), "leave_returned": _l("Back from leave"),
    "leave_certificate_missed": _l("Leave without its certificate"),
    "swap_asked": _l("A colleague asks me to swap"), "swap_answered": _l("My swap accepted or declined"),
    "swap_withdrawn": _l("A swap withdrawn"), "swap_roster_changed": _l("Roster changed by a swap"),
    "policy_published": _l("New rules published: to read and acknowledge"),
    "nomination": _l("A nomination for the month's reward, and its decision"),
    "transfer_completed": _l("A transfer completed by HR"),
    "handover_written": _l("A handover written for me"),
    "meeting_announced": _l("A meeting I must attend"),
    "award": _l("An award recorded for me"), "year_closed": _l("Year closed: my year-end review is final"),
}
LEAVE_TYPE_LABELS = {
    "personal": _l("Personal leave"), "sick": _l("Sick leave"), "marriage": _l("Marriage leave"),
    "maternity": _l("Maternity leave"), "bereavement": _l("Bereavement leave"), "in_lieu": _l("Time off in lieu"),
    "annual": _l("Annual leave"), "work_injury": _l("Work-injury leave"),
    "training": _l("Stand-down for retraining"),  # not a leave type: a sanction's day off the shift (待岗培训)
}
LEAVE_STATUS_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                       "cancelled": _l("Cancelled")}
SWAP_KIND_LABELS = {"swap": _l("Shift swap"), "in_lieu": _l("Time off in lieu"), "cover": _l("Cover")}
SWAP_STATUS_LABELS = {"pending_counterpart": _l("Waiting for the colleague"),
                      "pending_approval": _l("Waiting for approval"), "approved": _l("Approved"),
                      "declined": _l("Declined by the colleague"), "rejected": _l("Rejected"),
                      "withdrawn": _l("Withdrawn")}
HALF_DAY_LABELS = {"am": _l("Morning"), "pm": _l("Afternoon")}
# A leave day's mark on the 考勤表, by the type it counts as (STATUS_MARKS' "leave" stays for a leave day of
# no known type). TRANSLATORS: in Chinese 事 病 婚 产 丧 调 年 工, the marks HR's sheets use.
LEAVE_MARKS = {
    "personal": _l("PL"), "sick": _l("SL"), "marriage": _l("ML"), "maternity": _l("MTL"),
    "bereavement": _l("BL"), "in_lieu": _l("TIL"), "annual": _l("AL"), "work_injury": _l("IL"),
    "training": _l("TR"),
}
HALF_MARK = "½"  # before a leave mark: the leave is half of the day


def leave_tag(mark) -> str:
    """A leave day (``domain.leave.LeaveDay``) as the roster, the calendars and the day board show it:
    its type (and what it counts as, when that differs), the half of the day, and 请假待批 while pending."""
    text = str(LEAVE_TYPE_LABELS.get(mark.leave_type, mark.leave_type))
    if mark.counted_as != mark.leave_type:
        text = gettext("%(type)s (counts as %(counted)s)", type=text,
                       counted=str(LEAVE_TYPE_LABELS.get(mark.counted_as, mark.counted_as)))
    if mark.half_day:
        text += " · " + str(HALF_DAY_LABELS.get(mark.half_day, mark.half_day))
    if mark.pending:
        text = gettext("Leave pending") + " · " + text
    return text
ROBOT_FLAVOUR_LABELS = {"wecom": _l("WeCom group robot"), "dingtalk": _l("DingTalk group robot")}


# --- stored messages (notifications): shown in the reader's language whenever they are read

MISSING_VALUE = "…"


class _Values(dict):
    """The values of a message; a placeholder with no value shows as "…" instead of failing."""

    def __missing__(self, key):
        return MISSING_VALUE


def _language() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def _fill(text: str, values: dict) -> str:
    try:
        return text % values
    except (TypeError, ValueError):  # a translation with a broken placeholder: show it as it is
        return text


def message(msgid: str, params: dict | None = None) -> str:
    """A stored message (a notification's title or body, a robot's text): ``msgid`` is a catalog message id
    with ``%(name)s`` placeholders, ``params`` its values. Used by the pages, the API and the robot sender.

    Two conventions let values be translated too, at read time:

    - ``<name>_id``: a string value is itself a message id; it is translated, filled with the same values,
      and fills ``%(<name>)s`` (``{"what_id": "Missed-punch correction for %(day)s", "day": …}``);
    - ``<name>_zh`` and ``<name>_en``: a name kept in both languages (a policy rule's); the reader's fills
      ``%(<name>)s`` (the other one when the reader's is missing).

    A placeholder without a value shows as "…"; nothing here raises on a bad stored message.
    """
    if not msgid:
        return ""
    values = _Values({key: "" if value is None else value for key, value in (params or {}).items()})
    mine, other = ("_en", "_zh") if _language() == "en" else ("_zh", "_en")
    for key in list(values):
        if key.endswith(("_zh", "_en")) and key[:-3] not in values:
            name = key[:-3]
            values[name] = values.get(name + mine) or values.get(name + other) or MISSING_VALUE
    for key, value in list(values.items()):
        if key.endswith("_id") and isinstance(value, str) and value:
            values[key[:-3]] = _fill(gettext(value), values)
    return _fill(gettext(msgid), values)


def translated(text) -> str:
    """A message from a service (an error, a field's problem, a report line) in the reader's language: a
    :class:`~attendance.domain.errors.Message` is translated by its id and filled with its values (values
    that are messages themselves are translated too); plain text is looked up in the catalog as it is."""
    if text is None or text == "":
        return ""
    if isinstance(text, Message):
        values = {key: translated(value) if isinstance(value, Message) else value
                  for key, value in text.params.items()}
        return message(text.template, values)
    return gettext(str(text))


def error_text(error) -> str:
    """A domain error's message in the reader's language (the API keeps the English ``error.message``)."""
    return translated(getattr(error, "message", "") or "")


# --- ledger reasons: the ones the system writes, shown in the reader's language

# The ledger keeps a reason as it was written (in English for the ones the system writes): the text is part
# of each entry's hash, so it is never rewritten. A page shows a reason that matches one of these patterns
# through the catalog instead; anything else (what a person typed) is shown as it is. Patterns are tried in
# order; ``reason`` groups are themselves reasons (a re-step's or a closed month's wraps another).
_CLOSED_MONTH = re.compile(r"^(?P<reason>.*) \((?P<day>\d{4}-\d{2}-\d{2}), month closed\)$", re.S)
LEDGER_REASONS = [
    (re.compile(r"^(?P<rule>[A-Z][A-Z0-9_]*) #(?P<n>\d+)$"), N_("%(rule)s, occurrence %(n)s")),
    (re.compile(r"^appeal (?P<id>\d+) overturned: (?P<reason>.*)$", re.S), N_("Appeal %(id)s overturned: %(reason)s")),
    (re.compile(r"^re-step: (?P<reason>.*)$", re.S), N_("Re-stepped: %(reason)s")),
    (re.compile(r"^grooming check (?P<id>\d+) corrected: (?P<item>\S+) absent$"),
     N_("Grooming check %(id)s corrected: absent, so %(item)s is not failed")),
    (re.compile(r"^grooming check (?P<id>\d+) corrected: (?P<item>\S+) passed$"),
     N_("Grooming check %(id)s corrected: %(item)s passed")),
    (re.compile(r"^re-evaluated: (?P<day>\d{4}-\d{2}-\d{2}) is now (?P<status>\w+)$"),
     N_("Day judged again: %(day)s is now %(status)s")),
    (re.compile(r"^re-marked: now (?P<mark>\w+)$"), N_("Meeting attendance changed: now %(mark)s")),
]
_REASON_VALUE_LABELS = {"status": lambda v: STATUS_LABELS.get(v, v), "mark": lambda v: MEETING_MARK_LABELS.get(v, v)}


def entry_reason(entry) -> str:
    """A ledger entry's reason as a page shows it, its rule called by the violation's name in the reader's
    language."""
    violation = getattr(entry, "violation", None)
    names = None
    if violation is not None:
        names = {violation.rule_code: violation.rule_name_en if _language() == "en" else violation.rule_name_zh}
    return ledger_reason(entry.reason, names)


def ledger_reason(text: str | None, rule_names: dict[str, str] | None = None) -> str:
    """A stored ledger (or reversal) reason in the reader's language. ``rule_names``: rule code → the name
    to show for it (a violation's own name), so a reader sees 迟到, not LATE."""
    text = text or ""
    closed = _CLOSED_MONTH.match(text)
    if closed:
        return gettext("%(reason)s (%(day)s, in a month already closed)",
                       reason=ledger_reason(closed["reason"], rule_names), day=closed["day"])
    for pattern, msgid in LEDGER_REASONS:
        found = pattern.match(text)
        if not found:
            continue
        values = found.groupdict()
        if "reason" in values:
            values["reason"] = ledger_reason(values["reason"], rule_names)
        if "rule" in values and rule_names:
            values["rule"] = rule_names.get(values["rule"], values["rule"])
        for key, label in _REASON_VALUE_LABELS.items():
            if key in values:
                values[key] = str(label(values[key]))
        return message(msgid, values)
    return text


# --- the note an attendance violation is recorded with (services/attendance.py ``_note``)

# Stored as written (partly English: "in 08:10 · out 18:11 · 迟到 late 10 min"); shown part by part through the
# catalog, so old and new notes read in the reader's language. A part that matches nothing is shown as it is.
NOTE_PARTS = [
    (re.compile(r"^in (?P<at>\d\d:\d\d)$"), N_("clock-in %(at)s")),
    (re.compile(r"^out (?P<at>\d\d:\d\d)$"), N_("clock-out %(at)s")),
    (re.compile(r"^迟到 late (?P<minutes>\d+) min$"), N_("late %(minutes)s min")),
    (re.compile(r"^早退 early (?P<minutes>\d+) min$"), N_("left early %(minutes)s min")),
    (re.compile(r"^旷工半天 half a day absent \(late (?P<late>\d+) / early (?P<early>\d+) min\)$"),
     N_("half a day absent (late %(late)s / early %(early)s min)")),
    (re.compile(r"^旷工 absent$"), N_("absent without leave")),
    # a meeting's mark (services/meetings.py): "2026-11-26 morning meeting · late"
    (re.compile(r"^(?P<day>\d{4}-\d{2}-\d{2}) (?P<kind>morning|weekly|monthly) meeting$"), N_("%(day)s %(kind)s")),
    (re.compile(r"^(?P<mark>late|left_early|absent)$"), "%(mark)s"),  # no words of its own to translate
]
_NOTE_VALUE_LABELS = {"kind": lambda v: MEETING_KIND_LABELS.get(v, v), "mark": lambda v: MEETING_MARK_LABELS.get(v, v)}
# a failed grooming item (services/grooming.py): "发型整齐，长发束起 / Hair neat, long hair tied up"
_BOTH_NAMES = re.compile(r"^(?P<zh>[^/]*[\u4e00-\u9fff][^/]*) / (?P<en>[A-Za-z][^\u4e00-\u9fff]*)$")
NOTE_SEPARATOR = " · "


def violation_note(text: str | None) -> str:
    """A violation's note in the reader's language: the parts the system wrote are translated."""
    parts = []
    for part in (text or "").split(NOTE_SEPARATOR):
        for pattern, msgid in NOTE_PARTS:
            if found := pattern.match(part):
                values = found.groupdict()
                for key, label in _NOTE_VALUE_LABELS.items():
                    if key in values:
                        values[key] = str(label(values[key]))
                part = message(msgid, values) if msgid != "%(mark)s" else values["mark"]
                break
        else:
            if both := _BOTH_NAMES.match(part):
                part = both["en"] if _language() == "en" else both["zh"]
        parts.append(part)
    return NOTE_SEPARATOR.join(parts)


# --- the clock: what a punch counted as (domain.attendance_rules.read_punch)

PUNCH_SOURCE_LABELS = {"web": _l("Phone or web"), "api": _l("API"), "clock": _l("Time clock"),
                       "import": _l("Imported file"), "correction": _l("Missed-punch correction")}
PUNCH_DIRECTION_LABELS = {"in": _l("Clock-in"), "out": _l("Clock-out"), None: _l("Punch")}
PUNCH_READING_LABELS = {
    "no_shift": _l("%(what)s %(at)s. You are not on the roster today: this punch does not count."),
    "outside": _l("%(what)s %(at)s: not within the shift's punch time (%(open)s–%(close)s), so it does not "
                  "count for attendance. Shift %(start)s–%(end)s."),
    "in_on_time": _l("%(what)s %(at)s, shift %(start)s–%(end)s."),
    "in_late": _l("%(what)s %(at)s: %(minutes)s minutes late, shift %(start)s–%(end)s."),
    "out_on_time": _l("%(what)s %(at)s, shift %(start)s–%(end)s."),
    "out_early": _l("%(what)s %(at)s: %(minutes)s minutes before the end of the shift %(start)s–%(end)s."),
    "out_missing_in": _l("%(what)s %(at)s, but there is no clock-in for the shift %(start)s–%(end)s: the "
                         "clock-in is missing."),
}


def _hhmm(moment, zone, after=None) -> str:
    local = moment.astimezone(zone)
    if after is not None and local.hour == 0 and local.minute == 0 and local.date() > after.astimezone(zone).date():
        return "24:00"
    return local.strftime("%H:%M")


def punch_reading_text(reading, zone) -> str:
    """The sentence the clock says after a punch: when it was, and what it counted as."""
    values = {"what": str(PUNCH_DIRECTION_LABELS.get(reading.direction, PUNCH_DIRECTION_LABELS[None])),
              "at": reading.at.astimezone(zone).strftime("%H:%M"), "minutes": reading.minutes,
              "start": "", "end": "", "open": "", "close": ""}
    if reading.shift is not None:
        values["start"] = _hhmm(reading.shift.start, zone)
        values["end"] = _hhmm(reading.shift.end, zone, reading.shift.start)
    if reading.window is not None:
        values["open"] = _hhmm(reading.window[0], zone)
        values["close"] = _hhmm(reading.window[1], zone)
    return _fill(str(PUNCH_READING_LABELS[reading.outcome]), values)


# --- the rule book as people read it (制度阅读): categories and the ladder as sentences

RULE_CATEGORY_LABELS = {
    "attendance": _l("Attendance"), "conduct": _l("Conduct on duty"), "grooming": _l("Grooming and dress"),
    "integrity": _l("Integrity"), "meeting": _l("Meetings and reports"), "service": _l("Service"),
    "general": _l("General"),
}
ADOPTED_BY_LABELS = {"职工代表大会": _l("Staff congress (职工代表大会)"),
                     "全体职工讨论": _l("Discussion by all staff (全体职工讨论)")}


def _yuan(amount) -> str:
    """10.00 as 10, 12.50 as 12.50: how a rule book writes a fine."""
    return str(amount.quantize(1)) if amount == amount.to_integral_value() else str(amount)


def step_sentence(n: int, step) -> str:
    """One ladder step (``domain.policy.Step``) as a sentence: 第2次 罚款 10 元，扣 2 分."""
    return gettext("Time %(n)s: %(what)s", n=n, what=step_what(step))


def step_what(step, with_points: bool = True) -> str:
    """What one ladder step does: 罚款 10 元，扣 2 分 (without the points when ``with_points`` is false)."""
    if step.sanction == "warning":
        what = gettext("a warning")
    elif step.sanction == "fine" and step.amount_range:
        what = gettext("a fine of %(lo)s to %(hi)s yuan", lo=_yuan(step.amount_range[0]),
                       hi=_yuan(step.amount_range[1]))
    elif step.sanction == "fine":
        what = gettext("a fine of %(amount)s yuan", amount=_yuan(step.amount))
    elif step.sanction == "points":
        what = gettext("points deducted")
    elif step.sanction == "criticism":
        what = gettext("a criticism (a recorded notice, no money)")
    elif step.sanction == "forfeit_reward":
        what = gettext("the month's reward (%(reward)s) forfeited", reward=step.reward)
    elif step.sanction == "stand_down":
        what = gettext("%(days)s days' stand-down for retraining", days=step.days)
    elif step.sanction == "transfer":
        what = gettext("a transfer off the post, which HR completes")
    elif step.sanction == "choice":
        what = gettext(" or ").join(step_what(option) for option in step.options)
        what = gettext("the recorder's choice of: %(options)s", options=what)
    else:
        what = gettext("a dismissal review")
    if step.points and with_points:
        what = gettext("%(what)s, %(points)s points deducted", what=what, points=step.points)
    if step.review == "dismissal" and step.sanction != "dismissal_review":
        what = gettext("%(what)s, and a dismissal review", what=what)
    return what


def ladder_sentences(rule, after_ladder: str) -> list[str]:
    """A rule's ladder as sentences, ending with what happens past its end."""
    lines = [step_sentence(i, s) for i, s in enumerate(rule.ladder, start=1)]
    if after_ladder == "review":
        lines.append(gettext("After that: the last step again, and the case goes for review."))
    else:
        lines.append(gettext("After that: the last step again each time."))
    return lines


# --- the year-end review (年终考核): what an award is called

MONTHLY_REWARD_LABEL = _l("Monthly reward (full attendance, outstanding work)")


def award_kind_label(kind: str, kinds: dict) -> str:
    """An award's kind in the reader's language: the month's reward paid with the pay, or a kind of the policy's
    ``awards`` (its Chinese or English name)."""
    if kind == "monthly_reward":
        return str(MONTHLY_REWARD_LABEL)
    found = kinds.get(kind)
    if found is None:
        return kind
    locale = get_locale()
    return found.name.en if locale is not None and locale.language == "en" else found.name.zh
