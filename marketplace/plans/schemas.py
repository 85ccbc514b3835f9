"""Plan schemas (API)."""

from __future__ import annotations

from marshmallow import fields

from marketplace.schemas_base import Schema


class FactorSchema(Schema):
    name = fields.String()
    value = fields.Float()
    weight = fields.Float()
    contribution = fields.Float()
    label_zh = fields.String()
    label_en = fields.String()


class ScoredSourceSchema(Schema):
    source = fields.String()
    name = fields.String()
    score = fields.Float()
    factors = fields.List(fields.Nested(FactorSchema))


class NeedMatchesSchema(Schema):
    need_line_id = fields.Integer()
    missing_fen = fields.Integer()
    missing_units = fields.Integer(allow_none=True)
    sources = fields.List(fields.Nested(ScoredSourceSchema))


class MatchesSchema(Schema):
    case_ref = fields.String()
    needs = fields.List(fields.Nested(NeedMatchesSchema))


class PlanItemSchema(Schema):
    id = fields.Integer()
    need_line_id = fields.Integer()
    source_kind = fields.Function(lambda item: item.source_kind.value)
    source_id = fields.Integer()
    amount_fen = fields.Integer()
    units = fields.Integer()
    score = fields.Float()
    factors = fields.List(fields.Nested(FactorSchema))
    public_name = fields.String()


class PlanSchema(Schema):
    id = fields.Integer()
    case_ref = fields.Function(lambda plan: plan.case.ref)
    version = fields.Integer()
    status = fields.Function(lambda plan: plan.status.value)
    items = fields.List(fields.Nested(PlanItemSchema))
    missing = fields.Dict()
    created_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
