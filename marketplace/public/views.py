"""Public pages: the case list and a case's page, the project list, and the public records of
companies and NGOs. Anyone may read them; private case data never reaches them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from marshmallow import ValidationError

from marketplace.accounts import permissions
from marketplace.accounts.models import OrgKind
from marketplace.cases import resume
from marketplace.cases import schemas as case_schemas
from marketplace.cases import services as cases
from marketplace.cases.states import PUBLIC
from marketplace.errors import DomainError
from marketplace.forms import CsrfForm
from marketplace.ngos import services as ngos
from marketplace.public import services
from marketplace.schemas_base import translate_messages
from marketplace.transparency import organizations
from marketplace.utils import page_arg

bp = Blueprint("public", __name__)

PER_PAGE = 12


@bp.get("/")
def index() -> str:
    return render_template("index.html", **services.home())


@bp.get("/cases")
def case_list() -> str:
    try:
        args = case_schemas.CaseListArgs().load(
            {k: v for k, v in request.args.items() if v != ""}, unknown="exclude"
        )
    except ValidationError as exc:
        args = {"page": 1, "per_page": PER_PAGE}
        flash(_("Some filters were not valid and were ignored."), "error")
        errors = translate_messages(exc.messages)
    else:
        errors = {}
    args["per_page"] = PER_PAGE
    page = cases.paginate_public(args)
    return render_template("cases/list.html", page=page, args=args, errors=errors)


@bp.get("/cases/<ref>")
def case_detail(ref: str) -> str:
    case = cases.get_case(ref)
    internal = permissions.can_see_case_internals(current_user, case)
    if case.status not in PUBLIC and not internal:
        abort(404)
    share_url = url_for("public.case_detail", ref=case.ref, _external=True)
    return render_template(
        "cases/detail.html",
        internal=internal,
        form=CsrfForm(),
        share_url=share_url,
        # segno's own SVG path data: no user text in it
        share_qr=Markup(services.share_qr_svg(share_url)),  # noqa: S704
        pledge_values=resume.restored(),  # a pledge kept when the session expired (bug 4)
        **services.case_page(case, current_user),
    )


@bp.get("/projects")
def projects() -> str:
    page = ngos.paginate_projects(
        {"category": request.args.get("category") or None, "page": 1, "per_page": 100}
    )
    return render_template("ngos/projects.html", page=page)


@bp.get("/companies/<int:org_id>")
def company(org_id: int) -> str:
    """A company's public record: funds, money paid in, committed and delivered, cases."""
    try:
        org = organizations.public_organization(org_id, OrgKind.company)
    except DomainError:
        abort(404)
    return render_template(
        "transparency/organization.html", record=organizations.record(org, page=page_arg())
    )


@bp.get("/ngos/<int:org_id>")
def ngo(org_id: int) -> str:
    """An NGO's public record: projects, service record, money committed and delivered."""
    try:
        org = organizations.public_organization(org_id, OrgKind.ngo)
    except DomainError:
        abort(404)
    return render_template(
        "transparency/organization.html",
        record=organizations.record(org, page=page_arg()),
        projects=services.ngo_projects(org.id),
    )
