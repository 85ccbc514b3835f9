"""Transparency endpoints of API.md: platform totals and the public journal (no login)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.transparency import districts, schemas, services

bp = Blueprint(
    "transparency_api", __name__, url_prefix="/api/v1/transparency", description="Transparency"
)


@bp.route("/summary")
class Summary(MethodView):
    @bp.response(200, schemas.SummarySchema)
    def get(self) -> dict[str, Any]:
        """Platform totals from the ledger: raised, disbursed, held, cases, median times."""
        return services.summary()


@bp.route("/ledger")
class Ledger(MethodView):
    @bp.arguments(schemas.LedgerArgs, location="query")
    @bp.response(200, schemas.LedgerPageSchema)
    @bp.alt_response(404, description="no such public case")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Public journal lines (anonymized), in chain order; filter ``case_ref``; paginated."""
        return services.ledger_lines(args["case_ref"], args["page"], args["per_page"])


@bp.route("/districts")
class Districts(MethodView):
    @bp.response(200, schemas.DistrictsSchema)
    def get(self) -> dict[str, Any]:
        """Service levels per county (绩效): public cases, how many were planned, funded and
        paid, the median hours from publication to each, overdue follow-ups and receipts."""
        return districts.table()
