"""Monthly reports: figures equal the ledger, stored once with hashes, never changed."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from marketplace.accounts.models import OrgKind, Role
from marketplace.db_types import local_today
from marketplace.disbursements import services as payouts
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.models import JournalEntry
from marketplace.reports import services as reports
from marketplace.reports.models import MonthlyReport
from tests.conftest import make_user
from tests.integration.test_disbursements import PAID, _funded


def _last_month_activity(client: Any) -> date:
    """A paid gift and a vendor payout, with their journal entries dated last month."""
    case, _, line = _funded(client)
    found = payouts.request_disbursement(
        case.owner,
        case,
        {
            "need_line_id": line,
            "amount_fen": 100_000,
            "payee_kind": "vendor",
            "payee_name": "荆州市中心医院",
            "purpose": "住院费",
        },
    )
    payouts.approve(make_user(Role.reviewer, OrgKind.custodian, "荆州市慈善总会"), found)
    db.session.commit()
    month = reports.previous_month()
    start, _ = reports.month_bounds(month)
    when = start + timedelta(days=3)
    if db.engine.dialect.name == "postgresql":  # the journal refuses UPDATE; allow it here
        db.session.execute(text("ALTER TABLE journal_entries DISABLE TRIGGER USER"))
    db.session.execute(update(JournalEntry).values(created_at=when))
    found.decided_at = when
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE journal_entries ENABLE TRIGGER USER"))
    db.session.commit()
    return month


def test_report_equals_the_ledger_and_never_changes(ctx: Any, client: Any) -> None:
    month = _last_month_activity(client)
    report = reports.generate(month)
    db.session.commit()
    totals = ledger.platform_totals()
    assert report.figures["raised_fen"] == totals["raised_fen"] == PAID
    assert report.figures["disbursed_fen"] == totals["disbursed_fen"] == 100_000
    assert report.figures["held_at_end_fen"] == totals["held_fen"]
    assert [r["amount_fen"] for r in report.figures["disbursements"]] == [100_000]
    assert report.pdf.startswith(b"%PDF") and len(report.html_sha256) == 64
    hashes = (report.html_sha256, report.pdf_sha256, report.xlsx_sha256)

    # more money moves afterwards; regenerating returns the report as it was
    _funded(client)
    again = reports.generate(month)
    db.session.commit()
    assert again.id == report.id
    assert (again.html_sha256, again.pdf_sha256, again.xlsx_sha256) == hashes
    assert db.session.query(MonthlyReport).count() == 1

    listing = client.get("/transparency/reports")
    key = month.strftime("%Y-%m")
    assert listing.status_code == 200 and key in listing.text and hashes[0] in listing.text
    html = client.get(f"/transparency/reports/{key}")
    assert html.status_code == 200 and html.headers["X-Report-SHA256"] == hashes[0]
    assert "荆州市中心医院" in html.text and "王秀英" not in html.text
    pdf = client.get(f"/transparency/reports/{key}.pdf")
    assert pdf.status_code == 200 and pdf.data == report.pdf
    sheet = client.get(f"/transparency/reports/{key}.xlsx")
    book = load_workbook(io.BytesIO(sheet.data))
    summary = dict(book["summary"].iter_rows(values_only=True))
    assert summary["disbursed_fen"] == 100_000


def test_month_not_ended_and_unknown_reports(ctx: Any, client: Any) -> None:
    with pytest.raises(ValidationFailed):
        reports.generate(local_today())
    assert client.get("/transparency/reports").status_code == 200  # empty state
    for bad in ("2026-13", "nope", "1999-01", "2026-01.pdf"):
        assert client.get(f"/transparency/reports/{bad}").status_code == 404, bad


def test_monthly_report_job(ctx: Any, app: Any) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "run", "monthly-report"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["jobs", "run", "monthly-report"])
    assert first.output.split("html_sha256")[1] == second.output.split("html_sha256")[1]
    assert db.session.query(MonthlyReport).count() == 1


def test_stored_report_cannot_be_edited_on_postgresql(ctx: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the immutability trigger is PostgreSQL's")
    reports.generate(reports.previous_month())
    db.session.commit()
    with pytest.raises(DBAPIError, match="immutable"):
        db.session.execute(update(MonthlyReport).values(html="forged"))
    db.session.rollback()
