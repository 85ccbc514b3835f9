"""The auditor's screens (:mod:`.auditor`: the ledger explorer with ``verify``, the audit log of
private views) and the admin's (:mod:`.people`: organizations, users, roles, deactivation, API
tokens), on one blueprint. Every admin action is asked for twice: the first POST shows a
confirmation page, the second (``confirmed=yes``) acts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from marketplace.extensions import db
from marketplace.forms import CsrfForm
from marketplace.utils import page_arg

bp = Blueprint("admin", __name__)
PER_PAGE = 25

ACTION_LABELS = {
    "case.private.view": _l("Viewed a case's private details"),
    "referral.contact.view": _l("Viewed a referral's contact details"),
    "user.create": _l("Created an account"),
    "user.role": _l("Changed a role"),
    "user.deactivate": _l("Deactivated an account"),
    "user.reactivate": _l("Reactivated an account"),
    "token.create": _l("Created an API token"),
    "token.revoke": _l("Revoked an API token"),
    "org.verify": _l("Verified an organization"),
    "org.unverify": _l("Withdrew an organization's verification"),
    "ledger.verify": _l("Checked the ledger"),
}


def _paginate(query: Any) -> Any:
    return db.paginate(query, page=page_arg(), per_page=PER_PAGE, error_out=False)


def _check_csrf() -> None:
    if not CsrfForm().validate_on_submit():
        abort(400)


def _confirm(question: str, button: str, cancel: str, danger: bool = False) -> str | None:
    """None when this POST carries the confirmation; else the confirmation page to show (the
    same fields posted again with ``confirmed=yes``)."""
    _check_csrf()
    if request.form.get("confirmed") == "yes":
        return None
    fields = {k: v for k, v in request.form.items() if k not in ("csrf_token", "confirmed")}
    return render_template(
        "admin/confirm.html",
        question=question,
        button=button,
        cancel=cancel,
        fields=fields,
        danger=danger,
        form=CsrfForm(),
    )


from marketplace.admin.views import auditor, people  # noqa: E402,F401 - their routes
