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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marketplace.payments.gateway import (
    CheckoutSession,
    checkout_session_object,
    make_event,
    require_positive_int,
    require_text,
    validate_checkout_request,
)

SESSION_PREFIX = "cs_fake_"
PAYMENT_INTENT_PREFIX = "pi_fake_"
REFUND_PREFIX = "re_fake_"
EVENT_PREFIX = "evt_fake_"


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

    def _event(
        self,
        event_type: str,
        *,
        session_id: str,
        pledge_id: int,
        amount_fen: int,
        payment_status: str,
        status: str,
        with_payment_intent: bool = True,
    ) -> dict[str, Any]:
        session = checkout_session_object(
            session_id=session_id,
            pledge_id=pledge_id,
            amount_fen=amount_fen,
            payment_status=payment_status,
            status=status,
            payment_intent=self.payment_intent_for(session_id) if with_payment_intent else None,
        )
        return make_event(event_type, session, event_id=EVENT_PREFIX + secrets.token_hex(12))

    def completed_event(
        self, *, session_id: str, pledge_id: int, amount_fen: int, payment_status: str = "paid"
    ) -> dict[str, Any]:
        """A ``checkout.session.completed`` event.

        ``payment_status="paid"`` for an immediate payment (card); ``"unpaid"`` when the payment
        method confirms later and an ``async_payment_succeeded``/``failed`` event will follow.
        """
        return self._event(
            "checkout.session.completed",
            session_id=session_id,
            pledge_id=pledge_id,
            amount_fen=amount_fen,
            payment_status=payment_status,
            status="complete",
        )

    def async_succeeded_event(
        self, *, session_id: str, pledge_id: int, amount_fen: int
    ) -> dict[str, Any]:
        """A ``checkout.session.async_payment_succeeded`` event (the delayed payment arrived)."""
        return self._event(
            "checkout.session.async_payment_succeeded",
            session_id=session_id,
            pledge_id=pledge_id,
            amount_fen=amount_fen,
            payment_status="paid",
            status="complete",
        )

    def async_failed_event(
        self, *, session_id: str, pledge_id: int, amount_fen: int
    ) -> dict[str, Any]:
        """A ``checkout.session.async_payment_failed`` event (the delayed payment failed)."""
        return self._event(
            "checkout.session.async_payment_failed",
            session_id=session_id,
            pledge_id=pledge_id,
            amount_fen=amount_fen,
            payment_status="unpaid",
            status="complete",
        )

    def expired_event(self, *, session_id: str, pledge_id: int, amount_fen: int) -> dict[str, Any]:
        """A ``checkout.session.expired`` event (the donor never paid; no PaymentIntent)."""
        return self._event(
            "checkout.session.expired",
            session_id=session_id,
            pledge_id=pledge_id,
            amount_fen=amount_fen,
            payment_status="unpaid",
            status="expired",
            with_payment_intent=False,
        )
