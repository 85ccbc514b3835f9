"""Monthly reports: the figures of one month, straight from the ledger, rendered once as HTML,
PDF (WeasyPrint) and XLSX and stored with their SHA-256. A report that exists is never
regenerated or changed: ``generate`` returns it as it was.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import case as case_when
from sqlalchemy import func, select

from marketplace.cases import reference
from marketplace.cases.models import Case, NeedLine
from marketplace.db_types import local_today
from marketplace.disbursements.models import Disbursement, DisbursementStatus, PayeeKind
from marketplace.errors import NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.core import AccountKind, Side
from marketplace.ledger.models import JournalEntry, LedgerAccount, LedgerHead, Posting
from marketplace.reports.models import MonthlyReport

SHANGHAI = ZoneInfo("Asia/Shanghai")


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of the month in Asia/Shanghai, as aware datetimes."""
    first = month.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return (
        datetime.combine(first, time(), SHANGHAI),
        datetime.combine(following, time(), SHANGHAI),
    )


def previous_month(today: date | None = None) -> date:
    today = today or local_today()
    first = today.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def parse_month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise NotFound(_l("No such report.")) from None


def _flow(code: str, start: datetime, end: datetime, into: Side) -> int:
    """Net money into (debit) or out of (credit) one account by entries in [start, end)."""
    signed = case_when((Posting.side == into, Posting.amount_fen), else_=-Posting.amount_fen)
    value = db.session.scalar(
        select(func.coalesce(func.sum(signed), 0))
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(
            LedgerAccount.code == code,
            JournalEntry.created_at >= start,
            JournalEntry.created_at < end,
        )
    )
    return int(value or 0)


def _held_at(end: datetime) -> int:
    signed = case_when((Posting.side == Side.debit, Posting.amount_fen), else_=-Posting.amount_fen)
    value = db.session.scalar(
        select(func.coalesce(func.sum(signed), 0))
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(
            LedgerAccount.kind.not_in((AccountKind.world, AccountKind.project)),
            JournalEntry.created_at < end,
        )
    )
    return int(value or 0)


def _count(column: Any, start: datetime, end: datetime) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(Case).where(column >= start, column < end)
        )
        or 0
    )


def figures(month: date) -> dict[str, Any]:
    """Everything the report shows, for the month (all money from the ledger)."""
    start, end = month_bounds(month)
    payouts = db.session.execute(
        select(Disbursement, Case.ref, Case.region, NeedLine.category)
        .join(Case, Disbursement.case_id == Case.id)
        .join(NeedLine, Disbursement.need_line_id == NeedLine.id)
        .where(
            Disbursement.status == DisbursementStatus.paid,
            Disbursement.decided_at >= start,
            Disbursement.decided_at < end,
        )
        .order_by(Disbursement.decided_at, Disbursement.id)
    ).all()
    rows = []
    by_category: dict[str, int] = {}
    for d, ref, region, category in payouts:
        vendor = d.payee_kind == PayeeKind.vendor
        rows.append(
            {
                "date": d.decided_at.astimezone(SHANGHAI).date().isoformat()
                if d.decided_at
                else "",
                "case_ref": ref,
                "county": reference.county_label(region),
                "category": category,
                "amount_fen": d.amount_fen,
                "payee_kind": d.payee_kind.value,
                "payee": d.payee_name if vendor else "",
                "ledger_entry": d.entry_seq,
                "receipts": [r.sha256 for r in d.receipts],
            }
        )
        by_category[category] = by_category.get(category, 0) + d.amount_fen
    return {
        "month": month.strftime("%Y-%m"),
        "raised_fen": _flow(ledger.WORLD_DONORS, start, end, Side.credit),
        "disbursed_fen": _flow(ledger.WORLD_PAYEES, start, end, Side.debit),
        "refunded_fen": _flow(ledger.WORLD_REFUNDS, start, end, Side.debit),
        "held_at_end_fen": _held_at(end),
        "cases_published": _count(Case.published_at, start, end),
        "cases_funded": _count(Case.funded_at, start, end),
        "cases_closed": _count(Case.closed_at, start, end),
        "disbursed_by_category": dict(sorted(by_category.items())),
        "disbursements": rows,
    }


def generate(month: date) -> MonthlyReport:
    """The report of ``month``: created on first call, returned unchanged afterwards.

    Raises:
        ValidationFailed: the month has not ended yet.
    """
    month = month.replace(day=1)
    existing = db.session.scalar(select(MonthlyReport).where(MonthlyReport.month == month))
    if existing is not None:
        return existing
    if month_bounds(month)[1].date() > local_today():
        raise ValidationFailed(_l("A month is reported once it has ended."), {"month": str(month)})
    data = figures(month)
    with force_locale("zh_CN"):
        html = render_template("reports/monthly.html", report=data, month=month)
    pdf = _pdf(html)
    xlsx = _xlsx(data)
    report = MonthlyReport(
        month=month,
        ledger_seq=db.session.scalar(select(LedgerHead.seq)) or 0,
        figures=data,
        html=html,
        html_sha256=_sha(html.encode()),
        pdf=pdf,
        pdf_sha256=_sha(pdf),
        xlsx=xlsx,
        xlsx_sha256=_sha(xlsx),
    )
    db.session.add(report)
    db.session.flush()
    return report


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())


def _xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    summary = book.create_sheet("summary")
    for key in (
        "month",
        "raised_fen",
        "disbursed_fen",
        "refunded_fen",
        "held_at_end_fen",
        "cases_published",
        "cases_funded",
        "cases_closed",
    ):
        summary.append([key, data[key]])
    for category, fen in data["disbursed_by_category"].items():
        summary.append([f"disbursed_fen:{category}", fen])
    sheet = book.create_sheet("disbursements")
    columns = ["date", "case_ref", "county", "category", "amount_fen", "payee_kind", "payee"]
    sheet.append([*columns, "ledger_entry", "receipts"])
    for row in data["disbursements"]:
        sheet.append([*(row[c] for c in columns), row["ledger_entry"], " ".join(row["receipts"])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def get_report(month: date) -> MonthlyReport:
    found = db.session.scalar(select(MonthlyReport).where(MonthlyReport.month == month))
    if found is None:
        raise NotFound(_l("No such report."))
    return found


def all_reports() -> list[Any]:
    """Every report's month, time and hashes (not the stored files), newest first."""
    return list(
        db.session.execute(
            select(
                MonthlyReport.month,
                MonthlyReport.generated_at,
                MonthlyReport.html_sha256,
                MonthlyReport.pdf_sha256,
                MonthlyReport.xlsx_sha256,
            ).order_by(MonthlyReport.month.desc())
        )
    )
