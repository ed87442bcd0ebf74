"""The dashboard's forms. Every POST form carries a CSRF token (Flask-WTF); labels and messages come
from the dashboard catalog in the templates, so the fields here carry no text of their own."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from bot.dashboard import passwords


class LoginForm(FlaskForm):
    username = StringField(validators=[InputRequired(), Length(max=64)])
    password = PasswordField(validators=[InputRequired(), Length(max=passwords.MAX_LENGTH)])
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button with nothing but the CSRF token (log out)."""


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")])
    next = HiddenField()


class OfficeForm(FlaskForm):
    office = SelectField(choices=[], validate_choice=True)
    next = HiddenField()


class TranscriptSearchForm(FlaskForm):
    """GET search: nothing changes, so no CSRF token in the URL."""

    class Meta:
        csrf = False

    q = StringField(validators=[Optional(), Length(max=100)])
    date_from = DateField(validators=[Optional()])
    date_to = DateField(validators=[Optional()])
    page = IntegerField(validators=[Optional()], default=1)


class UserCreateForm(FlaskForm):
    username = StringField(validators=[InputRequired(), Length(min=3, max=64)])
    display_name = StringField(validators=[InputRequired(), Length(max=200)])
    role = SelectField(choices=[])
    office = SelectField(choices=[])
    password = PasswordField(validators=[InputRequired(), Length(min=passwords.MIN_LENGTH,
                                                                 max=passwords.MAX_LENGTH)])


class UserEditForm(FlaskForm):
    display_name = StringField(validators=[InputRequired(), Length(max=200)])
    role = SelectField(choices=[])
    office = SelectField(choices=[])
    active = BooleanField()


class PasswordResetForm(FlaskForm):
    password = PasswordField(validators=[InputRequired(), Length(min=passwords.MIN_LENGTH,
                                                                 max=passwords.MAX_LENGTH)])
