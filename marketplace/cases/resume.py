"""The web side of forms that survive an expired session (issue 12 bug 4).

A POST to a registered form (``pending_forms.resumable``) that fails CSRF (the session or its
token expired) or arrives signed out is not answered with a bare 400 or a redirect that drops
it: its fields are kept for the user named by the form's signed ``form_owner`` claim, then

* signed out: 303 to the sign-in page, which comes back to the form; the form's page takes the
  kept fields (:func:`restored`) and shows them again;
* still signed in as that user (only the CSRF token expired): 303 straight back to the form,
  shown again with the input and a fresh token.

A form without a valid claim, or an unregistered one, gets an error page that says what happened.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.wrappers import Response

from marketplace.cases import pending_forms
from marketplace.extensions import db


def _keep_posted_form() -> Response | None:
    page = pending_forms.page_for(request.endpoint, request.view_args)
    if page is None or request.method != "POST":
        return None
    owner = pending_forms.claimed_owner(request.form.get(pending_forms.OWNER_FIELD, ""))
    if owner is None:
        return None
    fields = {name: request.form.getlist(name) for name in request.form}
    pending_forms.keep(owner, page.partition("#")[0], fields)  # "#pledge": where to land
    db.session.commit()
    if current_user.is_authenticated and current_user.id == owner:
        return redirect(page, 303)  # the page flashes that the input is back
    if current_user.is_authenticated:  # another account is signed in now: show it nothing
        flash(_("This form was opened by another account. It is kept for that account."), "error")
        return redirect(url_for("public.index"), 303)
    flash(_("Your session expired. Sign in again and your form will be back."), "error")
    return redirect(url_for("accounts.login", next=page), 303)


def _csrf_failed(error: CSRFError) -> Any:
    kept = _keep_posted_form()
    if kept is not None:
        return kept
    message = _(
        "This page had expired, so nothing was saved. Go back, reload the page and try again."
    )
    return render_template("errors/error.html", status=400, message=message), 400


def _signed_out_post() -> Response | None:
    """A registered form posted signed out (with a valid CSRF token): keep it before
    ``login_required`` turns it into a plain redirect."""
    if request.method != "POST" or current_user.is_authenticated:
        return None
    return _keep_posted_form()


def owner_field() -> Markup:
    """The hidden ``form_owner`` claim for the signed-in user (nothing when signed out)."""
    if not current_user.is_authenticated:
        return Markup("")
    claim = pending_forms.owner_claim(current_user.id)
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        pending_forms.OWNER_FIELD, claim
    )


def restored(lists: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The input the signed-in user left on this page when their session expired, once, as
    template values; None when there is none."""
    if not current_user.is_authenticated:
        return None
    fields = pending_forms.take(current_user.id, request.path)
    if db.session.deleted:  # found (given back now, or expired): most pages find none
        db.session.commit()
    if fields is None:
        return None
    flash(
        _("The form had expired and was not sent. Your input is back: check it and send it again."),
        "error",
    )
    return pending_forms.as_values(fields, lists)


def register(bp: Blueprint) -> None:
    """Install the hooks app-wide through ``bp`` (they run after CSRF protection's own)."""
    bp.before_app_request(_signed_out_post)
    bp.app_errorhandler(CSRFError)(_csrf_failed)
    bp.add_app_template_global(owner_field, "form_owner_field")
