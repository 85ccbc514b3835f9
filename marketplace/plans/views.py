"""The social worker's plan page: scored suggestions, build, edit, accept."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from marketplace.accounts import permissions
from marketplace.cases import services as case_services
from marketplace.extensions import db
from marketplace.forms import CsrfForm, yuan_to_fen
from marketplace.plans import services
from marketplace.plans.models import Plan, PlanItem
from marketplace.utils import attempt, get_row

bp = Blueprint("plans", __name__)


def _case(ref: str):  # type: ignore[no-untyped-def]
    case = case_services.get_case(ref)
    permissions.require(permissions.can_see_case_internals(current_user, case), hide=True)
    return case


@bp.get("/work/cases/<ref>/plan")
@login_required
def plan_page(ref: str) -> str:
    case = _case(ref)
    plans = db.session.scalars(
        select(Plan).where(Plan.case_id == case.id).order_by(Plan.version.desc())
    ).all()
    current = next((p for p in plans if p.status.value in ("draft", "proposed")), None)
    return render_template(
        "plans/plan.html",
        case=case,
        lines={line.id: line for line in case.need_lines},
        matches=services.matches(case) if case.status.value == "published" else [],
        current=current,
        accepted=[p for p in plans if p.status.value == "accepted"],
        can_edit=permissions.can_edit_case(current_user, case),
        form=CsrfForm(),
    )


def _run(action, done: str) -> None:  # type: ignore[no-untyped-def]
    if not CsrfForm().validate_on_submit():
        abort(400)
    attempt(action, done)


@bp.post("/work/cases/<ref>/plan/build")
@login_required
def build(ref: str) -> Response:
    case = _case(ref)
    _run(lambda: services.build_plan(current_user, case), _("A new plan version was built."))
    return redirect(url_for("plans.plan_page", ref=ref))


@bp.post("/work/plan-items/<int:item_id>")
@login_required
def edit_item(item_id: int) -> Response:
    item = get_row(PlanItem, item_id)
    if item is None:
        abort(404)
    ref = item.plan.case.ref
    remove = request.form.get("action") == "remove"
    amount = None
    if not remove:
        try:
            amount = yuan_to_fen(request.form.get("amount", ""))
        except ValueError:
            flash(_("Enter an amount in yuan, e.g. 200."), "error")
            return redirect(url_for("plans.plan_page", ref=ref))
    _run(lambda: services.edit_item(current_user, item, amount, remove), _("Plan updated."))
    return redirect(url_for("plans.plan_page", ref=ref))


@bp.post("/work/plans/<int:plan_id>/accept")
@login_required
def accept(plan_id: int) -> Response:
    plan = services.get_plan(plan_id)
    ref = plan.case.ref
    _run(
        lambda: services.accept_plan(current_user, plan),
        _("Plan accepted: the money is committed to the case and the referrals are sent."),
    )
    return redirect(url_for("plans.plan_page", ref=ref))
