from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from attendance.domain.discipline import DISMISSAL_OUTCOMES
from attendance.domain.policy import SANCTIONS
from attendance.labels import DISMISSAL_LABELS, SANCTION_LABELS, SOURCE_LABELS

# What a person records by hand; grooming and attendance violations come from their own checks.
PAGE_SOURCES = ("manual", "complaint", "meeting", "swap")


class RecordForm(FlaskForm):
    employee = StringField(_l("Person"), validators=[DataRequired(), Length(max=140)],
                           render_kw={"list": "people", "autocomplete": "off"})
    rule = StringField(_l("Rule"), validators=[DataRequired(), Length(max=300)],
                       render_kw={"list": "rules", "autocomplete": "off"})
    occurred_at = StringField(_l("When"), validators=[DataRequired()], render_kw={"type": "datetime-local"})
    amount = StringField(_l("Amount (yuan), only for a rule with a range"), validators=[Optional()],
                         render_kw={"inputmode": "decimal"})
    # where the step offers the recorder a choice (FALSIFY: 罚款或开除), which one; the note says why
    choice = SelectField(_l("Where the rule offers a choice: which sanction"), validators=[Optional()],
                         choices=[SelectChoice("", _l("— (the rule offers no choice)")),
                                  *[SelectChoice(s, SANCTION_LABELS[s]) for s in SANCTIONS]], default="")
    source = SelectField(_l("Source"), choices=[SelectChoice(s, SOURCE_LABELS[s]) for s in PAGE_SOURCES],
                         default="manual")
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    evidence = FileField(_l("Photo evidence (JPEG, PNG or WebP, at most 5 MB)"),
                         render_kw={"accept": "image/jpeg,image/png,image/webp"})


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class AppealDecisionForm(ReasonForm):
    outcome = SelectField(_l("Decision"), choices=[SelectChoice("upheld", _l("Uphold the penalty")),
                                                   SelectChoice("overturned", _l("Overturn the penalty"))])


class DismissalForm(ReasonForm):
    outcome = SelectField(_l("Decision"), choices=[SelectChoice(o, DISMISSAL_LABELS[o]) for o in DISMISSAL_OUTCOMES])


class TransferForm(FlaskForm):
    note = TextAreaField(_l("What was done: the new post, from when"), validators=[DataRequired(), Length(max=2000)])
