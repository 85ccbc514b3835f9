"""Public monthly reports: the list, and each report as stored (HTML, PDF, XLSX)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template

from marketplace.reports import services
from marketplace.security import STORED_REPORT_CSP, talisman

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/transparency/reports")
def index() -> str:
    return render_template("reports/list.html", reports=services.all_reports())


@bp.get("/transparency/reports/<month>")
@talisman(content_security_policy=STORED_REPORT_CSP)
def show(month: str) -> Any:
    report = services.get_report(services.parse_month(month))
    response = Response(report.html, mimetype="text/html")
    response.headers["X-Report-SHA256"] = report.html_sha256
    return response


@bp.get("/transparency/reports/<month>.pdf")
def pdf(month: str) -> Any:
    report = services.get_report(services.parse_month(month))
    return _download(report.pdf, "application/pdf", f"jjn-report-{month}.pdf", report.pdf_sha256)


@bp.get("/transparency/reports/<month>.xlsx")
def xlsx(month: str) -> Any:
    report = services.get_report(services.parse_month(month))
    return _download(report.xlsx, XLSX, f"jjn-report-{month}.xlsx", report.xlsx_sha256)


def _download(data: bytes, mimetype: str, name: str, digest: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.headers["X-Report-SHA256"] = digest
    return response
