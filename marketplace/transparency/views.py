"""Public transparency pages (no login): platform figures and charts from the ledger."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from marketplace.disbursements.evidence import receipt_due_after
from marketplace.transparency import districts, organizations, services
from marketplace.transparency.charts import bar_chart
from marketplace.utils import page_arg

bp = Blueprint("transparency", __name__)


@bp.get("/transparency")
def index() -> str:
    figures = services.platform()
    months, categories, counties = figures["months"], figures["categories"], figures["counties"]
    money_in = [("raised_fen", _l("Raised")), ("disbursed_fen", _l("Disbursed"))]
    case_money = [("received_fen", _l("Received by cases")), ("disbursed_fen", _l("Disbursed"))]
    return render_template(
        "transparency/index.html",
        summary=figures["summary"],
        months=months,
        categories=categories,
        counties=counties,
        month_chart=bar_chart(months, "month", money_in),
        category_chart=bar_chart(categories, "label", case_money),
        county_chart=bar_chart(counties, "short_label", case_money),
    )


@bp.get("/transparency/districts")
def districts_page() -> str:
    """Service levels per county (绩效), counted from the cases, disbursements and receipts."""
    return render_template(
        "transparency/districts.html",
        receipt_due_days=receipt_due_after().days,
        **districts.table(),
    )


@bp.get("/transparency/organizations")
def organizations_page() -> str:
    """NGOs and companies, each linking to its public record."""
    return render_template(
        "transparency/organizations.html", page=organizations.directory(page=page_arg())
    )
