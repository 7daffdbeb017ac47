"""Forms of the leave pages: field checks only (a date is a date, the end is not before the start); every rule
that refuses a leave (notice, overlap, balance, chain) is the leave service's."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from attendance.domain.policy.model import LEAVE_TYPES
from attendance.labels import HALF_DAY_LABELS, LEAVE_TYPE_LABELS

MAX_REASON = 500
CERTIFICATE_ACCEPT = "application/pdf,image/jpeg,image/png,image/webp"


def _day(text) -> date | None:
    try:
        return date.fromisoformat(str(text or "").strip())
    except ValueError:
        return None


def a_day(form, field) -> None:
    if field.data and _day(field.data) is None:
        raise ValidationError(_l("Give a date like 2026-11-09."))


def not_before_start(form, field) -> None:
    start, end = _day(form.start.data), _day(field.data)
    if start and end and end < start:
        raise ValidationError(_l("The leave ends before it starts."))


def one_day_only(form, field) -> None:
    end = _day(form.end.data)
    if field.data and end and end != _day(form.start.data):
        raise ValidationError(_l("A half day is a leave of one day."))


def _reason(label):
    return TextAreaField(label, validators=[DataRequired(message=_l("Give a reason.")),
                                            Length(max=MAX_REASON, message=_l("The reason is too long."))],
                         render_kw={"rows": 3, "maxlength": MAX_REASON})


class LeaveForm(FlaskForm):
    """请假申请. ``employee_no`` and ``emergency`` are shown to those who file for others (a lead, the office)."""

    employee_no = SelectField(_l("Person"), choices=[], default="")
    leave_type = SelectField(_l("Type of leave"), choices=[SelectChoice(t, LEAVE_TYPE_LABELS[t]) for t in LEAVE_TYPES],
                             default="personal")
    start = StringField(_l("First day"), validators=[InputRequired(message=_l("Give the first day.")), a_day],
                        render_kw={"type": "date"})
    end = StringField(_l("Last day"), validators=[Optional(), a_day, not_before_start], render_kw={"type": "date"})
    half_day = SelectField(_l("Half day"), choices=[SelectChoice("", _l("Whole day")),
                                                    *(SelectChoice(k, v) for k, v in HALF_DAY_LABELS.items())],
                           default="", validators=[one_day_only])
    reason = _reason(_l("Reason"))
    certificate = FileField(_l("Certificate (PDF or photo, optional)"), render_kw={"accept": CERTIFICATE_ACCEPT})
    emergency = BooleanField(_l("Emergency (the person phoned in)"))

    def fields_for_service(self) -> dict:
        return {"employee_no": self.employee_no.data or None, "type": self.leave_type.data, "start": self.start.data,
                "end": self.end.data or None, "half_day": self.half_day.data or None, "reason": self.reason.data,
                "emergency": bool(self.emergency.data)}


class DecisionForm(FlaskForm):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Why (optional)"), validators=[Optional(), Length(max=MAX_REASON,
                                                                            message=_l("The reason is too long."))])


class ExtendForm(FlaskForm):
    """续假: the new last day and why."""

    end = StringField(_l("New last day"), validators=[InputRequired(message=_l("Give the new last day.")), a_day],
                      render_kw={"type": "date"})
    reason = _reason(_l("Why the leave is extended"))


class ReturnForm(FlaskForm):
    """销假: when the person was back (empty: now)."""

    at = StringField(_l("Back at (empty: now)"), validators=[Optional()], render_kw={"type": "datetime-local"})


class CertificateForm(FlaskForm):
    certificate = FileField(_l("Certificate (PDF or photo, at most 5 MB)"), render_kw={"accept": CERTIFICATE_ACCEPT})


class EntitlementForm(FlaskForm):
    """HR sets a person's days of a leave type for a year, always with the reason."""

    employee_no = StringField(validators=[DataRequired()])
    year = StringField(validators=[DataRequired()])
    leave_type = SelectField(_l("Type of leave"), choices=[])
    entitled = StringField(_l("Days for the year"), validators=[DataRequired(message=_l("Give the days."))],
                           render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reason = _reason(_l("Why"))
