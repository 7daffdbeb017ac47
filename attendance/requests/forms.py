"""Forms of the requests pages (field checks only; the rules are the service's)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class CorrectionForm(FlaskForm):
    employee_no = StringField(_l("Person (employee number; empty: yourself)"), validators=[Optional(), Length(max=32)],
                              render_kw={"autocomplete": "off"})
    date = StringField(_l("Day"), validators=[DataRequired()], render_kw={"type": "date"})
    direction = SelectField(_l("Missed punch"), choices=[SelectChoice("in", _l("Clock-in")),
                                                         SelectChoice("out", _l("Clock-out"))])
    time = StringField(_l("Time"), validators=[DataRequired()], render_kw={"type": "time"})
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class DecisionForm(FlaskForm):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class ExtraShiftForm(FlaskForm):
    employee_no = StringField(_l("Person (employee number; empty: yourself)"), validators=[Optional(), Length(max=32)],
                              render_kw={"autocomplete": "off"})
    date = StringField(_l("Day"), validators=[DataRequired()], render_kw={"type": "date"})
    start = StringField(_l("From"), validators=[DataRequired()], render_kw={"type": "time"})
    end = StringField(_l("To"), validators=[DataRequired()], render_kw={"type": "time"})
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
