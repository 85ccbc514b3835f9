"""Case schemas. Input and output are separate; ``CasePublicSchema`` is the anonymization boundary:
a field that is not declared there cannot reach the public."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from marketplace.cases import anonymize
from marketplace.cases.reference import (
    CATEGORIES,
    CONSENT_SCOPES,
    MAX_FEN,
    NEED_KINDS,
    PAYEE_KINDS,
    PAYOUT_STATUSES,
    SCHEMES,
    TITLE_MAX,
    is_county,
)
from marketplace.cases.vault import is_valid_id_number
from marketplace.db_types import local_today
from marketplace.schemas_base import Schema, money, one_of, text


def _not_future(value: date) -> None:
    if value > local_today():
        # a list: a field validator's lone lazy message (not a str) is spread into characters
        raise ValidationError([_l("This date is in the future.")])


MAX_HOUSEHOLD_MEMBERS = 20


class HouseholdMemberSchema(Schema):
    """Another member of the household: who they are to the beneficiary, and their name.

    Private; their names are scrubbed from every public text like the beneficiary's own."""

    relation = text(20, required=True, min_len=1)
    name = text(40, required=True, min_len=1)


class PrivateSchema(Schema):
    name = text(100, required=True, min_len=1)
    id_number = fields.String(load_default=None, allow_none=True)
    phone = text(40, load_default=None, allow_none=True)
    address = text(200, load_default=None, allow_none=True)
    narrative = text(5000, load_default=None, allow_none=True)
    household_members = fields.List(
        fields.Nested(HouseholdMemberSchema),
        load_default=list,
        validate=validate.Length(
            max=MAX_HOUSEHOLD_MEMBERS, error=_l("At most 20 household members.")
        ),
    )

    @validates("id_number")
    def _check_id(self, value: str | None, **kwargs: Any) -> None:
        if not value:
            return
        if not is_valid_id_number(value):
            raise ValidationError(_l("This is not a valid resident ID number."))


class ConsentSchema(Schema):
    publish = fields.Boolean(required=True)
    recorded_on = fields.Date(load_default=None, allow_none=True, validate=_not_future)
    scope = one_of(CONSENT_SCOPES, load_default=None, allow_none=True)

    @validates_schema
    def _complete(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("publish") and not (data.get("recorded_on") and data.get("scope")):
            raise ValidationError(
                _l("Consent to publish needs the date it was given and its scope."),
                "recorded_on",
            )


class PayoutSchema(Schema):
    scheme = one_of(SCHEMES, required=True)
    amount_fen = money()
    status = one_of(PAYOUT_STATUSES, required=True)
    paid_on = fields.Date(load_default=None, allow_none=True, validate=_not_future)
    document_ref = text(100, load_default=None, allow_none=True)

    @validates_schema
    def _paid_needs_date(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("status") == "paid" and not data.get("paid_on"):
            raise ValidationError(_l("A paid payout needs the date it was paid."), "paid_on")


class NeedLineSchema(Schema):
    kind = one_of(NEED_KINDS, required=True)
    category = one_of(CATEGORIES, required=True)
    description = text(500, required=True, min_len=1)
    amount_fen = money(required=False, load_default=None, allow_none=True)
    units = fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, 1000, error=_l("Units run from 1 to 1,000.")),
    )
    unit_name = text(20, load_default=None, allow_none=True)
    payee_kind = one_of(PAYEE_KINDS, load_default="vendor")

    @validates_schema
    def _amount_or_units(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("kind") in ("cash", "in_kind") and not data.get("amount_fen"):
            raise ValidationError(_l("Cash and in-kind needs need an amount."), "amount_fen")
        if data.get("kind") == "service" and not data.get("units"):
            raise ValidationError(_l("A service need needs a number of units."), "units")


class CaseCreateSchema(Schema):
    private = fields.Nested(PrivateSchema, required=True)
    consent = fields.Nested(ConsentSchema, load_default=lambda: {"publish": False})
    region = fields.String(required=True)
    categories = fields.List(
        one_of(CATEGORIES),
        required=True,
        validate=validate.Length(1, 5, error=_l("Choose one to five categories.")),
    )
    household_size = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(1, 30, error=_l("Household size runs from 1 to 30.")),
    )
    age_band = one_of(anonymize.AGE_BANDS, required=True)
    #: a short human title for donors; refused when it holds personal data (see intake)
    title = text(TITLE_MAX, load_default=None, allow_none=True)
    summary = text(2000, load_default="")
    emergency = fields.Boolean(load_default=False)
    government_payouts = fields.List(
        fields.Nested(PayoutSchema),
        load_default=list,
        validate=validate.Length(max=20, error=_l("At most 20 payouts.")),
    )
    need_lines = fields.List(
        fields.Nested(NeedLineSchema),
        load_default=list,
        validate=validate.Length(max=30, error=_l("At most 30 need lines.")),
    )

    @validates("region")
    def _check_region(self, value: str, **kwargs: Any) -> None:
        try:
            county = anonymize.county_code(value.strip())
        except ValueError as exc:
            raise ValidationError(_l("Enter a 6-digit county code.")) from exc
        if not is_county(county):
            raise ValidationError(_l("Unknown county code."))

    @validates("categories")
    def _unique(self, value: list[str], **kwargs: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError(_l("A category is listed twice."))


class CaseUpdateSchema(CaseCreateSchema):
    """PATCH: every field optional; a list given replaces the old list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class ReviewSchema(Schema):
    decision = one_of(("approve", "return"), required=True)
    reason = text(1000, load_default=None, allow_none=True)

    @validates_schema
    def _reason_for_return(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            raise ValidationError(_l("Say why the case is returned."), "reason")


class CaseListArgs(Schema):
    category = one_of(CATEGORIES, load_default=None)
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2,6}$"))
    status = one_of(("published",), load_default=None)
    emergency = fields.Boolean(load_default=None)
    min_open_fen = fields.Integer(load_default=None, validate=validate.Range(0, MAX_FEN))
    q = text(100, load_default=None)
    sort = one_of(("newest", "urgent", "open_desc", "open_asc"), load_default="newest")
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


# ---- output -------------------------------------------------------------------------------


class PublicNeedLineSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    category = fields.String()
    description = fields.String()
    amount_fen = fields.Integer(allow_none=True)
    funded_fen = fields.Integer()
    units = fields.Integer(allow_none=True)
    unit_name = fields.String(allow_none=True)
    payee_kind = fields.String()
    status = fields.String()


class SchemeAmountSchema(Schema):
    scheme = fields.String()
    amount_fen = fields.Integer()


class CasePublicSchema(Schema):
    """Everything the public may see of a case, and nothing else."""

    ref = fields.String()
    title = fields.String(
        metadata={
            "description": "the social worker's title (checked by the anonymizer), or a neutral "
            "one made of the first category and the county when none was written"
        }
    )
    title_written = fields.Boolean(
        metadata={"description": "false when ``title`` is the generated neutral one"}
    )
    region = fields.String(metadata={"description": "county code (6 digits)"})
    region_name = fields.String()
    categories = fields.List(fields.String())
    household_size = fields.String(metadata={"description": "1, 2, 3, 4 or 5+"})
    age_band = fields.String()
    summary = fields.String()
    emergency = fields.Boolean()
    paperwork_pending = fields.Boolean()
    need_lines = fields.List(fields.Nested(PublicNeedLineSchema))
    government_paid_fen = fields.Integer()
    government_paid_by_scheme = fields.List(fields.Nested(SchemeAmountSchema))
    total_need_fen = fields.Integer(
        metadata={"description": "what the household faced: government paid + residual"}
    )
    residual_fen = fields.Integer()
    funded_fen = fields.Integer()
    open_fen = fields.Integer()
    status = fields.String()
    published_at = fields.DateTime(allow_none=True)


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CasePublicSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class PayoutOutSchema(PayoutSchema):
    id = fields.Integer()


class CaseOwnerSchema(CasePublicSchema):
    """The case as its own organization sees it (no private part: that has its own endpoint)."""

    summary_draft = fields.String()
    scrub_report = fields.Dict()
    government_payouts = fields.List(fields.Nested(PayoutOutSchema))
    flags = fields.List(fields.String())
    return_reason = fields.String(allow_none=True)
    paperwork_deadline = fields.Date(allow_none=True)
    household_size_exact = fields.Integer()
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)


class CasePrivateOutSchema(Schema):
    ref = fields.String()
    name = fields.String()
    id_number = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    narrative = fields.String(allow_none=True)
    household_members = fields.List(fields.Nested(HouseholdMemberSchema))
    consent = fields.Dict()
