"""Plan endpoints of API.md: matches, plans, accept."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.accounts import permissions
from marketplace.accounts.api_auth import require_api_user
from marketplace.cases import services as case_services
from marketplace.extensions import db
from marketplace.plans import schemas, services

bp = Blueprint("plans_api", __name__, url_prefix="/api/v1", description="One case, one plan")


@bp.route("/cases/<ref>/matches")
class CaseMatches(MethodView):
    @bp.response(200, schemas.MatchesSchema)
    def get(self, ref: str) -> dict[str, Any]:
        """Scored sources per open need line, each with ``score`` and ``factors``."""
        user = require_api_user()
        case = case_services.get_case(ref)
        permissions.require(permissions.can_see_case_internals(user, case), hide=True)
        return {"case_ref": case.ref, "needs": services.matches(case)}


@bp.route("/cases/<ref>/plans")
class CasePlans(MethodView):
    @bp.response(201, schemas.PlanSchema)
    def post(self, ref: str) -> Any:
        """Build a plan (one case, one plan): a new version with ``items``."""
        user = require_api_user()
        case = case_services.get_case(ref)
        plan = services.build_plan(user, case)
        db.session.commit()
        return plan


@bp.route("/plans/<int:plan_id>/accept")
class PlanAccept(MethodView):
    @bp.response(200, schemas.PlanSchema)
    @bp.alt_response(409, description="a source is no longer available, or already accepted")
    def post(self, plan_id: int) -> Any:
        """Accept: money items are committed through the ledger, service items are referred."""
        user = require_api_user()
        plan = services.get_plan(plan_id)
        services.accept_plan(user, plan)
        db.session.commit()
        return plan
