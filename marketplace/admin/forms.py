"""Forms of the auditor and admin screens: GET filters (no CSRF: they change nothing, and a
bad value is a form error, never a server error) and the admin's POST forms (CSRF)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from marketplace.accounts.models import OrgKind
from marketplace.accounts.services import MIN_PASSWORD_LENGTH


class ChoiceField(SelectField):
    """A select whose refusal of an unknown value reads like the other form errors."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options."))
        super().__init__(label, **kwargs)


class DateInput(StringField):
    """A date typed as YYYY-MM-DD (the phone's date picker sends that)."""

    def __init__(self, label: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [Optional(), Length(max=10)])
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.data:
            try:
                date.fromisoformat(self.data)
            except ValueError as exc:
                raise ValidationError(_l("Enter a date as YYYY-MM-DD.")) from exc

    @property
    def day(self) -> date | None:
        try:
            return date.fromisoformat(self.data) if self.data else None
        except ValueError:
            return None


def _day_start(day: date | None, days: int = 0) -> datetime | None:
    """Midnight of ``day`` (plus ``days``) in the site's time zone, as an aware datetime."""
    if day is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")
    return datetime.combine(day + timedelta(days=days), time(), zone)


class _Filters(FlaskForm):
    """A GET filter form: built from ``request.args``, no CSRF."""

    class Meta:
        csrf = False

    date_from = DateInput(_l("From"))
    date_to = DateInput(_l("To"))

    def validate_date_to(self, field: DateInput) -> None:
        start, end = self.date_from.day, field.day
        if start and end and end < start:
            raise ValidationError(_l("The end date is before the start date."))

    @property
    def since(self) -> datetime | None:
        return _day_start(self.date_from.day)

    @property
    def until(self) -> datetime | None:
        return _day_start(self.date_to.day, days=1)  # the whole last day


class LedgerFilters(_Filters):
    kind = ChoiceField(_l("Kind of entry"), default="")
    account = StringField(
        _l("Account or case reference"),
        validators=[Optional(), Length(max=64)],
        render_kw={"placeholder": "case:JJN-… / fund:3 / world:donors"},
    )


class AuditFilters(_Filters):
    action = ChoiceField(_l("Action"), default="")
    actor = StringField(_l("Who (user id or email)"), validators=[Optional(), Length(max=254)])
    object = StringField(
        _l("Object (case reference or id)"), validators=[Optional(), Length(max=64)]
    )

    def validate_actor(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if value and not (value.isdigit() and len(value) < 10) and "@" not in value:
            raise ValidationError(_l("Enter a user id (a number) or an email address."))


ORG_KIND_CHOICES = [
    SelectChoice("civil_affairs", _l("Civil affairs office")),
    SelectChoice("ngo", _l("NGO")),
    SelectChoice("company", _l("Company")),
    SelectChoice("custodian", _l("Custodian charity")),
    SelectChoice("platform", _l("Platform")),
]


class OrganizationFilters(FlaskForm):
    class Meta:
        csrf = False

    kind = ChoiceField(
        _l("Kind of organization"),
        choices=[SelectChoice("", _l("All kinds")), *ORG_KIND_CHOICES],
        default="",
    )
    status = ChoiceField(
        _l("Verification"),
        choices=[SelectChoice("", _l("All")), SelectChoice("unverified", _l("Not verified yet"))],
        default="",
    )

    @property
    def org_kind(self) -> OrgKind | None:
        return OrgKind(self.kind.data) if self.kind.data else None


class UserFilters(FlaskForm):
    class Meta:
        csrf = False

    role = ChoiceField(_l("Role"), default="")
    organization = ChoiceField(_l("Organization"), default="")
    active = ChoiceField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("yes", _l("Active")),
            SelectChoice("no", _l("Deactivated")),
        ],
        default="",
    )

    @property
    def active_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.active.data or "")


class NewUserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    role = ChoiceField(_l("Role"), validators=[DataRequired()])
    organization = ChoiceField(_l("Organization"))
    password = PasswordField(
        _l("Temporary password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
        description=_l(
            "At least 12 characters. Give it to the person by a safe channel (in person or by "
            "phone), never in a group chat."
        ),
    )


class RoleForm(FlaskForm):
    role = ChoiceField(_l("New role"), validators=[DataRequired()])
