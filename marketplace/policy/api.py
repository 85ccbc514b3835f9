"""``GET /api/v1/policies?region=CODE&on=DATE``: the policy in force (public)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from marketplace.errors import NotFound
from marketplace.policy import schemas, services

bp = Blueprint("policy_api", __name__, url_prefix="/api/v1", description="Local policy")


@bp.route("/policies")
class Policies(MethodView):
    @bp.arguments(schemas.PolicyArgs, location="query")  # type: ignore[untyped-decorator]
    @bp.response(200, schemas.PolicySchema)  # type: ignore[untyped-decorator]
    def get(self, args: dict[str, Any]) -> Any:
        """The policy version in force for ``region`` (2, 4 or 6 digits) on ``on`` (default today):
        the most specific region prefix with a version in force wins (county, city, province).
        404 when none is in force."""
        version = services.policy_in_force(args["region"], args["on"])
        if version is None:
            raise NotFound(
                _l("No policy is in force for this region on this date."),
                {"region": [args["region"]], "on": [args["on"].isoformat()]},
            )
        return version
