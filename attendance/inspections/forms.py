"""The inspection form (field checks only; the rules are the service's)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class InspectionForm(FlaskForm):
    employee_no = StringField(_l("Person inspected (employee number)"), validators=[DataRequired(), Length(max=32)],
                              render_kw={"autocomplete": "off"})
    channel = SelectField(_l("Channel"), choices=[SelectChoice("call", _l("Call")), SelectChoice("chat", _l("Chat"))])
    reference = StringField(_l("Record reference (call or chat number)"), validators=[DataRequired(), Length(max=100)])
    score = StringField(_l("Score"), validators=[DataRequired()], render_kw={"inputmode": "numeric"})
    transcript = TextAreaField(_l("Transcript (paste the chat, optional)"), validators=[Optional(), Length(max=20000)],
                               render_kw={"rows": 6})
