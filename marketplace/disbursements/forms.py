"""HTML forms for disbursements, receipts and closing a case (CSRF on every one)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from marketplace.forms import yuan_to_fen


class YuanField(StringField):
    """Yuan typed by people ("1,200.50"), held as integer fen in ``fen``."""

    fen: int | None = None

    def pre_validate(self, form: Any) -> None:
        try:
            self.fen = yuan_to_fen(self.data or "")
        except ValueError:
            self.fen = None
            raise ValidationError(_l("Enter an amount in yuan, e.g. 200.")) from None
        if self.fen <= 0:
            raise ValidationError(_l("Enter an amount in yuan, e.g. 200."))


class DisbursementForm(FlaskForm):
    need_line_id = SelectField(_l("Need line"), coerce=int, validators=[DataRequired()])
    amount = YuanField(_l("Amount (yuan)"), validators=[DataRequired()])
    payee_kind = SelectField(
        _l("Paid to"),
        choices=[
            SelectChoice("vendor", _l("Vendor (hospital, school, landlord, pharmacy): preferred")),
            SelectChoice("beneficiary", _l("Beneficiary")),
        ],
    )
    payee_name = StringField(
        _l("Payee name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("A vendor's name is public; a beneficiary's never is."),
    )
    purpose = StringField(_l("Purpose"), validators=[DataRequired(), Length(max=300)])
    invoice_ref = StringField(_l("Invoice reference"), validators=[Length(max=100)])


class ReceiptForm(FlaskForm):
    file = FileField(_l("Receipt (PDF, JPEG or PNG)"), validators=[FileRequired()])
    variant = SelectField(
        _l("Version"),
        choices=[
            SelectChoice("original", _l("Original (the case's organization, custodian, auditors)")),
            SelectChoice("redacted", _l("Redacted copy (donors to the case may see it)")),
        ],
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


OUTCOME_CHOICES = [
    SelectChoice("resolved", _l("The crisis is resolved")),
    SelectChoice("partly", _l("Partly resolved")),
    SelectChoice("not_resolved", _l("Not resolved")),
]


class CloseForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=OUTCOME_CHOICES)
    note = TextAreaField(_l("Note for donors (anonymized)"), validators=[Length(max=1000)])


class FollowUpForm(FlaskForm):
    resolved = SelectField(_l("Was the crisis resolved?"), choices=OUTCOME_CHOICES)
    note = TextAreaField(_l("Note for donors (anonymized)"), validators=[Length(max=1000)])
