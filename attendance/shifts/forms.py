from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from attendance.labels import PATTERN_LABELS


class ShiftTypeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    start = StringField(_l("Starts (HH:MM)"), validators=[DataRequired()], render_kw={"placeholder": "08:00"})
    end = StringField(_l("Ends (HH:MM, 24:00 = midnight)"), validators=[DataRequired()],
                      render_kw={"placeholder": "18:00"})
    breaks = StringField(_l("Breaks"), validators=[Optional()], render_kw={"placeholder": "12:00-14:00"})
    grace_minutes = StringField(_l("Own grace minutes (empty: the policy's)"), validators=[Optional()],
                                render_kw={"inputmode": "numeric"})
    active = BooleanField(_l("In use"), default=True)


class GenerateForm(FlaskForm):
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    pattern = SelectField(_l("Pattern"), choices=[SelectChoice(k, v) for k, v in PATTERN_LABELS.items()])
    shift = SelectField(_l("Shift worked"), choices=[], validate_choice=False)
    cycle = StringField(_l("Custom cycle (codes, REST for a rest day)"), validators=[Optional()],
                        render_kw={"placeholder": "D8, D8, D8, D8, D8, REST, REST"})
    sunday = SelectField(_l("On Sundays instead"), choices=[], validate_choice=False)
    start = StringField(_l("From"), validators=[DataRequired()], render_kw={"type": "date"})
    end = StringField(_l("To"), validators=[DataRequired()], render_kw={"type": "date"})
    rest_on_holidays = BooleanField(_l("Everyone rests on public holidays"))


class PunchImportForm(FlaskForm):
    file = FileField(_l("CSV file from the time clock"), validators=[FileRequired()])


class CorrectionForm(FlaskForm):
    at = StringField(_l("Time"), validators=[DataRequired()], render_kw={"type": "datetime-local"})
    direction = SelectField(_l("Direction"), choices=[SelectChoice("in", _l("In")), SelectChoice("out", _l("Out"))])
    note = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
