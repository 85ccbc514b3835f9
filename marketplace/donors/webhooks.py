"""The payment webhook: the one CSRF-exempt route, applying gateway events to pledges.

Every event is verified on its raw body, recorded once (unique event id, in the same transaction
as its ledger entry) and applied idempotently, so duplicates, replays and any order of arrival
give the same final state. A pledge we do not know yet answers 404 so that Stripe retries.

The blueprint keeps its name ``payments_webhook`` and its URL (``/api/v1/payments/stripe/webhook``)
from when it lived in ``marketplace.payments``; see ``marketplace.donors.checkout`` for why the
pledge-specific half of payments lives in this domain.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from marketplace.donors import services as donors
from marketplace.donors.models import Pledge, PledgeStatus
from marketplace.errors import error_body
from marketplace.extensions import csrf, db
from marketplace.payments import services as payments
from marketplace.payments.gateway import WebhookError, verify_event

log = logging.getLogger(__name__)
bp = Blueprint("payments_webhook", __name__, url_prefix="/api/v1/payments")


class UnknownPledge(Exception):
    """The event names a pledge this database does not have (yet)."""


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook() -> Response | tuple[Response, int]:
    return receive(request.get_data(cache=False), request.headers.get("Stripe-Signature"))


def receive(payload: bytes, signature: str | None) -> Response | tuple[Response, int]:
    """Verify a raw webhook body and apply it. Production's route and the fake checkout both
    come through here, so the fake exercises the real verification and handling."""
    try:
        event = verify_event(payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"])
    except WebhookError as exc:
        log.warning("webhook refused", extra={"reason": str(exc)})
        return error_body(400, "invalid webhook", {"reason": str(exc)}, "invalid_signature")
    return deliver(event)


def deliver(event: dict[str, Any]) -> Response | tuple[Response, int]:
    """Apply one verified event and commit; the fake checkout calls this too (same code path)."""
    try:
        outcome = apply_event(event)
        db.session.commit()
    except UnknownPledge:
        db.session.rollback()
        return error_body(404, "unknown pledge; retry later", code="unknown_pledge")
    except IntegrityError:  # the same event, recorded by a concurrent delivery
        db.session.rollback()
        outcome = "duplicate"
    log.info("webhook", extra={"event_type": event.get("type"), "outcome": outcome})
    return jsonify({"received": True, "outcome": outcome})


def apply_event(event: dict[str, Any]) -> str:
    """Record the event once and apply it. Returns a short outcome name."""
    event_id = str(event.get("id") or "")
    if not event_id:
        return "ignored"
    if payments.already_recorded(event_id):
        return "duplicate"
    kind = str(event.get("type") or "")
    obj = (event.get("data") or {}).get("object") or {}
    pledge = _pledge_for(kind, obj)
    # a concurrent duplicate fails while recording, before any money moves
    row = payments.record_event(event_id, kind, pledge.id if pledge else None)
    return payments.set_outcome(row, _apply(kind, obj, pledge))


def _pledge_for(kind: str, obj: dict[str, Any]) -> Pledge | None:
    if kind.startswith("checkout.session."):
        raw = (obj.get("metadata") or {}).get("pledge_id") or obj.get("client_reference_id")
        if raw is None or not str(raw).isdigit():
            return None
        pledge = db.session.get(Pledge, int(raw))
        if pledge is None:
            raise UnknownPledge(raw)
        return pledge
    if kind.startswith(("charge.", "payment_intent.")):
        intent = obj.get("payment_intent") if kind.startswith("charge.") else obj.get("id")
        if intent:
            return db.session.scalar(select(Pledge).where(Pledge.payment_intent == intent))
    return None


def _apply(kind: str, obj: dict[str, Any], pledge: Pledge | None) -> str:
    if pledge is None:
        return "ignored"
    if kind == "checkout.session.completed":
        if obj.get("payment_status") != "paid":
            return "awaiting_async_payment"
        return donors.record_payment(pledge, obj.get("payment_intent"))
    if kind == "checkout.session.async_payment_succeeded":
        return donors.record_payment(pledge, obj.get("payment_intent"))
    if kind == "checkout.session.async_payment_failed":
        return "released" if donors.release_reservation(pledge, PledgeStatus.failed) else "noop"
    if kind == "checkout.session.expired":
        return "released" if donors.release_reservation(pledge, PledgeStatus.expired) else "noop"
    if kind == "charge.refunded":
        outcome = donors.record_refund(pledge, int(obj.get("amount_refunded") or 0))
        if outcome == "refunded":  # refunded at the gateway already: nothing for the outbox
            pledge.refund_id = str(obj.get("id") or "refunded-at-gateway")
        return outcome
    if kind == "charge.dispute.created":
        return donors.record_dispute(pledge)
    return "ignored"
