"""Forms of the swaps pages (field checks only; the rules are the service's)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from attendance.labels import SWAP_KIND_LABELS


class SwapForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, SWAP_KIND_LABELS[k]) for k in SWAP_KIND_LABELS])
    requester_no = StringField(_l("For (employee number; empty: yourself)"), validators=[Optional(), Length(max=32)],
                               render_kw={"autocomplete": "off"})
    requester_date = StringField(_l("My shift on"), validators=[DataRequired()], render_kw={"type": "date"})
    counterpart_no = SelectField(_l("Colleague"), validators=[DataRequired()], validate_choice=False)
    counterpart_date = StringField(_l("Their shift on (not for a cover)"), validators=[Optional()],
                                  render_kw={"type": "date"})
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    handover_note = TextAreaField(_l("Handover note"), validators=[Optional(), Length(max=500)],
                                  render_kw={"placeholder": _l("What the colleague must know to take over")})


class NoteForm(FlaskForm):
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


class HandoverFineForm(FlaskForm):
    employee_no = SelectField(_l("Who missed the handover"), validators=[DataRequired()], validate_choice=False)
    note = StringField(_l("What went wrong"), validators=[Optional(), Length(max=500)])


class VerdictForm(FlaskForm):
    absent_no = HiddenField(validators=[DataRequired()])
    worker_no = HiddenField(validators=[DataRequired()])
    date = HiddenField(validators=[DataRequired()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
