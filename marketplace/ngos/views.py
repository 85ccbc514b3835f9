"""NGO pages: dashboard, projects, referrals; public NGO record; reviewer verification;
social-worker referral actions; notifications."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from marketplace.accounts import permissions
from marketplace.accounts.models import Organization, Role
from marketplace.cases import services as case_services
from marketplace.cases import views as case_views
from marketplace.cases.anonymize import AGE_BANDS
from marketplace.db_types import utcnow
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import CsrfForm, yuan_to_fen
from marketplace.ngos import schemas, services
from marketplace.ngos.models import Project, Referral
from marketplace.schemas_base import translate_messages
from marketplace.utils import attempt, get_row

bp = Blueprint("ngos", __name__)


# the referral section of a case's manage page (MANAGE_PANELS gives the lambda its type)
case_views.MANAGE_PANELS["referrals"] = lambda case: {
    "referrals": services.case_referrals(case),
    "service_options": services.referral_options(case),
}


def _ngo_staff() -> Any:
    if current_user.role != Role.ngo_staff or current_user.organization is None:
        abort(403)
    return current_user


def _csrf() -> None:
    if not CsrfForm().validate_on_submit():
        abort(400)


@bp.get("/ngo")
@login_required
def dashboard() -> str:
    user = _ngo_staff()
    projects = list(
        db.session.scalars(select(Project).where(Project.organization_id == user.organization_id))
    )
    referrals = services.ngo_referrals(user)
    return render_template(
        "ngos/dashboard.html",
        org=user.organization,
        projects=[services.project_view(p) for p in projects],
        waiting=[r for r in referrals if r.status.value == "pending"],
        serving=[r for r in referrals if r.status.value in ("accepted", "delivered")],
        now=utcnow(),
        form=CsrfForm(),
    )


@bp.post("/ngo/registration")
@login_required
def registration() -> Response:
    user = _ngo_staff()
    _csrf()
    attempt(
        lambda: services.submit_registration(user, request.form.get("registration_number", "")),
        _("Registration number saved; a reviewer will verify it."),
    )
    return redirect(url_for("ngos.dashboard"))


def _fen(name: str) -> Any:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return yuan_to_fen(raw)
    except ValueError:
        return raw


@bp.route("/ngo/projects/new", methods=["GET", "POST"])
@login_required
def new_project() -> str | Response:
    user = _ngo_staff()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        _csrf()
        units = request.form.get("monthly_units", "").strip()
        raw = {
            "name": request.form.get("name", "").strip(),
            "description": request.form.get("description", "").strip(),
            "kind": request.form.get("kind", ""),
            "categories": request.form.getlist("categories"),
            "regions": [
                r.strip()
                for r in request.form.get("regions", "").replace(",", ",").split(",")
                if r.strip()
            ],
            "age_bands": request.form.getlist("age_bands"),
            "per_case_cap_fen": _fen("per_case_cap"),
            "budget_fen": _fen("budget"),
            "monthly_units": int(units) if units.isdigit() else (units or None),
            "unit_name": request.form.get("unit_name", "").strip() or None,
            "starts_on": request.form.get("starts_on") or None,
            "ends_on": request.form.get("ends_on") or None,
        }
        try:
            data = schemas.ProjectCreateSchema().load(raw)
        except ValidationError as exc:
            errors = translate_messages(exc.messages)
            flash(_("Please correct the marked fields."), "error")
        else:
            if attempt(lambda: services.create_project(user, data), _("Project created.")):
                return redirect(url_for("ngos.dashboard"))
    return render_template(
        "ngos/project_form.html",
        form=CsrfForm(),
        errors=errors,
        values=request.form,
        age_bands=AGE_BANDS,
    )


def _referral(referral_id: int) -> Referral:
    referral = get_row(Referral, referral_id)
    if referral is None:
        abort(404)
    return referral


@bp.route("/ngo/referrals/<int:referral_id>", methods=["GET", "POST"])
@login_required
def referral(referral_id: int) -> str | Response:
    user = _ngo_staff()
    item = _referral(referral_id)
    if item.project.organization_id != user.organization_id:
        abort(404)
    if request.method == "POST":
        _csrf()
        action = request.form.get("action")
        if action in ("accept", "decline"):
            attempt(
                lambda: services.decide_referral(
                    user, item, action == "accept", request.form.get("reason")
                ),
                _("Answer recorded."),
            )
        elif action == "deliver":
            units = request.form.get("units", "")
            attempt(
                lambda: services.record_delivery(user, item, int(units) if units.isdigit() else 0),
                _("Delivery recorded."),
            )
        return redirect(url_for("ngos.referral", referral_id=referral_id))
    contact = None
    if item.contact_released_at is not None and request.args.get("contact") == "1":
        contact = services.released_contact(user, item)
        db.session.commit()
    view = case_services.public_view(item.case)
    return render_template(
        "ngos/referral.html",
        referral=item,
        case=view,
        contact=contact,
        now=utcnow(),
        form=CsrfForm(),
    )


# ---- reviewer: verify NGOs ------------------------------------------------------------------


@bp.route("/review/ngos", methods=["GET", "POST"])
@login_required
def verify_queue() -> str | Response:
    if not permissions.can_review_cases(current_user):
        abort(403)
    if request.method == "POST":
        _csrf()
        org_id = request.form.get("org_id", "")
        org = (
            db.session.get(Organization, int(org_id))
            if org_id.isdigit() and len(org_id) < 10
            else None
        )
        if org is None:
            abort(404)
        attempt(
            lambda: services.verify_organization(current_user, org), _("Organization verified.")
        )
        return redirect(url_for("ngos.verify_queue"))
    return render_template(
        "ngos/verify_queue.html", orgs=services.unverified_ngos(), form=CsrfForm()
    )


# ---- social worker: refer a service need, release contact -------------------------------------


@bp.post("/work/cases/<ref>/referrals")
@login_required
def refer(ref: str) -> Response:
    case = case_services.get_case(ref)
    permissions.require(permissions.can_edit_case(current_user, case), hide=True)
    _csrf()
    line_id, project_id, units = (
        request.form.get(k, "") for k in ("need_line_id", "project_id", "units")
    )
    line = next((n for n in case.need_lines if str(n.id) == line_id), None)
    if line is None or not project_id.isdigit() or not units.isdigit():
        flash(_("Choose a service need, a project and a number of units."), "error")
        return redirect(url_for("cases.manage", ref=ref))
    attempt(
        lambda: services.refer(
            current_user, case, line, services.get_project(int(project_id)), int(units)
        ),
        _("Referral sent. The NGO has 72 hours to answer."),
    )
    return redirect(url_for("cases.manage", ref=ref))


@bp.post("/work/referrals/<int:referral_id>/release")
@login_required
def release(referral_id: int) -> Response:
    item = _referral(referral_id)
    _csrf()
    try:
        services.release_contact(current_user, item)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Contact details released to the NGO (recorded in the audit log)."), "success")
    return redirect(url_for("cases.manage", ref=item.case.ref))
