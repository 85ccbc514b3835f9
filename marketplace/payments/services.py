"""Which gateway this app talks to, and the record of the events it sent us.

Nothing here knows what is being paid for: the donors domain starts checkouts for pledges
(``marketplace.donors.checkout``) and applies verified events to them
(``marketplace.donors.webhooks``) through these functions.
"""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.payments.gateway import PaymentGateway, get_gateway
from marketplace.payments.models import PaymentEvent


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


def already_recorded(event_id: str) -> bool:
    """Whether the event with this gateway id was recorded (and applied) before."""
    return (
        db.session.scalar(select(PaymentEvent.id).where(PaymentEvent.event_id == event_id))
        is not None
    )


def record_event(event_id: str, kind: str, pledge_id: int | None) -> PaymentEvent:
    """Record a verified event once, before it is applied in the same transaction.

    The row is flushed here, so a concurrent delivery of the same event fails now (IntegrityError,
    unique event id) before any money moves. The caller applies the event, then ``set_outcome``.
    """
    row = PaymentEvent(event_id=event_id, type=kind[:100], pledge_id=pledge_id)
    db.session.add(row)
    db.session.flush()
    return row


def set_outcome(row: PaymentEvent, outcome: str) -> str:
    """Keep the short outcome name of an applied event on its row; return it."""
    row.outcome = outcome
    return outcome
