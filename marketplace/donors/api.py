"""Pledge endpoints of API.md under /api/v1/pledges."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from marketplace.accounts.api_auth import require_api_user
from marketplace.donors import schemas, services
from marketplace.donors.checkout import start_checkout
from marketplace.errors import NotFound

bp = Blueprint("pledges_api", __name__, url_prefix="/api/v1/pledges", description="Pledges")


@bp.route("")
class PledgeCollection(MethodView):
    @bp.arguments(schemas.PledgeCreateSchema)
    @bp.response(201, schemas.PledgeCreatedSchema)
    @bp.alt_response(409, description="less than the amount is still open on the case")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Pledge to a case (the amount is reserved while the donor pays) or to a rule."""
        user = require_api_user()
        pledge = services.create_pledge(user, data)
        session = start_checkout(pledge, user.email)  # commits
        return {"pledge": services.pledge_view(pledge), "checkout_url": session.url}


@bp.route("/<int:pledge_id>")
class PledgeItem(MethodView):
    @bp.response(200, schemas.PledgeOutSchema)
    def get(self, pledge_id: int) -> dict[str, Any]:
        """Status of one's own pledge and where the money went."""
        user = require_api_user()
        pledge = services.get_pledge(pledge_id)
        if pledge.donor_id != user.id:
            raise NotFound(_l("No such pledge."))
        return services.pledge_view(pledge)
