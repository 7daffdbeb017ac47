from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from attendance.labels import NOTIFICATION_KIND_LABELS, ROBOT_FLAVOUR_LABELS
from attendance.models.notifications import ROBOT_FLAVOURS
from attendance.services.notifications import KINDS


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RobotForm(FlaskForm):
    flavour = SelectField(_l("Robot"), choices=[SelectChoice(f, ROBOT_FLAVOUR_LABELS[f]) for f in ROBOT_FLAVOURS],
                          validate_choice=False)
    url = StringField(_l("Webhook address"), validators=[DataRequired(), Length(max=500)],
                      render_kw={"type": "url", "inputmode": "url", "autocomplete": "off",
                                 "placeholder": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"})
    kinds = MultiCheckboxField(_l("Also post these to the group"),
                               choices=[SelectChoice(k, NOTIFICATION_KIND_LABELS[k]) for k in KINDS],
                               validate_choice=False)
    active = BooleanField(_l("Active"), default=True)
