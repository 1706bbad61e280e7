"""Back-office forms (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length

from portal.config import BACKOFFICE_LANGUAGES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                       Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                          Length(max=1024)])
    next = HiddenField()


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=list(BACKOFFICE_LANGUAGES))


class ActionForm(FlaskForm):
    """A form with nothing but its CSRF token (sign-out and similar buttons)."""
