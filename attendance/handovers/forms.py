"""Forms of the handover book pages (field checks only; who may write, acknowledge or fine is the service's)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class HandoverForm(FlaskForm):
    date = StringField(_l("Day"), validators=[Optional()], render_kw={"type": "date"})
    shift = StringField(_l("Shift (code, optional)"), validators=[Optional(), Length(max=16)])
    incoming_no = SelectField(_l("Taken over by"), choices=[], validate_choice=False, validators=[Optional()])
    open_cases = TextAreaField(_l("Open cases"), validators=[Optional(), Length(max=2000)],
                               render_kw={"rows": 3, "placeholder": _l("Customer questions and matters still open")})
    keys = TextAreaField(_l("Keys and items"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})


class FineForm(FlaskForm):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
