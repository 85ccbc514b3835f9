"""Policy schemas (API): the query of ``GET /api/v1/policies`` and the version in force."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from marketplace.policy.services import china_today
from marketplace.schemas_base import Schema


class PolicyArgs(Schema):
    region = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^(\d{2}|\d{4}|\d{6})$", error=_l("A region is a code of 2, 4 or 6 digits.")
        ),
    )
    on = fields.Date(load_default=china_today)


class BandSchema(Schema):
    class Meta:
        ordered = True

    #: exact fractions as text: "2", "5/2"
    min_multiple = fields.String()
    max_multiple = fields.String(allow_none=True)
    min_fen = fields.Integer()
    max_fen = fields.Integer(allow_none=True)
    joint_meeting = fields.Boolean()


class PolicySchema(Schema):
    class Meta:
        ordered = True

    version = fields.String()
    region = fields.String(attribute="region_prefix")
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True, metadata={"description": "exclusive"})
    dibao_standard_fen = fields.Integer(attribute="dibao_fen")
    tekun_standard_fen = fields.Integer(attribute="tekun_fen", allow_none=True)
    temporary_bands = fields.List(fields.Nested(BandSchema), attribute="bands")
    small_sum_limit_fen = fields.Integer()
    paperwork_deadline_days = fields.Integer(attribute="paperwork_days")
