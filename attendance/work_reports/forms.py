"""Forms of the work report pages (field checks only; deadlines and who owes a report are the service's)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,.xlsx,.docx"


class HandInForm(FlaskForm):
    kind = SelectField(_l("Report"), choices=[], validate_choice=False)
    period = StringField(_l("For the period containing (empty: the one due next)"), validators=[Optional()],
                         render_kw={"type": "date"})
    text = TextAreaField(_l("Report"), validators=[Optional(), Length(max=10000)],
                         render_kw={"rows": 8, "placeholder": _l("What you did, the numbers, open issues")})
    file = FileField(_l("File (PDF, photo, Excel or Word; optional)"), render_kw={"accept": FILE_ACCEPT})
