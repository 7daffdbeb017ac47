from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from attendance.labels import MEETING_KIND_LABELS


class MeetingForm(FlaskForm):
    kind = SelectField(_l("Meeting"), choices=[SelectChoice(k, v) for k, v in MEETING_KIND_LABELS.items()])
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    date = StringField(_l("Day"), validators=[DataRequired()], render_kw={"type": "date"})
    start = StringField(_l("Starts (HH:MM)"), validators=[Optional()], render_kw={"placeholder": "08:05"})
    end = StringField(_l("Ends (HH:MM)"), validators=[Optional()], render_kw={"placeholder": "08:30"})
    title = StringField(_l("Subject"), validators=[Optional(), Length(max=200)])
    attendees = StringField(_l("Attendees (employee numbers; empty: the team)"),
                            validators=[Optional(), Length(max=2000)])
    notes = StringField(_l("Agenda, place, materials"), validators=[Optional(), Length(max=2000)])


class ExcuseForm(FlaskForm):
    reason = StringField(_l("Why you cannot come"), validators=[Optional(), Length(max=500)])
