"""Stripe Checkout through the official ``stripe`` library (``PAYMENT_GATEWAY = "stripe"``).

Sessions are created in ``payment`` mode in CNY with one ad-hoc line item (the pledge), payable
by card, Alipay or WeChat Pay. Every request carries an idempotency key derived from the pledge,
so a retried HTTP request cannot create a second session or a second refund. Errors from Stripe
(``stripe.StripeError`` and subclasses) propagate to the caller unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import stripe

from marketplace.payments.gateway import (
    CheckoutSession,
    check_checkout_lifetime,
    require_positive_int,
    require_text,
    validate_checkout_request,
)

if TYPE_CHECKING:  # pragma: no cover
    from stripe.params import RefundCreateParams
    from stripe.params.checkout import SessionCreateParams

PAYMENT_METHOD_TYPES = ["card", "alipay", "wechat_pay"]


class StripeGateway:
    """Payment gateway backed by Stripe Checkout and the Refunds API."""

    name: str = "stripe"

    def __init__(
        self,
        secret_key: str,
        api_base: str | None = None,
        *,
        timeout: float = 30.0,
        max_network_retries: int = 2,
    ) -> None:
        """Create a client for ``secret_key``.

        ``api_base`` (e.g. ``http://127.0.0.1:12111``) points the client at a local stand-in
        server; it is refused together with a live-mode key so that a live key is never sent
        anywhere but Stripe. ``timeout`` bounds each HTTP request (the library's default is
        80 s, too long for a web request); retries reuse the same idempotency key.
        """
        require_text("secret_key", secret_key)
        if api_base and secret_key.startswith(("sk_live_", "rk_live_")):
            raise ValueError("refusing to send a live Stripe key to a custom STRIPE_API_BASE")
        self._http_client = stripe.RequestsClient(timeout=timeout)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http_client,
            max_network_retries=max_network_retries,
        )

    def close(self) -> None:
        """Close pooled HTTP connections (optional; the gateway stays usable afterwards)."""
        self._http_client.close()

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
        """Create a Checkout Session for one pledge.

        ``expires_at`` must be aware and 30 minutes to 24 hours ahead (Stripe's limits), else
        ValueError before any request is made. ``success_url`` may contain Stripe's
        ``{CHECKOUT_SESSION_ID}`` placeholder. The idempotency key is ``pledge-<id>-checkout``:
        within Stripe's 24-hour key lifetime, repeating the call with identical arguments returns
        the same session, and repeating it with different arguments raises
        ``stripe.IdempotencyError``.
        """
        validate_checkout_request(
            pledge_id=pledge_id,
            amount_fen=amount_fen,
            description=description,
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=expires_at,
        )
        check_checkout_lifetime(expires_at)
        pledge = str(pledge_id)
        params: SessionCreateParams = {
            "mode": "payment",
            "currency": "cny",
            "line_items": [
                {
                    "price_data": {
                        "currency": "cny",
                        "unit_amount": amount_fen,
                        "product_data": {"name": description},
                    },
                    "quantity": 1,
                }
            ],
            "allowed_payment_method_types": list(PAYMENT_METHOD_TYPES),
            "payment_method_options": {"wechat_pay": {"client": "web"}},
            "client_reference_id": pledge,
            "metadata": {"pledge_id": pledge},
            # Session metadata is not copied to the PaymentIntent or its Charge; this makes
            # charge.refunded / charge.dispute.created traceable to the pledge as well.
            "payment_intent_data": {"metadata": {"pledge_id": pledge}},
            "success_url": success_url,
            "cancel_url": cancel_url,
            "expires_at": int(expires_at.timestamp()),
        }
        if customer_email:
            params["customer_email"] = customer_email
        session = self._client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"pledge-{pledge_id}-checkout"}
        )
        if not session.url:
            raise RuntimeError(f"Stripe returned checkout session {session.id} without a URL")
        return CheckoutSession(
            id=session.id,
            url=session.url,
            expires_at=datetime.fromtimestamp(session.expires_at, tz=UTC),
        )

    def refund(self, *, payment_intent: str, amount_fen: int, pledge_id: int) -> str:
        """Refund ``amount_fen`` of ``payment_intent``; return the Stripe refund id (``re_...``).

        The idempotency key is ``pledge-<id>-refund-<amount>``: a retried call cannot refund
        twice, but two deliberate partial refunds of the same amount for the same pledge within
        24 hours would be collapsed into one by Stripe.
        """
        require_text("payment_intent", payment_intent)
        require_positive_int("amount_fen", amount_fen)
        require_positive_int("pledge_id", pledge_id)
        params: RefundCreateParams = {
            "payment_intent": payment_intent,
            "amount": amount_fen,
            "metadata": {"pledge_id": str(pledge_id)},
        }
        refund = self._client.v1.refunds.create(
            params=params,
            options={"idempotency_key": f"pledge-{pledge_id}-refund-{amount_fen}"},
        )
        return refund.id
