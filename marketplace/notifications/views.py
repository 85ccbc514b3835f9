"""The notifications page: a signed-in user's in-app messages."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from marketplace.extensions import db
from marketplace.forms import CsrfForm
from marketplace.notifications import services

bp = Blueprint("notifications", __name__)


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def index() -> str | Response:
    if request.method == "POST":
        if not CsrfForm().validate_on_submit():
            abort(400)
        services.mark_all_read(current_user.id)
        db.session.commit()
        return redirect(url_for("notifications.index"))
    items = services.recent(current_user.id)
    return render_template("notifications.html", items=items, form=CsrfForm())
