"""``GET /api/v1/open-data/grants``: the grants export in JSON (default), CSV or XLSX."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.opendata import schemas, services

bp = Blueprint("opendata_api", __name__, url_prefix="/api/v1", description="Open data")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = "format=json (default), csv (UTF-8 with a byte order mark) or xlsx"
TOTAL_COUNT = {"X-Total-Count": {"description": "rows in all pages", "schema": {"type": "integer"}}}


@bp.route("/open-data/grants")
class Grants(MethodView):
    @bp.arguments(schemas.GrantsArgs, location="query")
    @bp.response(200, schemas.GrantPageSchema, description=FORMATS)
    @bp.alt_response(
        200,
        schema={"type": "string"},
        content_type="text/csv",
        description=FORMATS,
        headers=TOTAL_COUNT,
        success=True,
    )
    @bp.alt_response(
        200,
        schema={"type": "string", "format": "binary"},
        content_type=XLSX,
        description=FORMATS,
        headers=TOTAL_COUNT,
        success=True,
    )
    def get(self, args: dict[str, Any]) -> Any:
        """One row per paid disbursement (360Giving-like fields; see /open-data for each
        field). ``format``: json (default), csv or xlsx; ``page``, ``per_page`` (<= 5000)."""
        rows, total = services.grants(args["page"], args["per_page"])
        name = f"jjn-grants-p{args['page']}"
        headers = {"X-Total-Count": str(total)}
        if args["format"] == "csv":
            return Response(
                "\ufeff" + services.to_csv(rows),  # BOM: Excel opens UTF-8 Chinese correctly
                mimetype="text/csv",
                headers={**headers, "Content-Disposition": f"attachment; filename={name}.csv"},
            )
        if args["format"] == "xlsx":
            return Response(
                services.to_xlsx(rows),
                mimetype=XLSX,
                headers={**headers, "Content-Disposition": f"attachment; filename={name}.xlsx"},
            )
        return {"grants": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}
