"""Open data: one row per paid disbursement, modelled on the 360Giving data standard.

Amounts are given twice: ``amountAwarded`` / ``amountDisbursed`` in yuan (numbers, as the
standard expects) and ``amountAwardedFen`` in integer fen (as the rest of our API). Individual
recipients are named only by an opaque id (a keyed hash of the case reference), never by name or
an official number; vendors (hospitals, schools...) by name. The description is the need line's
anonymized public text; the location is the county.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Organization, User
from marketplace.cases import reference
from marketplace.cases.models import Case
from marketplace.disbursements.models import Disbursement, DisbursementStatus, PayeeKind
from marketplace.extensions import db

PREFIX = "JJN"
SHANGHAI = ZoneInfo("Asia/Shanghai")

#: the columns, in order, with what each means (the "about the data" page shows this list)
FIELDS: list[tuple[str, str]] = [
    ("id", "Unique grant id: JJN-G-<disbursement number>"),
    ("title", "Hardship category and case reference"),
    ("description", "The need line's anonymized public description"),
    ("currency", "ISO 4217 currency code (CNY)"),
    ("amountAwarded", "Amount paid out, in yuan"),
    ("amountDisbursed", "Amount disbursed, in yuan (equal to amountAwarded: rows are payouts)"),
    ("amountAwardedFen", "Amount in integer fen (分), as in the rest of the API"),
    ("awardDate", "Date the payout was approved and executed (Asia/Shanghai)"),
    ("recipientKind", "vendor (paid directly) or individual (the household)"),
    ("recipientOrganization:Name", "The vendor's name; empty for individuals"),
    ("recipientIndividual:Id", "Opaque id of the household (never a name or an ID number)"),
    ("beneficiaryLocation:Code", "County code (GB/T 2260)"),
    ("beneficiaryLocation:Name", "County name"),
    ("fundingOrganization:Name", "The custodian charity that paid"),
    ("grantPurpose:Code", "Hardship category code (medical, education, housing, ...)"),
    ("caseRef", "The public case reference (see /cases/<ref> for its money trail)"),
    ("ledgerEntry", "Sequence number of the journal entry that paid it"),
    ("receiptSha256", "SHA-256 of the receipts on file (space-separated)"),
]


def _opaque(case_ref: str) -> str:
    key = current_app.config["PII_INDEX_KEY"].encode()
    digest = hmac.new(key, f"recipient:{case_ref}".encode(), hashlib.sha256).hexdigest()
    return f"{PREFIX}-IND-{digest[:16]}"


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def grants(page: int = 1, per_page: int = 100) -> tuple[list[dict[str, Any]], int]:
    """One page of grant rows (newest payout first) and the total number of rows."""
    paid = Disbursement.status == DisbursementStatus.paid
    total = db.session.scalar(select(func.count()).select_from(Disbursement).where(paid)) or 0
    rows = db.session.execute(
        select(Disbursement, Case.ref, Case.region, Organization.name)
        .join(Case, Disbursement.case_id == Case.id)
        .join(User, Disbursement.decided_by_id == User.id)
        .join(Organization, User.organization_id == Organization.id)
        .where(paid)
        .options(joinedload(Disbursement.need_line), joinedload(Disbursement.receipts))
        .order_by(Disbursement.decided_at.desc(), Disbursement.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).unique()
    return [_row(d, ref, region, funder) for d, ref, region, funder in rows], total


def _row(d: Disbursement, ref: str, region: str, funder: str) -> dict[str, Any]:
    line = d.need_line
    vendor = d.payee_kind == PayeeKind.vendor
    decided: datetime = d.decided_at  # type: ignore[assignment]
    category = str(reference.CATEGORIES.get(line.category, line.category))
    return {
        "id": f"{PREFIX}-G-{d.id}",
        "title": f"{category} · {ref}",
        "description": line.public_description or category,
        "currency": "CNY",
        "amountAwarded": _yuan(d.amount_fen),
        "amountDisbursed": _yuan(d.amount_fen),
        "amountAwardedFen": d.amount_fen,
        "awardDate": decided.astimezone(SHANGHAI).date().isoformat(),
        "recipientKind": "vendor" if vendor else "individual",
        "recipientOrganization:Name": d.payee_name if vendor else "",
        "recipientIndividual:Id": "" if vendor else _opaque(ref),
        "beneficiaryLocation:Code": region,
        "beneficiaryLocation:Name": reference.county_label(region),
        "fundingOrganization:Name": funder,
        "grantPurpose:Code": line.category,
        "caseRef": ref,
        "ledgerEntry": d.entry_seq,
        "receiptSha256": " ".join(r.sha256 for r in d.receipts),
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[name for name, _ in FIELDS])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("grants")
    names = [name for name, _ in FIELDS]
    sheet.append(names)
    for row in rows:
        sheet.append([_cell(row[name]) for name in names])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else value
