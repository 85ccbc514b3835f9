"""A local stand-in for Stripe Checkout, for development, demos and tests.

``create_checkout`` returns a session whose URL is the app's own fake checkout page. When the
donor presses "Pay" there, the page builds :meth:`FakeGateway.completed_event`, serializes it with
``json.dumps``, signs it with :func:`~marketplace.payments.gateway.sign_payload` and
``STRIPE_WEBHOOK_SECRET`` and hands body and header to the production webhook handler, so the fake
exercises the same verification and bookkeeping code as real Stripe events.

Nothing here talks to the network or keeps money; ids start with ``cs_fake_``, ``pi_fake_``,
``re_fake_`` and ``evt_fake_`` so they can never be confused with real Stripe objects.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marketplace.payments.gateway import (
    CheckoutSession,
    require_positive_int,
    require_text,
    validate_checkout_request,
)

SESSION_PREFIX = "cs_fake_"
PAYMENT_INTENT_PREFIX = "pi_fake_"
REFUND_PREFIX = "re_fake_"
EVENT_PREFIX = "evt_fake_"

#: The ``api_version`` written into locally built events (the fake page, test payloads). Real
#: events carry the version configured on the Stripe webhook endpoint.
EVENT_API_VERSION = "2025-09-30.clover"


@dataclass(frozen=True)
class FakeCheckout:
    """What :meth:`FakeGateway.create_checkout` was asked for (kept for inspection in tests)."""

    session: CheckoutSession
    pledge_id: int
    amount_fen: int
    description: str
    success_url: str
    cancel_url: str
    customer_email: str | None


@dataclass(frozen=True)
class FakeRefund:
    """One :meth:`FakeGateway.refund` call (kept for inspection in tests)."""

    refund_id: str
    payment_intent: str
    amount_fen: int
    pledge_id: int


class FakeGateway:
    """Payment gateway that never leaves the process (``PAYMENT_GATEWAY = "fake"``)."""

    name: str = "fake"

    def __init__(self, url_for_fake_checkout: Callable[[str], str]) -> None:
        """``url_for_fake_checkout(session_id)`` returns the URL of the fake checkout page."""
        self._url_for = url_for_fake_checkout
        self.checkouts: list[FakeCheckout] = []
        self.refunds: list[FakeRefund] = []

    # ------------------------------------------------------------------ PaymentGateway methods

    def create_checkout(
        self,
        *,
        pledge_id: int,
        amount_fen: int,
        description: str,
        success_url: str,
        cancel_url: str,
        expires_at: datetime,
        customer_email: str | None = None,
    ) -> CheckoutSession:
        """Return a ``cs_fake_...`` session pointing at the app's fake checkout page.

        Arguments are validated like :class:`StripeGateway` does, except for the 30 min..24 h
        window on ``expires_at`` (tests may run against a frozen or shifted clock).
        """
        validate_checkout_request(
            pledge_id=pledge_id,
            amount_fen=amount_fen,
            description=description,
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=expires_at,
        )
        session_id = SESSION_PREFIX + secrets.token_hex(12)
        session = CheckoutSession(
            id=session_id,
            url=self._url_for(session_id),
            expires_at=expires_at.astimezone(UTC).replace(microsecond=0),
        )
        self.checkouts.append(
            FakeCheckout(
                session=session,
                pledge_id=pledge_id,
                amount_fen=amount_fen,
                description=description,
                success_url=success_url,
                cancel_url=cancel_url,
                customer_email=customer_email,
            )
        )
        return session

    def refund(self, *, payment_intent: str, amount_fen: int, pledge_id: int) -> str:
        """Pretend to refund; return a ``re_fake_...`` id."""
        require_text("payment_intent", payment_intent)
        require_positive_int("amount_fen", amount_fen)
        require_positive_int("pledge_id", pledge_id)
        refund_id = REFUND_PREFIX + secrets.token_hex(12)
        self.refunds.append(FakeRefund(refund_id, payment_intent, amount_fen, pledge_id))
        return refund_id

    # ------------------------------------------------------------------ events for the fake page

    @staticmethod
    def payment_intent_for(session_id: str) -> str:
        """The fake PaymentIntent id that every event about ``session_id`` carries."""
        return PAYMENT_INTENT_PREFIX + session_id.removeprefix(SESSION_PREFIX)

    def completed_event(
        self, *, session_id: str, pledge_id: int, amount_fen: int
    ) -> dict[str, Any]:
        """The ``checkout.session.completed`` event of a paid session, as the page delivers it.

        The envelope has every key of a real event; its ``checkout.session`` carries the fields
        that identify the pledge and the payment (the ones the webhook reads, with the values
        Stripe would send). Tests build complete objects and the other event types with
        ``tests/stripe_payloads.py``.
        """
        now = int(time.time())
        pledge = str(pledge_id)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount_fen,
            "amount_total": amount_fen,
            "client_reference_id": pledge,
            "created": now - 300,
            "currency": "cny",
            "expires_at": now - 300 + 86_400,
            "livemode": False,
            "metadata": {"pledge_id": pledge},
            "mode": "payment",
            "payment_intent": self.payment_intent_for(session_id),
            "payment_status": "paid",
            "status": "complete",
            "url": None,
        }
        return {
            "id": EVENT_PREFIX + secrets.token_hex(12),
            "object": "event",
            "api_version": EVENT_API_VERSION,
            "created": now,
            "data": {"object": session},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "checkout.session.completed",
        }
