"""Which gateway this app talks to, and starting a checkout for a pledge."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for

from marketplace.db_types import utcnow
from marketplace.donors.models import Pledge
from marketplace.donors.services import attach_checkout
from marketplace.payments.gateway import CheckoutSession, PaymentGateway, get_gateway


def gateway() -> PaymentGateway:
    """The app's gateway, built once per app (a Stripe client keeps its HTTP connection)."""
    cached = current_app.extensions.get("payment_gateway")
    if cached is None:
        cached = current_app.extensions["payment_gateway"] = _build()
    return cached


def _build() -> PaymentGateway:
    return get_gateway(
        current_app.config,
        lambda session_id: url_for("payments.fake_checkout", session_id=session_id, _external=True),
    )


def start_checkout(
    pledge: Pledge, description: str, customer_email: str | None = None
) -> CheckoutSession:
    """Create the hosted checkout for a pending pledge (in the pledge's transaction: if the
    gateway fails, the pledge and its reservation roll back with it)."""
    expires_at = max(pledge.reserved_until or utcnow(), utcnow()) + timedelta(minutes=1)
    chosen = gateway()
    session = chosen.create_checkout(
        pledge_id=pledge.id,
        amount_fen=pledge.amount_fen,
        description=description,
        success_url=url_for("donors.pledge_detail", pledge_id=pledge.id, _external=True),
        cancel_url=url_for("donors.pledge_detail", pledge_id=pledge.id, _external=True),
        expires_at=expires_at,
        customer_email=customer_email,
    )
    attach_checkout(pledge, session.id, chosen.name)
    return session
