"""Open-data schemas (API)."""

from __future__ import annotations

from marshmallow import fields, validate

from marketplace.schemas_base import Schema, one_of


class GrantsArgs(Schema):
    format = one_of(("json", "csv", "xlsx"), load_default="json")
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(1, 5_000))


class GrantSchema(Schema):
    class Meta:
        ordered = True

    id = fields.String()
    title = fields.String()
    description = fields.String()
    currency = fields.String()
    amountAwarded = fields.Float()  # noqa: N815 - the standard's name
    amountDisbursed = fields.Float()  # noqa: N815
    amountAwardedFen = fields.Integer()  # noqa: N815
    awardDate = fields.String()  # noqa: N815
    recipientKind = fields.String()  # noqa: N815
    recipient_organization_name = fields.String(
        attribute="recipientOrganization:Name", data_key="recipientOrganization:Name"
    )
    recipient_individual_id = fields.String(
        attribute="recipientIndividual:Id", data_key="recipientIndividual:Id"
    )
    location_code = fields.String(
        attribute="beneficiaryLocation:Code", data_key="beneficiaryLocation:Code"
    )
    location_name = fields.String(
        attribute="beneficiaryLocation:Name", data_key="beneficiaryLocation:Name"
    )
    funder = fields.String(
        attribute="fundingOrganization:Name", data_key="fundingOrganization:Name"
    )
    purpose = fields.String(attribute="grantPurpose:Code", data_key="grantPurpose:Code")
    caseRef = fields.String()  # noqa: N815
    ledgerEntry = fields.Integer(allow_none=True)  # noqa: N815
    receiptSha256 = fields.String()  # noqa: N815


class GrantPageSchema(Schema):
    grants = fields.List(fields.Nested(GrantSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
