"""The admin's screens: organizations (verification), users, roles, deactivation, API tokens."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from marketplace.accounts import permissions, queries
from marketplace.accounts import services as accounts
from marketplace.accounts.models import ApiToken, Organization, Role, User
from marketplace.admin import forms, services
from marketplace.admin.views import _confirm, _paginate, bp
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import CsrfForm
from marketplace.templating import ROLE_LABELS
from marketplace.utils import attempt, get_row, safe_next_url

# ---- admin: organizations --------------------------------------------------------------------


@bp.get("/admin/organizations")
@login_required
def organizations() -> Any:
    permissions.require(permissions.is_platform_admin(current_user))
    form = forms.OrganizationFilters(formdata=request.args)
    page, status = None, 200
    if form.validate():
        page = _paginate(
            queries.organizations_query(form.org_kind, form.status.data == "unverified")
        )
    else:
        status = 422
    return render_template(
        "admin/organizations.html",
        form=form,
        page=page,
        action_form=CsrfForm(),
        org_kinds={c.value: c.label for c in forms.ORG_KIND_CHOICES},
        members=queries.member_counts(o.id for o in page.items) if page else {},
    ), status


@bp.post("/admin/organizations/<int:org_id>/verification")
@login_required
def set_verification(org_id: int) -> Any:
    permissions.require(permissions.is_platform_admin(current_user))
    org = get_row(Organization, org_id)
    if org is None:
        abort(404)
    verify = request.form.get("verified") == "yes"
    question = (
        _("Mark %(name)s as verified?", name=org.name)
        if verify
        else _("Withdraw the verification of %(name)s?", name=org.name)
    )
    button = _("Yes, mark as verified") if verify else _("Yes, withdraw verification")
    back = request.form.get("back") or url_for("admin.organizations")
    page = _confirm(question, button, _safe(back), danger=not verify)
    if page is not None:
        return page
    if verify:
        attempt(
            lambda: services.verify_organization(current_user, org), _("Organization verified.")
        )
    else:
        attempt(
            lambda: accounts.unverify_organization(current_user, org),
            _("The organization's verification was withdrawn."),
        )
    return redirect(_safe(back), 303)


def _safe(url: str) -> str:
    return safe_next_url(url) or url_for("admin.organizations")


# ---- admin: users ----------------------------------------------------------------------------


def _role_choices(roles: Any) -> list[Any]:
    return [SelectChoice(r.value, str(ROLE_LABELS[r.value])) for r in roles]


def _grantable(org: Organization | None) -> list[Role]:
    """Roles the signed-in admin may give in ``org`` (a donor has none)."""
    kinds = accounts.ROLES_BY_ORG_KIND[org.kind] if org is not None else {Role.donor}
    return [r for r in Role if r in kinds and permissions.can_grant_role(current_user, r)]


@bp.get("/admin/users")
@login_required
def users() -> Any:
    permissions.require(permissions.is_admin(current_user))
    orgs = queries.visible_organizations(current_user)
    form = forms.UserFilters(formdata=request.args)
    form.role.choices = [SelectChoice("", _("All roles")), *_role_choices(Role)]
    form.organization.choices = [SelectChoice("", _("All organizations"))] + [
        SelectChoice(str(o.id), o.name) for o in orgs
    ]
    page, status = None, 200
    if form.validate():
        query = queries.users_query(
            current_user,
            Role(form.role.data) if form.role.data else None,
            int(form.organization.data) if form.organization.data else None,
            form.active_value,
        )
        page = _paginate(query)
    else:
        status = 422
    return render_template("admin/users.html", form=form, page=page), status


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def new_user() -> Any:
    permissions.require(permissions.is_admin(current_user))
    orgs = queries.visible_organizations(current_user)
    form = forms.NewUserForm()
    platform = permissions.is_platform_admin(current_user)
    form.role.choices = _role_choices(
        [r for r in Role if permissions.can_grant_role(current_user, r)]
        if platform
        else _grantable(current_user.organization)
    )
    form.organization.choices = [SelectChoice(str(o.id), o.name) for o in orgs] + (
        [SelectChoice("", _("None (donor)"))] if platform else []
    )
    if form.validate_on_submit():
        org = next((o for o in orgs if str(o.id) == form.organization.data), None)
        try:
            user = accounts.admin_create_user(
                current_user,
                form.email.data or "",
                form.password.data or "",
                Role(form.role.data),
                org,
                (form.display_name.data or "").strip(),
            )
        except DomainError as exc:
            db.session.rollback()
            fields = {
                "email": form.email,
                "organization": form.organization,
                "org": form.organization,
            }
            target = fields.get(next(iter(exc.details), ""), form.role)
            target.errors = [*target.errors, str(exc.message)]
        else:
            db.session.commit()
            flash(_("Account created: %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.user_page", user_id=user.id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/new_user.html", form=form), status


def _user(user_id: int) -> User:
    """A user the signed-in admin may see (404 otherwise: their existence is not shown)."""
    permissions.require(permissions.is_admin(current_user))
    user = get_row(User, user_id)
    if user is None or not (
        permissions.is_platform_admin(current_user) or permissions.same_org(current_user, user)
    ):
        abort(404)
    return user


def _user_page(user: User, role_form: Any, status: int = 200, token: str | None = None) -> Any:
    if role_form.role.choices is None:
        role_form.role.choices = _role_choices(_grantable(user.organization))
    response = make_response(
        render_template(
            "admin/user.html",
            user=user,
            role_form=role_form,
            form=CsrfForm(),
            tokens=queries.tokens_of(user),
            can_manage=permissions.can_manage_user(current_user, user),
            new_token=token,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/users/<int:user_id>")
@login_required
def user_page(user_id: int) -> Any:
    user = _user(user_id)
    return _user_page(user, forms.RoleForm(formdata=None, role=user.role.value))


@bp.post("/admin/users/<int:user_id>/role")
@login_required
def change_role(user_id: int) -> Any:
    user = _user(user_id)
    form = forms.RoleForm()
    form.role.choices = _role_choices(_grantable(user.organization))
    if not form.validate_on_submit():
        return _user_page(user, form, 422)
    role = Role(form.role.data)
    page = _confirm(
        _(
            "Change the role of %(email)s from %(old)s to %(new)s?",
            email=user.email,
            old=ROLE_LABELS[user.role.value],
            new=ROLE_LABELS[role.value],
        ),
        _("Yes, change the role"),
        url_for("admin.user_page", user_id=user.id),
    )
    if page is not None:
        return page
    attempt(lambda: accounts.change_role(current_user, user, role), _("Role changed."))
    return redirect(url_for("admin.user_page", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def set_active(user_id: int) -> Any:
    user = _user(user_id)
    active = request.form.get("active") == "yes"
    page = _confirm(
        _("Reactivate %(email)s? They can sign in again.", email=user.email)
        if active
        else _(
            "Deactivate %(email)s? They are signed out everywhere at once and their API tokens "
            "are revoked.",
            email=user.email,
        ),
        _("Yes, reactivate") if active else _("Yes, deactivate"),
        url_for("admin.user_page", user_id=user.id),
        danger=not active,
    )
    if page is not None:
        return page
    attempt(
        lambda: accounts.set_active(current_user, user, active),
        _("Account reactivated.") if active else _("Account deactivated."),
    )
    return redirect(url_for("admin.user_page", user_id=user.id), 303)


@bp.post("/admin/users/<int:user_id>/tokens")
@login_required
def create_token(user_id: int) -> Any:
    user = _user(user_id)
    page = _confirm(
        _(
            "Create an API token for %(email)s? Anyone holding it can act as this account through "
            "the API.",
            email=user.email,
        ),
        _("Yes, create a token"),
        url_for("admin.user_page", user_id=user.id),
    )
    if page is not None:
        return page
    try:
        token = accounts.admin_create_token(current_user, user)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("admin.user_page", user_id=user.id), 303)
    db.session.commit()
    return _user_page(user, forms.RoleForm(formdata=None, role=user.role.value), token=token)


@bp.post("/admin/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Any:
    permissions.require(permissions.is_admin(current_user))
    token = get_row(ApiToken, token_id)
    if token is None:
        abort(404)
    user = _user(token.user_id)
    page = _confirm(
        _(
            "Revoke the API token %(prefix)s… of %(email)s? Programs using it stop working.",
            prefix=token.prefix,
            email=user.email,
        ),
        _("Yes, revoke the token"),
        url_for("admin.user_page", user_id=user.id),
        danger=True,
    )
    if page is not None:
        return page
    attempt(lambda: accounts.revoke_token(current_user, token), _("Token revoked."))
    return redirect(url_for("admin.user_page", user_id=user.id), 303)
