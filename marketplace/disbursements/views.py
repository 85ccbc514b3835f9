"""Money out, in HTML: a case's money page (held per line, requests, closing, follow-ups), the
custodian's approval queue, one disbursement with its receipts, and receipt downloads."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from marketplace.accounts import permissions
from marketplace.cases import lifecycle
from marketplace.cases import services as case_services
from marketplace.cases.models import Case
from marketplace.disbursements import evidence, forms, services
from marketplace.disbursements.api import read_upload, receipt_response
from marketplace.disbursements.models import Disbursement, DisbursementStatus, Receipt
from marketplace.errors import DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.security import SANDBOX_CSP, talisman
from marketplace.uploads import large_upload, upload_limit
from marketplace.utils import attempt, get_row, page_arg

bp = Blueprint("disbursements", __name__)


def _case(ref: str) -> Case:
    case = case_services.get_case(ref)
    permissions.require(permissions.can_see_disbursements(current_user, case), hide=True)
    return case


@bp.route("/work/cases/<ref>/money", methods=["GET", "POST"])
@login_required
def case_money(ref: str) -> Any:
    case = _case(ref)
    can_edit = permissions.can_edit_case(current_user, case)
    form = forms.DisbursementForm()
    money_lines = [n for n in case.need_lines if n.kind in services.MONEY_KINDS]
    form.need_line_id.choices = [
        SelectChoice(str(n.id), f"{n.category} · {n.description[:30]}") for n in money_lines
    ]
    if request.method == "POST":
        if not can_edit:
            abort(403)
        if form.validate_on_submit():
            data = {
                "need_line_id": form.need_line_id.data,
                "amount_fen": form.amount.fen,
                "payee_kind": form.payee_kind.data,
                "payee_name": form.payee_name.data.strip(),
                "purpose": form.purpose.data.strip(),
                "invoice_ref": (form.invoice_ref.data or "").strip(),
            }
            if attempt(
                lambda: services.request_disbursement(current_user, case, data),
                _("Disbursement requested: a custodian reviewer will approve it."),
            ):
                return redirect(url_for("disbursements.case_money", ref=ref))
    held = ledger.held_by_line(case.id)
    disbursements = db.session.scalars(
        select(Disbursement).where(Disbursement.case_id == case.id).order_by(Disbursement.id.desc())
    ).all()
    follow_ups = lifecycle.follow_ups(case)
    return render_template(
        "disbursements/case.html",
        case=case,
        form=form,
        close_form=forms.CloseForm(formdata=None),
        follow_up_form=forms.FollowUpForm(formdata=None),
        held=held,
        held_total=sum(held.values()),
        lines={n.id: n for n in case.need_lines},
        money_lines=money_lines,
        disbursements=disbursements,
        follow_ups=follow_ups,
        can_edit=can_edit,
        show_text=permissions.can_see_private_text(current_user, case),
        show_payee=permissions.can_see_disbursement_text(current_user, case),
    ), (422 if request.method == "POST" else 200)


@bp.post("/work/cases/<ref>/close")
@login_required
def close(ref: str) -> Response:
    case = _case(ref)
    form = forms.CloseForm()
    if not form.validate_on_submit():
        flash(_("Choose an outcome."), "error")
    else:
        attempt(
            lambda: lifecycle.close_case(current_user, case, form.outcome.data, form.note.data),
            _("The case is closed. Follow-ups are due in 30 and 90 days."),
        )
    return redirect(url_for("disbursements.case_money", ref=ref))


@bp.post("/work/follow-ups/<int:follow_up_id>")
@login_required
def answer_follow_up(follow_up_id: int) -> Response:
    follow_up = lifecycle.get_follow_up(follow_up_id)
    if follow_up is None:
        abort(404)
    form = forms.FollowUpForm()
    if form.validate_on_submit():
        attempt(
            lambda: lifecycle.answer_follow_up(
                current_user, follow_up, form.resolved.data, form.note.data
            ),
            _("Follow-up recorded."),
        )
    else:
        flash(_("Choose an answer."), "error")
    return redirect(url_for("disbursements.case_money", ref=follow_up.case.ref))


@bp.get("/work/disbursements")
@login_required
def queue() -> str:
    permissions.require(permissions.is_custodian_reviewer(current_user))
    page = page_arg()
    per_page = 20
    waiting = db.paginate(
        select(Disbursement)
        .where(Disbursement.status == DisbursementStatus.requested)
        .order_by(Disbursement.requested_at),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    recent = db.session.scalars(
        select(Disbursement)
        .where(Disbursement.status != DisbursementStatus.requested)
        .order_by(Disbursement.decided_at.desc())
        .limit(20)
    ).all()
    total_waiting = db.session.scalar(
        select(func.count())
        .select_from(Disbursement)
        .where(Disbursement.status == DisbursementStatus.requested)
    )
    return render_template(
        "disbursements/queue.html", waiting=waiting, recent=recent, total_waiting=total_waiting
    )


def _disbursement(disbursement_id: int) -> Disbursement:
    found = services.get_disbursement(disbursement_id)
    permissions.require(permissions.can_see_disbursements(current_user, found.case), hide=True)
    return found


@bp.get("/work/disbursements/<int:disbursement_id>")
@login_required
def detail(disbursement_id: int) -> str:
    found = _disbursement(disbursement_id)
    return _detail(found, forms.ReceiptForm(formdata=None), forms.RejectForm(formdata=None))


def _detail(found: Disbursement, receipt_form: Any, reject_form: Any, status: int = 200) -> Any:
    case = found.case
    receipt_form.file.description = _(
        "At most %(mb)s MB; photos and scans at most %(mpx)s megapixels.",
        mb=evidence.format_megabytes(current_app.config["RECEIPT_MAX_BYTES"]),
        mpx=current_app.config["RECEIPT_MAX_PIXELS"] // 1_000_000,
    )
    return render_template(
        "disbursements/detail.html",
        d=found,
        case=case,
        line=found.need_line,
        available=services.available_for_line(case, found.need_line_id),
        receipt_form=receipt_form,
        reject_form=reject_form,
        can_decide=permissions.can_decide_disbursement(current_user, found),
        is_requester=found.requested_by_id == current_user.id,
        can_upload=permissions.can_see_case_internals(current_user, case)
        or permissions.is_custodian_reviewer(current_user),
        show_text=permissions.can_see_private_text(current_user, case),
        show_payee=permissions.can_see_disbursement_text(current_user, case),
    ), status


@bp.post("/work/disbursements/<int:disbursement_id>/approve")
@login_required
def approve(disbursement_id: int) -> Response:
    found = _disbursement(disbursement_id)
    form = forms.RejectForm()  # CSRF only; the reason is not used
    if not form.csrf_token.validate(form):
        abort(400)
    attempt(
        lambda: services.approve(current_user, found),
        _("Approved and paid out through the ledger."),
    )
    return redirect(url_for("disbursements.detail", disbursement_id=disbursement_id))


@bp.post("/work/disbursements/<int:disbursement_id>/reject")
@login_required
def reject(disbursement_id: int) -> Any:
    found = _disbursement(disbursement_id)
    form = forms.RejectForm()
    if not form.validate_on_submit():
        return _detail(found, forms.ReceiptForm(formdata=None), form, 422)
    attempt(
        lambda: services.reject(current_user, found, form.reason.data),
        _("Rejected; the requester is told why."),
    )
    return redirect(url_for("disbursements.detail", disbursement_id=disbursement_id))


@bp.post("/work/disbursements/<int:disbursement_id>/receipts")
@large_upload("RECEIPT_MAX_BYTES")
@login_required
def upload(disbursement_id: int) -> Any:
    found = _disbursement(disbursement_id)
    form = forms.ReceiptForm()
    if not form.validate_on_submit():
        return _detail(found, form, forms.RejectForm(formdata=None), 422)
    data = read_upload(form.file.data.stream)
    try:
        evidence.add_receipt(current_user, found, data, form.variant.data)
    except ValidationFailed as exc:  # the file is refused: say why next to the file field
        db.session.rollback()
        form.file.errors = [str(exc.message)]
        return _detail(found, form, forms.RejectForm(formdata=None), 422)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Receipt stored."), "success")
    return redirect(url_for("disbursements.detail", disbursement_id=disbursement_id))


@bp.errorhandler(413)
def too_large(error: HTTPException) -> Any:
    """A receipt over the limit: the form again with the limit as the file's error (the body was
    never read, so nothing else is lost); any other body over the limit: the error page."""
    message = str(evidence.refusal_message("too_large"))
    if upload_limit(request.endpoint) is None:
        message = _("The request is too large.")
    elif current_user.is_authenticated and request.view_args:
        try:
            found = _disbursement(int(request.view_args["disbursement_id"]))
            form = forms.ReceiptForm(formdata=None)
            form.file.errors = [message]
            return _detail(found, form, forms.RejectForm(formdata=None), 413)
        except (DomainError, HTTPException):
            pass  # not theirs to see: the plain error page, which names nothing
    return render_template("errors/error.html", status=413, message=message), 413


@bp.get("/work/receipts/<int:receipt_id>")
@talisman(content_security_policy=SANDBOX_CSP)
@login_required
def download(receipt_id: int) -> Any:
    receipt = get_row(Receipt, receipt_id)
    if receipt is None or not evidence.can_download(current_user, receipt):
        abort(404)
    return receipt_response(receipt)
