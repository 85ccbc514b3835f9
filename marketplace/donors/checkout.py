"""Paying for pledges through the gateway: starting a checkout, sending refunds, and finding the
pledge behind a checkout session.

Why the pledge-specific half of payments lives here (with ``webhooks`` and ``fake_checkout``)
rather than behind a handler registry that donors would fill in ``marketplace.payments`` at app
start: pledges are the only thing paid through the gateway, so a registry would hold exactly one
handler and add start-up wiring a reader must find before following a payment. With plain imports
in one direction (donors -> payments) every flow reads top to bottom, and ``marketplace.payments``
stays a domain-free adapter (gateways, signatures, the event record). The blueprint and endpoint
names (``payments.fake_checkout``, ``payments_webhook.stripe_webhook``) and URLs did not change.
"""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from marketplace.db_types import utcnow
from marketplace.donors import services
from marketplace.donors.models import Pledge, PledgeStatus
from marketplace.extensions import db
from marketplace.payments.gateway import CheckoutSession
from marketplace.payments.services import gateway


def start_checkout(pledge: Pledge, customer_email: str | None = None) -> CheckoutSession:
    """Create the hosted checkout for a pending pledge (in the pledge's transaction: if the
    gateway fails, the pledge and its reservation roll back with it)."""
    expires_at = max(pledge.reserved_until or utcnow(), utcnow()) + timedelta(minutes=1)
    chosen = gateway()
    session = chosen.create_checkout(
        pledge_id=pledge.id,
        amount_fen=pledge.amount_fen,
        description=services.pledge_description(pledge),
        success_url=url_for("donors.pledge_detail", pledge_id=pledge.id, _external=True),
        cancel_url=url_for("donors.pledge_detail", pledge_id=pledge.id, _external=True),
        expires_at=expires_at,
        customer_email=customer_email,
    )
    services.attach_checkout(pledge, session.id, chosen.name)
    return session


def pledge_for_session(session_id: str) -> Pledge | None:
    """The pledge whose checkout session this is, if any."""
    return db.session.scalar(select(Pledge).where(Pledge.checkout_session_id == session_id))


def payable(pledge: Pledge) -> bool:
    """Whether a payment for the pledge can still be recorded (a late one too, after expiry)."""
    return pledge.status in (PledgeStatus.pending, PledgeStatus.expired)


def send_refunds() -> int:
    """Refunds recorded in the ledger are sent to the gateway (an outbox: the ledger entry and
    the pledge status committed first; the gateway call is idempotent per pledge and amount).
    Flushes; the caller commits. Returns how many were sent."""
    sent = 0
    for pledge in db.session.scalars(
        select(Pledge).where(
            Pledge.status == PledgeStatus.refunded,
            Pledge.refund_id.is_(None),
            Pledge.payment_intent.is_not(None),
        )
    ):
        pledge.refund_id = gateway().refund(
            payment_intent=pledge.payment_intent or "",
            amount_fen=pledge.refunded_fen or pledge.amount_fen,
            pledge_id=pledge.id,
        )
        sent += 1
    db.session.flush()
    return sent
