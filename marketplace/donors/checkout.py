"""Paying for pledges through the gateway: starting a checkout, sending refunds, and finding the
pledge behind a checkout session.

A checkout start never calls the gateway while a row lock is held. Creating a case pledge
reserves its amount with a conditional UPDATE on the case row, which locks that row until the
transaction ends; so :func:`start_checkout` commits the pending pledge and its reservation first,
calls the gateway with no transaction open, and records the session on the pledge in a short
transaction of its own. If the gateway fails, the pledge ends ``failed`` and its reservation is
released at once (as when an asynchronous payment fails), and the gateway's error propagates as
before. Should even that release fail, the pledge stays pending without a session and the
``release-reservations`` job releases it when its reservation runs out.

Why the pledge-specific half of payments lives here (with ``webhooks`` and ``fake_checkout``)
rather than behind a handler registry that donors would fill in ``marketplace.payments`` at app
start: pledges are the only thing paid through the gateway, so a registry would hold exactly one
handler and add start-up wiring a reader must find before following a payment. With plain imports
in one direction (donors -> payments) every flow reads top to bottom, and ``marketplace.payments``
stays a domain-free adapter (gateways, signatures, the event record). The blueprint and endpoint
names (``payments.fake_checkout``, ``payments_webhook.stripe_webhook``) and URLs did not change.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import url_for
from sqlalchemy import select

from marketplace.db_types import utcnow
from marketplace.donors import services
from marketplace.donors.models import Pledge, PledgeStatus
from marketplace.extensions import db
from marketplace.payments.gateway import CheckoutSession
from marketplace.payments.services import gateway

log = logging.getLogger(__name__)


def start_checkout(pledge: Pledge, customer_email: str | None = None) -> CheckoutSession:
    """Open the gateway's hosted checkout for a pending pledge created in this transaction.

    This is a transaction boundary: it commits what the caller did so far (the pledge and its
    reservation), calls the gateway outside any transaction, then records the session id on the
    pledge and commits again. Errors of the gateway propagate after the pledge was marked failed
    and its reservation released (committed).
    """
    # read everything the gateway needs now: the commit expires the pledge, and nothing between
    # the commit and the gateway's answer may touch the database
    pledge_id, amount_fen = pledge.id, pledge.amount_fen
    description = services.pledge_description(pledge)
    detail_url = url_for("donors.pledge_detail", pledge_id=pledge_id, _external=True)
    expires_at = max(pledge.reserved_until or utcnow(), utcnow()) + timedelta(minutes=1)
    db.session.commit()
    try:
        chosen = gateway()
        session = chosen.create_checkout(
            pledge_id=pledge_id,
            amount_fen=amount_fen,
            description=description,
            success_url=detail_url,
            cancel_url=detail_url,
            expires_at=expires_at,
            customer_email=customer_email,
        )
    except Exception:
        _give_back(pledge_id)
        raise
    services.attach_checkout(pledge, session.id, chosen.name)
    db.session.commit()
    return session


def _give_back(pledge_id: int) -> None:
    """The checkout could not be created: the pledge fails and releases its reservation now."""
    try:
        db.session.rollback()
        pledge = db.session.get(Pledge, pledge_id)
        if pledge is not None:
            services.release_reservation(pledge, PledgeStatus.failed)
        db.session.commit()
    except Exception:  # the gateway's error is the one to report; the job releases later
        log.exception("checkout failed; reservation left to lapse", extra={"pledge_id": pledge_id})
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001, S110 - the connection is gone; the pool replaces it
            pass


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
