from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class PolicyUploadForm(FlaskForm):
    file = FileField(_l("Policy document (YAML or JSON)"), validators=[FileRequired()])
