"""The local fake checkout (PAYMENT_GATEWAY=fake): "Pay" delivers a signed
``checkout.session.completed`` event through the real webhook code path.

The blueprint keeps its name ``payments`` (endpoints ``payments.fake_checkout`` and friends) and
its URLs from when it lived in ``marketplace.payments``; see ``marketplace.donors.checkout``.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from marketplace.donors import checkout
from marketplace.donors import services as donors
from marketplace.donors.models import Pledge
from marketplace.donors.webhooks import receive
from marketplace.extensions import db
from marketplace.forms import CsrfForm
from marketplace.payments.fake_gateway import FakeGateway
from marketplace.payments.gateway import sign_payload

bp = Blueprint("payments", __name__, url_prefix="/payments")


def _pledge(session_id: str) -> Pledge:
    if current_app.config["PAYMENT_GATEWAY"] != "fake":
        abort(404)
    pledge = checkout.pledge_for_session(session_id)
    if pledge is None or pledge.donor_id != current_user.id:
        abort(404)
    return pledge


@bp.get("/fake/checkout/<session_id>")
@login_required
def fake_checkout(session_id: str) -> str:
    pledge = _pledge(session_id)
    return render_template("payments/fake_checkout.html", pledge=pledge, form=CsrfForm())


@bp.post("/fake/checkout/<session_id>")
@login_required
def fake_pay(session_id: str) -> Response:
    pledge = _pledge(session_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    if not checkout.payable(pledge):
        flash(_("This pledge is already settled."), "error")
        return redirect(url_for("donors.pledge_detail", pledge_id=pledge.id))
    event = FakeGateway(lambda sid: sid).completed_event(
        session_id=session_id, pledge_id=pledge.id, amount_fen=pledge.amount_fen
    )
    payload = json.dumps(event).encode()
    signature = sign_payload(payload, current_app.config["STRIPE_WEBHOOK_SECRET"])
    response = receive(payload, signature)
    status = response[1] if isinstance(response, tuple) else response.status_code
    if status == 200:
        flash(_("Thank you! Your payment was received."), "success")
    else:
        flash(_("The payment could not be recorded. Please try again."), "error")
    return redirect(url_for("donors.pledge_detail", pledge_id=pledge.id))


@bp.post("/fake/checkout/<session_id>/cancel")
@login_required
def fake_cancel(session_id: str) -> Response:
    pledge = _pledge(session_id)
    if not CsrfForm().validate_on_submit():
        abort(400)
    donors.cancel_pledge(current_user, pledge)
    db.session.commit()
    flash(_("The pledge was cancelled; nothing was charged."), "success")
    target = pledge.case.ref if pledge.case else None
    return redirect(
        url_for("public.case_detail", ref=target) if target else url_for("public.index")
    )
