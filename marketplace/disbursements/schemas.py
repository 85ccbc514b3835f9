"""Disbursement and receipt schemas (API)."""

from __future__ import annotations

from marshmallow import fields, validate

from marketplace.schemas_base import Schema, money, one_of, text


class DisbursementCreateSchema(Schema):
    case_ref = text(40, required=True, min_len=1)
    need_line_id = fields.Integer(strict=True, required=True, validate=validate.Range(1, 2**31 - 1))
    amount_fen = money()
    payee_kind = one_of(("vendor", "beneficiary"), required=True)
    payee_name = text(200, required=True, min_len=1)
    purpose = text(300, required=True, min_len=1)
    invoice_ref = text(100, load_default="")


class DecisionSchema(Schema):
    reason = text(500, load_default="")


class ReceiptSchema(Schema):
    id = fields.Integer()
    variant = fields.Function(lambda r: r.variant.value)
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    uploaded_at = fields.DateTime()


class DisbursementSchema(Schema):
    """For those who may see the disbursement (the case's organization, custodian, auditors)."""

    id = fields.Integer()
    case_ref = fields.Function(lambda d: d.case.ref)
    need_line_id = fields.Integer()
    amount_fen = fields.Integer()
    payee_kind = fields.Function(lambda d: d.payee_kind.value)
    payee_name = fields.String(
        allow_none=True,
        metadata={"description": "null for auditors unless the payee is a vendor"},
    )
    purpose = fields.String(allow_none=True, metadata={"description": "null for auditors"})
    invoice_ref = fields.String()
    status = fields.Function(lambda d: d.status.value)
    requested_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    reason = fields.String()
    entry_seq = fields.Integer(allow_none=True)
    receipts = fields.List(fields.Nested(ReceiptSchema))
