"""Pledge schemas (API)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from marketplace.cases import anonymize
from marketplace.cases.reference import CATEGORIES
from marketplace.schemas_base import Schema, money, one_of


class RuleSchema(Schema):
    categories = fields.List(
        one_of(CATEGORIES),
        required=True,
        validate=validate.Length(1, 5, error=_l("Choose one to five categories.")),
    )
    region = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{2,6}$")
    )
    age_band = one_of(anonymize.AGE_BANDS, load_default=None, allow_none=True)


class PledgeCreateSchema(Schema):
    case_ref = fields.String(load_default=None, validate=validate.Length(max=16))
    need_line_id = fields.Integer(strict=True, load_default=None, allow_none=True)
    rule = fields.Nested(RuleSchema, load_default=None, allow_none=True)
    amount_fen = money()
    anonymous = fields.Boolean(load_default=True)
    fallback = one_of(("similar", "refund"), load_default="similar")

    @validates_schema
    def _one_target(self, data: dict[str, Any], **kwargs: Any) -> None:
        if bool(data.get("case_ref")) == bool(data.get("rule")):
            raise ValidationError(_l("Give either case_ref or rule."), "case_ref")


class PledgeOutSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    amount_fen = fields.Integer()
    case_ref = fields.String(allow_none=True)
    placed_case_ref = fields.String(allow_none=True)
    need_line_id = fields.Integer(allow_none=True)
    rule = fields.Dict(allow_none=True)
    anonymous = fields.Boolean()
    fallback = fields.String()
    reserved_until = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    paid_at = fields.DateTime(allow_none=True)
    notice = fields.String(allow_none=True)
    created_at = fields.DateTime()


class PledgeCreatedSchema(Schema):
    pledge = fields.Nested(PledgeOutSchema)
    checkout_url = fields.String()


class FundSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    budget_fen = money()
    categories = fields.List(
        one_of(CATEGORIES), load_default=list, validate=validate.Length(max=12)
    )
    region = fields.String(load_default="", validate=validate.Regexp(r"^(\d{2,6})?$"))
    per_case_cap_fen = money(required=False, load_default=None, allow_none=True)
    match_ratio = fields.Integer(
        strict=True,
        load_default=0,
        validate=validate.Range(
            0, 1000, error=_l("The match runs from 0 to 1000 percent of a gift.")
        ),
    )
    match_cap_per_gift_fen = money(required=False, load_default=None, allow_none=True)
    match_cap_per_case_fen = money(required=False, load_default=None, allow_none=True)
    match_min_gift_fen = money(required=False, load_default=1000)
    match_daily_cap_per_donor_fen = money(required=False, load_default=None, allow_none=True)
    match_ends_on = fields.Date(load_default=None, allow_none=True)
