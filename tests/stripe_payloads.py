"""Stripe-shaped payloads for tests, with every field of the recorded ones (tests/fixtures/stripe).

:func:`make_event` and :func:`checkout_session_object` build an event envelope and a
``checkout.session`` object key for key like Stripe's; the ``*_event`` functions build the
``checkout.session.*`` events our webhook handles, with the fake gateway's ids (``evt_fake_``,
``pi_fake_``). The fake checkout page itself (``marketplace.payments.fake_gateway``) only ever
sends a paid ``checkout.session.completed``; ``tests/unit/payments/test_gateways.py`` checks that
what it sends is a subset of a recorded event with the values built here.
"""

from __future__ import annotations

import copy
import secrets
import string
import time
from typing import Any

from marketplace.payments.fake_gateway import EVENT_API_VERSION, EVENT_PREFIX, FakeGateway

PAYMENT_STATUSES = frozenset({"paid", "unpaid", "no_payment_required"})
SESSION_STATUSES = frozenset({"open", "complete", "expired"})

_ID_ALPHABET = string.ascii_letters + string.digits


def random_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking identifier such as ``evt_3Qx...``: prefix plus random alphanumerics."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def make_event(
    event_type: str,
    data_object: dict[str, Any],
    *,
    event_id: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """A Stripe-shaped event envelope: {"id": "evt_...", "object": "event", "type": ...,
    "created": ..., "livemode": False, "api_version": ..., "data": {"object": data_object}}

    Also carries ``pending_webhooks`` and ``request`` like a real event, so that locally built
    events have exactly the keys of recorded ones. ``data_object`` is deep-copied.
    """
    return {
        "id": event_id if event_id is not None else random_id("evt_"),
        "object": "event",
        "api_version": EVENT_API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": {"object": copy.deepcopy(data_object)},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def checkout_session_object(
    *,
    session_id: str,
    pledge_id: int,
    amount_fen: int,
    payment_status: str = "paid",
    status: str = "complete",
    payment_intent: str | None = None,
    created: int | None = None,
    expires_at: int | None = None,
    customer_email: str | None = None,
) -> dict[str, Any]:
    """A Stripe-shaped checkout.session object (object "checkout.session", currency "cny",
    amount_total, client_reference_id=str(pledge_id), metadata {"pledge_id": str(pledge_id)},
    payment_intent, payment_status, status, mode "payment").

    The remaining keys follow Stripe's Checkout Session object (API 2025-09-30.clover) with the
    values our integration produces: no customer, no tax, no shipping, hosted UI. ``url`` is set
    only while the session is open; ``customer_details`` only once it is complete. ``created`` and
    ``expires_at`` (Unix seconds) default to a session created 5 minutes ago that lives 24 hours
    (for an expired session: created 24 hours ago, expiring now).
    """
    if payment_status not in PAYMENT_STATUSES:
        raise ValueError(f"unknown payment_status {payment_status!r}")
    if status not in SESSION_STATUSES:
        raise ValueError(f"unknown status {status!r}")
    now = int(time.time())
    if created is None:
        created = now - 86_400 if status == "expired" else now - 300
    if expires_at is None:
        expires_at = created + 86_400
    pledge = str(pledge_id)
    customer_details: dict[str, Any] | None = None
    if status == "complete":
        customer_details = {
            "address": {
                "city": None,
                "country": "CN",
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "business_name": None,
            "email": customer_email,
            "individual_name": None,
            "name": None,
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        }
    return {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": amount_fen,
        "amount_total": amount_fen,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": "http://localhost/pledges/cancel",
        "client_reference_id": pledge,
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": "cny",
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": customer_details,
        "customer_email": customer_email,
        "discounts": [],
        "expires_at": expires_at,
        "invoice": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        },
        "livemode": False,
        "locale": None,
        "metadata": {"pledge_id": pledge},
        "mode": "payment",
        "origin_context": None,
        "payment_intent": payment_intent,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": None,
        "payment_method_options": {"wechat_pay": {"app_id": None, "client": "web"}},
        "payment_method_types": ["card", "alipay", "wechat_pay"],
        "payment_status": payment_status,
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "presentment_details": None,
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": status,
        "submit_type": None,
        "subscription": None,
        "success_url": "http://localhost/pledges/success?session_id={CHECKOUT_SESSION_ID}",
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}" if status == "open" else None,
        "wallet_options": None,
    }


# ------------------------------------------------------------------ checkout.session.* events


def session_event(
    event_type: str,
    *,
    session_id: str,
    pledge_id: int,
    amount_fen: int,
    payment_status: str,
    status: str,
    with_payment_intent: bool = True,
) -> dict[str, Any]:
    """A ``checkout.session.*`` event about ``session_id`` with the fake gateway's ids."""
    session = checkout_session_object(
        session_id=session_id,
        pledge_id=pledge_id,
        amount_fen=amount_fen,
        payment_status=payment_status,
        status=status,
        payment_intent=FakeGateway.payment_intent_for(session_id) if with_payment_intent else None,
    )
    return make_event(event_type, session, event_id=EVENT_PREFIX + secrets.token_hex(12))


def completed_event(
    *, session_id: str, pledge_id: int, amount_fen: int, payment_status: str = "paid"
) -> dict[str, Any]:
    """A ``checkout.session.completed`` event.

    ``payment_status="paid"`` for an immediate payment (card); ``"unpaid"`` when the payment
    method confirms later and an ``async_payment_succeeded``/``failed`` event will follow.
    """
    return session_event(
        "checkout.session.completed",
        session_id=session_id,
        pledge_id=pledge_id,
        amount_fen=amount_fen,
        payment_status=payment_status,
        status="complete",
    )


def async_succeeded_event(*, session_id: str, pledge_id: int, amount_fen: int) -> dict[str, Any]:
    """A ``checkout.session.async_payment_succeeded`` event (the delayed payment arrived)."""
    return session_event(
        "checkout.session.async_payment_succeeded",
        session_id=session_id,
        pledge_id=pledge_id,
        amount_fen=amount_fen,
        payment_status="paid",
        status="complete",
    )


def async_failed_event(*, session_id: str, pledge_id: int, amount_fen: int) -> dict[str, Any]:
    """A ``checkout.session.async_payment_failed`` event (the delayed payment failed)."""
    return session_event(
        "checkout.session.async_payment_failed",
        session_id=session_id,
        pledge_id=pledge_id,
        amount_fen=amount_fen,
        payment_status="unpaid",
        status="complete",
    )


def expired_event(*, session_id: str, pledge_id: int, amount_fen: int) -> dict[str, Any]:
    """A ``checkout.session.expired`` event (the donor never paid; no PaymentIntent)."""
    return session_event(
        "checkout.session.expired",
        session_id=session_id,
        pledge_id=pledge_id,
        amount_fen=amount_fen,
        payment_status="unpaid",
        status="expired",
        with_payment_intent=False,
    )
