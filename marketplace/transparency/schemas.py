"""Transparency schemas (API): the platform summary and public journal lines."""

from __future__ import annotations

from marshmallow import fields, validate

from marketplace.schemas_base import Schema


class SummarySchema(Schema):
    raised_fen = fields.Integer(
        metadata={"description": "paid in by donors and companies (the ledger's world:donors)"}
    )
    disbursed_fen = fields.Integer(metadata={"description": "paid out to payees"})
    held_fen = fields.Integer(
        metadata={"description": "held by the custodian now: cases, funds, pools, clearing"}
    )
    refunded_fen = fields.Integer(metadata={"description": "given back to donors"})
    cases_published = fields.Integer(metadata={"description": "cases published or closed"})
    cases_funded = fields.Integer(metadata={"description": "cases that were ever fully funded"})
    cases_closed = fields.Integer()
    median_hours_to_funded = fields.Float(
        allow_none=True, metadata={"description": "median of funded_at - published_at"}
    )
    median_hours_funded_to_disbursed = fields.Float(
        allow_none=True,
        metadata={"description": "median of first payout - funded_at (a payout before 0)"},
    )
    ledger_seq = fields.Integer(metadata={"description": "the last journal entry counted"})
    generated_at = fields.DateTime()


class LedgerArgs(Schema):
    case_ref = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ReceiptHashSchema(Schema):
    date = fields.DateTime()
    sha256 = fields.String()


class LedgerLineSchema(Schema):
    seq = fields.Integer(metadata={"description": "position in the hash-chained journal"})
    date = fields.DateTime()
    kind = fields.String()
    kind_label = fields.String()
    amount_fen = fields.Integer()
    direction = fields.String(
        allow_none=True, metadata={"description": "in / out of the case, if one is involved"}
    )
    case_ref = fields.String(allow_none=True)
    source = fields.String()
    destination = fields.String()
    counterparty = fields.String()
    description = fields.String()
    payee_kind = fields.String(allow_none=True)
    receipts = fields.List(fields.Nested(ReceiptHashSchema))
    hash = fields.String(metadata={"description": "the entry's SHA-256 in the chain"})


class LedgerPageSchema(Schema):
    items = fields.List(fields.Nested(LedgerLineSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()


class ServiceLevelsSchema(Schema):
    """The district service-level figures (绩效) over public cases (published or closed)."""

    cases = fields.Integer(metadata={"description": "public cases (published or closed)"})
    planned = fields.Integer(metadata={"description": "of those, cases with a plan accepted"})
    funded = fields.Integer(metadata={"description": "of those, cases that were fully funded"})
    paid = fields.Integer(metadata={"description": "of those, cases with a first payout"})
    median_hours_to_plan = fields.Float(
        allow_none=True,
        metadata={"description": "median of planned_at - published_at, hours (0.1)"},
    )
    median_hours_to_fund = fields.Float(
        allow_none=True,
        metadata={"description": "median of funded_at - published_at, hours (0.1)"},
    )
    median_hours_to_pay = fields.Float(
        allow_none=True,
        metadata={"description": "median of first payout (disbursing_at) - published_at, hours"},
    )
    overdue_follow_ups = fields.Integer(
        metadata={
            "description": "30/90-day follow-ups not answered and due before today (Asia/Shanghai)"
        }
    )
    overdue_receipts = fields.Integer(
        metadata={
            "description": "paid disbursements without a receipt RECEIPT_DUE_DAYS (30) days "
            "after payout"
        }
    )


class DistrictServiceLevelsSchema(ServiceLevelsSchema):
    region = fields.String(metadata={"description": "county code (6 digits)"})
    label = fields.String(metadata={"description": "province, city and county"})
    short_label = fields.String(metadata={"description": "the county's own name"})


class DistrictsSchema(Schema):
    items = fields.List(
        fields.Nested(DistrictServiceLevelsSchema),
        metadata={"description": "one row per county with public cases, by county code"},
    )
    total = fields.Nested(
        ServiceLevelsSchema,
        metadata={"description": "all counties together (medians over all their cases)"},
    )
