"""Donor pages: pledge to a case, pledge to a rule, my pledges and where the money went."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from marketplace.accounts.models import Role
from marketplace.cases import pending_forms, resume
from marketplace.cases import services as case_services
from marketplace.donors import funds, schemas, services
from marketplace.donors.checkout import start_checkout
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import CsrfForm, yuan_to_fen
from marketplace.ledger import services as ledger
from marketplace.schemas_base import translate_messages
from marketplace.utils import page_arg

bp = Blueprint("donors", __name__)

# a checkout posted after the session expired is kept and shown again after sign-in (bug 4)
pending_forms.resumable(
    "donors.pledge_to_case", lambda args: url_for("public.case_detail", ref=args["ref"]) + "#pledge"
)
pending_forms.resumable("donors.company_fund", lambda args: url_for("donors.company_fund", **args))


def _pledger() -> Any:
    if current_user.role not in services.PLEDGING_ROLES:
        abort(403)
    return current_user


def _amount() -> int | None:
    """The amount in fen: an amount typed wins over a preset chip (``preset``, yuan)."""
    typed = request.form.get("amount", "").strip()
    try:
        return yuan_to_fen(typed or request.form.get("preset", ""))
    except ValueError:
        return None


def _create_and_checkout(data: dict[str, Any]) -> Response:
    pledge = services.create_pledge(current_user, data)
    session = start_checkout(pledge, current_user.email)  # commits
    return redirect(session.url)


@bp.post("/cases/<ref>/pledge")
@login_required
def pledge_to_case(ref: str) -> Response:
    _pledger()
    if not CsrfForm().validate_on_submit():
        abort(400)
    line = request.form.get("need_line_id", "")
    raw = {
        "case_ref": ref,
        "amount_fen": _amount(),
        "need_line_id": int(line) if line.isdigit() else None,
        "anonymous": request.form.get("anonymous") == "y",
        "fallback": request.form.get("fallback", "similar"),
    }
    try:
        return _create_and_checkout(schemas.PledgeCreateSchema().load(raw))
    except ValidationError as exc:
        messages = translate_messages(exc.messages)
        flash(
            _("Enter an amount in yuan, e.g. 200.") if "amount_fen" in messages else str(messages),
            "error",
        )
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    return redirect(url_for("public.case_detail", ref=ref) + "#pledge")


@bp.route("/pledges/rule", methods=["GET", "POST"])
@login_required
def rule_pledge() -> str | Response:
    _pledger()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if not CsrfForm().validate_on_submit():
            abort(400)
        raw = {
            "rule": {
                "categories": request.form.getlist("categories"),
                "region": request.form.get("region") or None,
                "age_band": request.form.get("age_band") or None,
            },
            "amount_fen": _amount(),
            "anonymous": request.form.get("anonymous") == "y",
            "fallback": request.form.get("fallback", "similar"),
        }
        try:
            return _create_and_checkout(schemas.PledgeCreateSchema().load(raw))
        except ValidationError as exc:
            errors = translate_messages(exc.messages)
            flash(_("Please correct the marked fields."), "error")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
    from marketplace.cases.anonymize import AGE_BANDS

    return render_template(
        "donors/rule_form.html",
        form=CsrfForm(),
        errors=errors,
        values=request.form,
        age_bands=AGE_BANDS,
    )


@bp.get("/me/pledges")
@login_required
def my_pledges() -> str:
    _pledger()
    return render_template(
        "donors/pledges.html", **services.donor_dashboard(current_user, page=page_arg())
    )


@bp.get("/me/pledges/<int:pledge_id>")
@login_required
def pledge_detail(pledge_id: int) -> str:
    pledge = services.get_pledge(pledge_id)
    if pledge.donor_id != current_user.id:
        abort(404)
    entries = ledger.case_entries(pledge.placed_case.id) if pledge.placed_case else []
    return render_template(
        "donors/pledge_detail.html",
        pledge=pledge,
        gift=services.gift_view(pledge, services.passed_on_fen(pledge)),
        entries=entries,
        case_view=case_services.public_view(pledge.placed_case or pledge.case)
        if (pledge.placed_case or pledge.case)
        else None,
    )


# ---- company funds --------------------------------------------------------------------------


def _company_staff() -> Any:
    if current_user.role != Role.company_staff or current_user.organization is None:
        abort(403)
    return current_user


def _fen_or_none(name: str) -> int | None | str:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return yuan_to_fen(raw)
    except ValueError:
        return raw  # the schema reports it


@bp.route("/company/funds", methods=["GET", "POST"])
@login_required
def company_funds() -> str | Response:
    user = _company_staff()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if not CsrfForm().validate_on_submit():
            abort(400)
        raw = {
            "name": request.form.get("name", "").strip(),
            "budget_fen": _fen_or_none("budget"),
            "categories": request.form.getlist("categories"),
            "region": request.form.get("region", "").strip(),
            "per_case_cap_fen": _fen_or_none("per_case_cap"),
            "match_ratio": int(request.form["match_ratio"])
            if request.form.get("match_ratio", "").isdigit()
            else 0,
            "match_cap_per_gift_fen": _fen_or_none("match_cap_per_gift"),
            "match_cap_per_case_fen": _fen_or_none("match_cap_per_case"),
            "match_min_gift_fen": _fen_or_none("match_min_gift") or 1000,
            "match_daily_cap_per_donor_fen": _fen_or_none("match_daily_cap"),
            "match_ends_on": request.form.get("match_ends_on") or None,
        }
        try:
            fund = funds.create_fund(user, schemas.FundSchema().load(raw))
        except ValidationError as exc:
            errors = translate_messages(exc.messages)
            flash(_("Please correct the marked fields."), "error")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Fund created. Pay money into it to start matching."), "success")
            return redirect(url_for("donors.company_fund", fund_id=fund.id))
    rows = [
        {"fund": f, "balance": funds.fund_balance(f), "matched": funds.matched_total(f)}
        for f in funds.company_funds(user)
    ]
    return render_template(
        "donors/funds.html", rows=rows, form=CsrfForm(), errors=errors, values=request.form
    )


@bp.route("/company/funds/<int:fund_id>", methods=["GET", "POST"])
@login_required
def company_fund(fund_id: int) -> str | Response:
    user = _company_staff()
    fund = funds.get_fund(fund_id)
    if fund.organization_id != user.organization_id:
        abort(404)
    if request.method == "POST":
        if not CsrfForm().validate_on_submit():
            abort(400)
        amount = _amount()
        if amount is None:
            flash(_("Enter an amount in yuan, e.g. 200."), "error")
        else:
            try:
                pledge = services.create_fund_pledge(user, fund.id, amount)
                session = start_checkout(pledge, user.email)  # commits
                return redirect(session.url)
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
    return render_template(
        "donors/fund_detail.html",
        fund=fund,
        balance=funds.fund_balance(fund),
        matched=funds.matched_total(fund),
        offer=funds.offer_text(fund) if fund.match_ratio else None,
        form=CsrfForm(),
        values=(resume.restored() or {}) if request.method == "GET" else request.form,
    )
