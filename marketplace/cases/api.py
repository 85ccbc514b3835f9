"""Case endpoints of API.md under /api/v1/cases."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.routing import BaseConverter

from marketplace.accounts import permissions
from marketplace.accounts.api_auth import require_api_user
from marketplace.cases import schemas, services
from marketplace.cases.states import PUBLIC
from marketplace.extensions import api, db

bp = Blueprint("cases_api", __name__, url_prefix="/api/v1/cases", description="Cases")


def _published_or_404(ref: str) -> Any:
    case = services.get_case(ref)
    permissions.require(case.status in PUBLIC, hide=True)
    return case


@bp.route("")
class CaseCollection(MethodView):
    @bp.arguments(schemas.CaseListArgs, location="query")
    @bp.response(200, schemas.CasePageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Published cases, anonymized, filtered and paginated (public)."""
        return services.paginate_public(args)

    @bp.arguments(schemas.CaseCreateSchema)
    @bp.response(201, schemas.CaseOwnerSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a draft case (social worker). ``flags`` holds ``possible_duplicate``."""
        user = require_api_user()
        case = services.create_case(user, data)
        db.session.commit()
        return services.owner_view(case)


class CaseRefConverter(BaseConverter):
    """A case reference in ``/cases/<case_ref:ref>``: any segment but ``mine``, so that the
    static ``/cases/mine`` is the only rule matching that path (its ``Allow`` header lists GET
    alone, not the PATCH of ``/cases/<ref>``)."""

    regex = r"(?!mine$)[^/]+"


api.register_converter(CaseRefConverter, lambda _converter: {"type": "string"})


@bp.route("/<case_ref:ref>")
class CaseItem(MethodView):
    @bp.response(200, schemas.CasePublicSchema)
    def get(self, ref: str) -> dict[str, Any]:
        """One published case, anonymized (public)."""
        return services.public_view(_published_or_404(ref))

    @bp.arguments(schemas.CaseUpdateSchema)
    @bp.response(200, schemas.CaseOwnerSchema)
    def patch(self, data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Update a draft or returned case (social worker of the case's organization)."""
        user = require_api_user()
        case = services.get_case(ref)
        services.update_case(user, case, data)
        db.session.commit()
        return services.owner_view(case)


@bp.route("/<ref>/manage")
class CaseManage(MethodView):
    @bp.response(200, schemas.CaseOwnerSchema)
    def get(self, ref: str) -> dict[str, Any]:
        """The case as its organization sees it: status, drafts, flags (no private part)."""
        user = require_api_user()
        case = services.get_case(ref)
        permissions.require(permissions.can_see_case_internals(user, case), hide=True)
        return services.owner_view(case)


@bp.route("/<ref>/private")
class CasePrivate(MethodView):
    @bp.response(200, schemas.CasePrivateOutSchema)
    def get(self, ref: str) -> dict[str, Any]:
        """The private part, for the case's organization only. Every call is audited."""
        user = require_api_user()
        case = services.get_case(ref)
        private = services.view_private(user, case)
        db.session.commit()
        return {
            "ref": case.ref,
            "name": private.name,
            "id_number": private.id_number,
            "phone": private.phone,
            "address": private.address,
            "narrative": private.narrative,
            "household_members": private.members,
            "consent": {
                "publish": private.consent_publish,
                "recorded_on": private.consent_recorded_on.isoformat()
                if private.consent_recorded_on
                else None,
                "scope": private.consent_scope,
            },
        }


@bp.route("/<ref>/submit")
class CaseSubmit(MethodView):
    @bp.response(200, schemas.CaseOwnerSchema)
    @bp.alt_response(409, description="a government payout is unpaid, or consent is missing")
    def post(self, ref: str) -> dict[str, Any]:
        """Ask for publication (409 while a government payout is unpaid, unless emergency)."""
        user = require_api_user()
        case = services.get_case(ref)
        services.submit_case(user, case)
        db.session.commit()
        return services.owner_view(case)


@bp.route("/<ref>/review")
class CaseReview(MethodView):
    @bp.arguments(schemas.ReviewSchema)
    @bp.response(200, schemas.CaseOwnerSchema)
    def post(self, data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Approve (publishes) or return with a reason (reviewer; never one's own case)."""
        user = require_api_user()
        case = services.get_case(ref)
        services.review_case(user, case, data["decision"], data.get("reason"))
        db.session.commit()
        return services.owner_view(case)


class WithdrawSchema(schemas.Schema):
    reason = schemas.text(500, required=True, min_len=1)


@bp.route("/<ref>/withdraw")
class CaseWithdraw(MethodView):
    @bp.arguments(WithdrawSchema)
    @bp.response(200, schemas.CaseOwnerSchema)
    def post(self, data: dict[str, Any], ref: str) -> dict[str, Any]:
        """Withdraw a case (social worker of the case's organization)."""
        user = require_api_user()
        case = services.get_case(ref)
        services.withdraw_case(user, case, data["reason"])
        db.session.commit()
        return services.owner_view(case)


@bp.route("/mine")
class MyCases(MethodView):
    @bp.response(200, schemas.CaseOwnerSchema(many=True))
    def get(self) -> list[dict[str, Any]]:
        """Cases of the caller's organization: as their owner sees them for those who work them
        (social workers, reviewers, admins), only the public fields for other roles (auditors,
        NGO staff): the scrubbed summary, never the typed one."""
        user = require_api_user()
        return [services.view_for(user, c) for c in services.org_cases(user)]
