from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice

from attendance.labels import ADOPTED_BY_LABELS


class PolicyUploadForm(FlaskForm):
    file = FileField(_l("Policy document (YAML or JSON)"), validators=[FileRequired()])


class PublishForm(FlaskForm):
    """How a version was adopted and made known (劳动合同法 Art. 4); the service checks every field."""

    adopted_on = StringField(_l("Adopted on"), render_kw={"type": "date"},
                             description=_l("May lie in the past: the day the rule book was adopted."))
    adopted_by = RadioField(_l("Adopted by"), choices=[*(SelectChoice(k, v) for k, v in ADOPTED_BY_LABELS.items()),
                                                  SelectChoice("other", _l("Other"))],
                            default="职工代表大会")
    adopted_by_other = StringField(_l("Other body"))
    evidence = FileField(_l("Minute or notice (PDF or photo, at most 5 MB)"),
                         render_kw={"accept": "application/pdf,image/jpeg,image/png,image/webp"})


class AcknowledgeForm(FlaskForm):
    """A button: I have read these rules (已阅知)."""
