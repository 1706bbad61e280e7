"""Back-office forms (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal.config import BACKOFFICE_LANGUAGES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                       Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                          Length(max=1024)])
    next = HiddenField()


class CodeForm(FlaskForm):
    """The six-digit code of an authenticator app (second factor)."""
    code = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(_l("Enter the code.")), Length(max=20)])


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=list(BACKOFFICE_LANGUAGES))


class ActionForm(FlaskForm):
    """A form with nothing but its CSRF token (sign-out and similar buttons)."""
