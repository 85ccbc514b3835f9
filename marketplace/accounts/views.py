"""Sign in, sign out, donor registration, personal settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from marketplace.accounts import permissions, services, throttle
from marketplace.accounts.forms import LoginForm, RegisterForm, SettingsForm
from marketplace.accounts.models import Role
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.utils import safe_next_url

bp = Blueprint("accounts", __name__)


def _start_session(user: services.User) -> None:
    locale = session.get("locale")
    session.clear()  # a fresh session at every login (no fixation)
    if locale:
        session["locale"] = locale
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    throttle.PER_IP, methods=["POST"], deduct_when=throttle.failed, on_breach=throttle.locked
)
@limiter.limit(
    throttle.PER_ACCOUNT,
    key_func=throttle.account_key,
    methods=["POST"],
    deduct_when=throttle.failed,
    on_breach=throttle.locked,
)
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            flash(_("Wrong email or password."), "error")
        else:
            _start_session(user)
            db.session.commit()
            flash(_("Welcome back."), "success")
            return redirect(safe_next_url(request.args.get("next")) or _home_for(user))
    return render_template("accounts/login.html", form=form)


def _home_for(user: services.User) -> str:
    """The page a user lands on after signing in: one they may see, by role and organization
    kind (the same checks the pages themselves make)."""
    if permissions.can_create_case(user):
        return url_for("cases.dashboard")
    if permissions.can_review_cases(user):
        return url_for("cases.review_queue")
    if permissions.is_custodian_reviewer(user):
        return url_for("disbursements.queue")
    if user.role == Role.ngo_staff:
        return url_for("ngos.dashboard")
    if user.role == Role.company_staff:
        return url_for("donors.company_funds")
    if permissions.is_auditor(user):
        return url_for("admin.ledger_page")
    if permissions.is_admin(user):
        return url_for("admin.users")
    return url_for("public.index")


@bp.post("/logout")
@login_required
def logout() -> Response:
    services.end_sessions(current_user._get_current_object())  # type: ignore[attr-defined]
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("public.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def register() -> str | Response:
    """Self-service sign-up is for individual donors; staff accounts are created by admins."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.email.data or "",
                form.password.data or "",
                Role.donor,
                display_name=form.display_name.data or "",
                locale=session.get("locale"),
            )
        except DomainError as exc:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(exc.message)]
        else:
            _start_session(user)
            db.session.commit()
            flash(_("Your account is ready."), "success")
            return redirect(url_for("public.index"))
    return render_template("accounts/register.html", form=form)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    form = SettingsForm(locale=current_user.locale or "")
    if form.validate_on_submit():
        current_user.locale = form.locale.data or None
        if form.locale.data:
            session["locale"] = form.locale.data
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form)
