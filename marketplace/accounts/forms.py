"""Account forms (Flask-WTF: CSRF on every form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from marketplace.accounts.services import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Name shown to others"), validators=[Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
        description=_l("At least 12 characters."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )


class SettingsForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Follow my browser")),
            SelectChoice("zh_CN", "中文"),
            SelectChoice("en", "English"),
        ],
    )
