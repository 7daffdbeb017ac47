from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from attendance.domain.policy import ROLES
from attendance.labels import ROLE_LABELS


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EmployeeForm(FlaskForm):
    employee_no = StringField(_l("Employee no."), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    roles = MultiCheckboxField(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES], default=["staff"])
    hire_date = StringField(_l("Hire date"), validators=[Optional()], render_kw={"type": "date"})
    monthly_wage = StringField(_l("Monthly wage (yuan)"), validators=[Optional()],
                               render_kw={"inputmode": "decimal"})
    username = StringField(_l("Username"), validators=[Optional(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[Optional()])


class TeamForm(FlaskForm):
    code = StringField(_l("Team code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=100)])
    lead = StringField(_l("Lead (employee no.)"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    skip_errors = BooleanField(_l("Import the good lines and skip the bad ones"))
