"""HTML pages for cases: social-worker dashboard and intake, review queue (the public list and
page live in ``marketplace.public``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from marketplace.accounts import permissions
from marketplace.cases import anonymize, pending_forms, resume, schemas, services
from marketplace.cases.forms import CsrfForm, form_values, merge_errors, parse_case_form
from marketplace.cases.models import Case
from marketplace.cases.states import CaseStatus
from marketplace.errors import DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.schemas_base import translate_messages

bp = Blueprint("cases", __name__)

#: sections other domains add to a case's manage page: each returns template variables for the
#: case (NGO referrals come from ``marketplace.ngos.views``). Cases import none of those domains.
MANAGE_PANELS: dict[str, Callable[[Case], dict[str, Any]]] = {}

# a form posted after the session expired is kept and shown again after sign-in (bug 4)
resume.register(bp)
pending_forms.resumable("cases.new_case", lambda args: url_for("cases.new_case"))
pending_forms.resumable("cases.edit_case", lambda args: url_for("cases.edit_case", **args))


# ---- social worker ------------------------------------------------------------------------


def _social_worker() -> Any:
    if not permissions.can_create_case(current_user):
        abort(403)
    return current_user


@bp.get("/work")
@login_required
def dashboard() -> str:
    user = _social_worker()
    cases = services.org_cases(user)
    groups: dict[str, list[Any]] = {s.value: [] for s in CaseStatus}
    for case in cases:
        groups[case.status.value].append(case)
    needs_action = groups["draft"] + groups["returned"]
    return render_template(
        "cases/dashboard.html", groups=groups, needs_action=needs_action, total=len(cases)
    )


def _row_count(values: dict[str, Any], prefix: str, minimum: int) -> int:
    used = [int(k.split("-")[1]) for k in values if k.startswith(prefix + "-") and values[k]]
    return max(minimum, (max(used) + 2) if used else minimum)


def _render_form(
    values: dict[str, Any], errors: dict[str, Any], case: Any = None, restored: bool = False
) -> str:
    return render_template(
        "cases/form.html",
        payout_rows=_row_count(values, "payout", 2),
        need_rows=_row_count(values, "need", 3),
        values=values,
        errors=errors,
        case=case,
        form=CsrfForm(),
        age_bands=anonymize.AGE_BANDS,
        restored=restored,
    )


def _load_form() -> dict[str, Any] | None:
    """Check CSRF and load the posted form with ``CaseCreateSchema``.

    Returns the validated data, or None after flashing; then ``g.form_values`` and
    ``g.form_errors`` hold what to render again (the user's input is never lost).
    """
    if not CsrfForm().validate_on_submit():
        abort(400)
    raw, errors = parse_case_form(request.form)
    try:
        data = schemas.CaseCreateSchema().load(raw)
    except ValidationError as exc:
        errors = merge_errors(translate_messages(exc.messages), errors)
    if not errors:
        return data
    g.form_values = request.form.to_dict() | {"categories": request.form.getlist("categories")}
    g.form_errors = errors
    flash(_("Please correct the marked fields."), "error")
    return None


@bp.route("/work/cases/new", methods=["GET", "POST"])
@login_required
def new_case() -> str | Response | tuple[str, int]:
    user = _social_worker()
    if request.method == "POST":
        data = _load_form()
        if data is None:
            return _render_form(g.form_values, g.form_errors)
        try:
            case = services.create_case(user, data, _form_token())
        except ValidationFailed as exc:
            return _refused(exc)
        db.session.commit()
        flash(_("Draft saved. Check it, then submit it for review."), "success")
        return redirect(url_for("cases.manage", ref=case.ref))
    kept = resume.restored(lists=("categories",))
    if kept is not None:  # the same one-time form_token: a restored form cannot save twice
        return _render_form(kept, {}, restored=True)
    return _render_form(
        {"household_size": 1, "need-0-kind": "cash", "form_token": str(uuid.uuid4())}, {}
    )


def _refused(exc: ValidationFailed, case: Any = None) -> tuple[str, int]:
    """A service refused a field (a title holding personal data): the form again, input kept,
    the message under the field."""
    db.session.rollback()
    values = request.form.to_dict() | {"categories": request.form.getlist("categories")}
    flash(_("Please correct the marked fields."), "error")
    return _render_form(values, dict(exc.details), case), 422


def _form_token() -> str | None:
    """The intake form's one-time token (a UUID written into the form), if it is one."""
    raw = request.form.get("form_token", "")
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


def _own_case(ref: str) -> Any:
    case = services.get_case(ref)
    permissions.require(permissions.can_see_case_internals(current_user, case), hide=True)
    return case


@bp.route("/work/cases/<ref>/edit", methods=["GET", "POST"])
@login_required
def edit_case(ref: str) -> str | Response | tuple[str, int]:
    case = _own_case(ref)
    permissions.require(permissions.can_edit_case(current_user, case), hide=True)
    if case.status not in (CaseStatus.draft, CaseStatus.returned):
        flash(_("Only draft or returned cases can be edited."), "error")
        return redirect(url_for("cases.manage", ref=ref))
    if request.method == "POST":
        data = _load_form()
        if data is None:
            return _render_form(g.form_values, g.form_errors, case)
        try:
            services.update_case(current_user, case, data)
        except ValidationFailed as exc:
            return _refused(exc, case)
        db.session.commit()
        flash(_("Changes saved."), "success")
        return redirect(url_for("cases.manage", ref=ref))
    kept = resume.restored(lists=("categories",))
    return _render_form(kept or form_values(case), {}, case, restored=kept is not None)


@bp.get("/work/cases/<ref>")
@login_required
def manage(ref: str) -> str:
    return _manage_page(_own_case(ref))


def _manage_page(case: Case) -> str:
    return render_template(
        "cases/manage.html",
        case=case,
        view=services.public_view(case),
        duplicates=services.duplicate_count(case),
        problems=services.submission_problems(case)
        if case.status in (CaseStatus.draft, CaseStatus.returned)
        else [],
        can_edit=permissions.can_edit_case(current_user, case),
        can_view_private=permissions.can_view_private(current_user, case),
        form=CsrfForm(),
        **{k: v for panel in MANAGE_PANELS.values() for k, v in panel(case).items()},
    )


@bp.post("/work/cases/<ref>/private")
@login_required
def view_private(ref: str) -> str:
    """Shown after a deliberate click (POST, audited), never on page load."""
    case = _own_case(ref)
    if not CsrfForm().validate_on_submit():
        abort(400)
    private = services.view_private(current_user, case)
    db.session.commit()
    return render_template("cases/private.html", case=case, private=private)


def _action(ref: str, fn: Any, done: str) -> Response | tuple[str, int]:
    """A refusal shows the case page with its messages (status 409): browsers do not follow a
    redirect answered with a 4xx, so a redirect here drew a bare "Redirecting..." page."""
    case = _own_case(ref)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        fn(case)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        for problem in exc.details.get("problems", [])[1:]:
            flash(problem, "error")
        return _manage_page(case), 409
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("cases.manage", ref=ref))


@bp.post("/work/cases/<ref>/submit")
@login_required
def submit(ref: str) -> Response | tuple[str, int]:
    return _action(ref, lambda c: services.submit_case(current_user, c), _("Submitted for review."))


@bp.post("/work/cases/<ref>/withdraw")
@login_required
def withdraw(ref: str) -> Response | tuple[str, int]:
    reason = request.form.get("reason", "")[:500]
    return _action(
        ref, lambda c: services.withdraw_case(current_user, c, reason), _("Case withdrawn.")
    )


# ---- reviewer -----------------------------------------------------------------------------


@bp.get("/review")
@login_required
def review_queue() -> str:
    if not permissions.can_review_cases(current_user):
        abort(403)
    return render_template("cases/review_queue.html", cases=services.review_queue(current_user))


@bp.route("/review/<ref>", methods=["GET", "POST"])
@login_required
def review(ref: str) -> str | Response:
    case = services.get_case(ref)
    permissions.require(permissions.can_review_cases(current_user))
    permissions.require(
        permissions.can_see_case_internals(current_user, case)
        or permissions.can_review_case(current_user, case),
        hide=True,
    )
    form = CsrfForm()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            data = schemas.ReviewSchema().load(
                {"decision": request.form.get("decision", ""), "reason": request.form.get("reason")}
            )
            services.review_case(current_user, case, data["decision"], data.get("reason"))
        except ValidationError as exc:
            errors = translate_messages(exc.messages)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            if data["decision"] == "approve":
                flash(_("Approved: the case is published."), "success")
            else:
                flash(_("Returned to the social worker."), "success")
            return redirect(url_for("cases.review_queue"))
    return render_template(
        "cases/review.html",
        case=case,
        view=services.public_view(case),
        duplicates=services.duplicate_count(case),
        peers=services.quasi_identifier_peers(case),
        can_review=permissions.can_review_case(current_user, case)
        and case.status == CaseStatus.submitted,
        errors=errors,
        form=form,
        reason=request.form.get("reason", ""),
    ), 422 if errors else 200
