"""Project schemas (API)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from marketplace.cases import anonymize
from marketplace.cases.reference import CATEGORIES
from marketplace.schemas_base import Schema, money, one_of, text


class ProjectCreateSchema(Schema):
    name = text(100, required=True, min_len=1)
    description = text(2000, load_default="")
    kind = one_of(("money", "service", "both"), required=True)
    categories = fields.List(
        one_of(CATEGORIES),
        required=True,
        validate=validate.Length(1, 12, error=_l("Choose one to twelve categories.")),
    )
    regions = fields.List(
        fields.String(
            validate=validate.Regexp(r"^\d{2,6}$", error=_l("Use region code prefixes."))
        ),
        load_default=list,
        validate=validate.Length(max=50),
    )
    age_bands = fields.List(one_of(anonymize.AGE_BANDS), load_default=list)
    household_min = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 30)
    )
    household_max = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 30)
    )
    per_case_cap_fen = money(required=False, load_default=None, allow_none=True)
    budget_fen = money(required=False, load_default=None, allow_none=True)
    monthly_units = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(1, 100_000)
    )
    unit_name = text(20, load_default=None, allow_none=True)
    starts_on = fields.Date(load_default=None, allow_none=True)
    ends_on = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _capacity(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("kind") in ("money", "both") and not data.get("budget_fen"):
            raise ValidationError(_l("A money project needs a budget."), "budget_fen")
        if data.get("kind") in ("service", "both") and not data.get("monthly_units"):
            raise ValidationError(
                _l("A service project needs a monthly capacity."), "monthly_units"
            )


class ProjectOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    kind = fields.String()
    organization = fields.String()
    organization_verified = fields.Boolean()
    categories = fields.List(fields.String())
    regions = fields.List(fields.String())
    age_bands = fields.List(fields.String())
    per_case_cap_fen = fields.Integer(allow_none=True)
    budget_fen = fields.Integer(allow_none=True)
    budget_remaining_fen = fields.Integer(allow_none=True)
    monthly_units = fields.Integer(allow_none=True)
    units_left_this_month = fields.Integer(allow_none=True)
    unit_name = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    status = fields.String()
    track_record = fields.Float()


class ProjectListArgs(Schema):
    category = one_of(CATEGORIES, load_default=None)
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2,6}$"))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ProjectPageSchema(Schema):
    items = fields.List(fields.Nested(ProjectOutSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
