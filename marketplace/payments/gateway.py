"""The payment-gateway interface, webhook signing/verification and the gateway factory.

Donors pay pledges through Stripe Checkout. Production uses :class:`StripeGateway`
(``marketplace.payments.stripe_gateway``); development and tests use :class:`FakeGateway`
(``marketplace.payments.fake_gateway``), whose checkout page delivers the same signed
``checkout.session.completed`` event to the same webhook handler. Both gateways are built by
:func:`get_gateway` from explicitly passed configuration; nothing here imports Flask.

Webhook events are verified with :func:`verify_event` and returned as plain dicts, so the webhook
handler reads ``event["type"]`` and ``event["data"]["object"]`` the same way for real and fake
events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import stripe

if TYPE_CHECKING:  # pragma: no cover
    from marketplace.payments.fake_gateway import FakeGateway
    from marketplace.payments.stripe_gateway import StripeGateway

#: Stripe accepts a Checkout Session ``expires_at`` from 30 minutes to 24 hours after creation.
CHECKOUT_MIN_LIFETIME = timedelta(minutes=30)
CHECKOUT_MAX_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class CheckoutSession:
    """A created checkout session: where to send the donor and until when the link works."""

    id: str  # "cs_test_..." / "cs_live_..." (Stripe) or "cs_fake_..." (fake)
    url: str  # where to send the donor
    expires_at: datetime  # aware UTC


class WebhookError(Exception):
    """Signature missing/invalid, timestamp too old or in the future, or payload not JSON.

    ``str(exc)`` is a short reason suitable for a log line or a 400 response body.
    """


@runtime_checkable
class PaymentGateway(Protocol):
    """What the rest of the application needs from a payment provider."""

    name: str  # "stripe" or "fake"

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
        """Create a hosted checkout for one pledge and return where to send the donor."""
        ...

    def refund(self, *, payment_intent: str, amount_fen: int, pledge_id: int) -> str:
        """Refund ``amount_fen`` of a paid pledge; return the refund id."""
        ...


# --------------------------------------------------------------------------- validation helpers


def require_positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def require_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value


def require_aware(name: str, value: object) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value


def validate_checkout_request(
    *,
    pledge_id: int,
    amount_fen: int,
    description: str,
    success_url: str,
    cancel_url: str,
    expires_at: datetime,
) -> None:
    """Check the arguments of :meth:`PaymentGateway.create_checkout` (shared by both gateways).

    Raises ValueError for a non-positive pledge id or amount, empty description/URLs or a naive
    ``expires_at``. The 30 min..24 h window is enforced by :class:`StripeGateway` only, because
    it depends on the wall clock; see :func:`check_checkout_lifetime`.
    """
    require_positive_int("pledge_id", pledge_id)
    require_positive_int("amount_fen", amount_fen)
    require_text("description", description)
    require_text("success_url", success_url)
    require_text("cancel_url", cancel_url)
    require_aware("expires_at", expires_at)


def check_checkout_lifetime(expires_at: datetime, *, now: datetime | None = None) -> None:
    """Raise ValueError unless ``expires_at`` is 30 minutes to 24 hours after ``now``.

    Stripe rejects other values; callers should leave a little slack (e.g. not exactly 30 min).
    """
    require_aware("expires_at", expires_at)
    current = now if now is not None else datetime.now(UTC)
    lifetime = expires_at - current
    if not CHECKOUT_MIN_LIFETIME <= lifetime <= CHECKOUT_MAX_LIFETIME:
        raise ValueError(
            f"expires_at must be between 30 minutes and 24 hours from now (got {lifetime} from now)"
        )


# ------------------------------------------------------------------------------ webhook signing


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe-Signature header value: f"t={ts},v1={hex(HMAC_SHA256(secret, f'{ts}.{payload}'))}".

    ``timestamp`` defaults to the current Unix time. Used by tests and by the fake checkout page,
    which signs its event with ``STRIPE_WEBHOOK_SECRET`` exactly as Stripe would.
    """
    if not secret:
        raise ValueError("a webhook secret is required to sign a payload")
    if isinstance(payload, str):  # tolerate text; Stripe signs the UTF-8 body
        payload = payload.encode("utf-8")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{ts}.".encode() + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def _header_timestamp(sig_header: str) -> int:
    """The ``t=`` value of a Stripe-Signature header; WebhookError if the header is malformed.

    Mirrors stripe's own parser (comma-separated ``key=value`` items, no whitespace stripping) but
    is stricter: exactly one ``t`` made of ASCII digits and at least one non-empty ``v1``.
    """
    timestamps: list[str] = []
    signatures = 0
    for item in sig_header.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise WebhookError("malformed signature header")
        if key == "t":
            timestamps.append(value)
        elif key == "v1" and value:
            signatures += 1
    if len(timestamps) != 1 or not signatures:
        raise WebhookError("malformed signature header")
    value = timestamps[0]
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise WebhookError("malformed signature header")
    return int(value)


def verify_event(
    payload: bytes,
    sig_header: str | None,
    secret: str,
    *,
    tolerance: int = 300,
    now: int | None = None,
) -> dict[str, Any]:
    """Verify with stripe.Webhook.construct_event on the raw body (tolerance seconds for old
    timestamps), and ALSO reject timestamps more than `tolerance` seconds in the future (Stripe's
    library does not). Return the event as a plain dict (json.loads of payload after verification).
    Raise WebhookError with a short reason for: missing header, malformed header, bad signature,
    wrong secret, tampered body, stale timestamp, future timestamp, non-JSON body.

    ``payload`` must be the raw request body (``request.get_data()``), never re-serialized JSON.
    ``now`` (Unix seconds) replaces the wall clock for both timestamp checks; it exists for tests.
    The returned event has a string ``id`` and ``type`` and a dict ``data.object``; anything else
    is rejected as "payload is not a Stripe event". An empty ``secret`` or a non-positive
    ``tolerance`` is a configuration error and raises ValueError, not WebhookError.
    """
    if not secret:
        raise ValueError("STRIPE_WEBHOOK_SECRET is not configured")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance <= 0:
        raise ValueError("tolerance must be a positive number of seconds")
    if not sig_header:
        raise WebhookError("missing signature header")
    timestamp = _header_timestamp(sig_header)
    if isinstance(payload, str):
        payload = payload.encode("utf-8")

    # Stripe's own staleness check reads time.time(); with an injected clock we check ourselves
    # (below) and pass tolerance=0, which disables the library's check.
    try:
        stripe.Webhook.construct_event(
            payload, sig_header, secret, tolerance=tolerance if now is None else 0
        )
    except stripe.SignatureVerificationError as exc:
        if "tolerance" in str(exc):
            raise WebhookError("timestamp too old") from exc
        raise WebhookError("signature mismatch") from exc
    except UnicodeDecodeError as exc:  # stripe decodes the body before checking the signature
        raise WebhookError("payload is not UTF-8") from exc
    except ValueError as exc:  # json.JSONDecodeError, or a v2 "thin" event
        raise WebhookError(
            "payload is not a Stripe event" if _is_json(payload) else "payload is not JSON"
        ) from exc
    except (AttributeError, TypeError) as exc:  # stripe calls .get() on a non-object JSON body
        raise WebhookError("payload is not a Stripe event") from exc

    current = int(time.time()) if now is None else now
    if timestamp < current - tolerance:
        raise WebhookError("timestamp too old")
    if timestamp > current + tolerance:
        raise WebhookError("timestamp in the future")

    event = json.loads(payload)
    data = event.get("data")
    if (
        not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not isinstance(data, dict)
        or not isinstance(data.get("object"), dict)
    ):
        raise WebhookError("payload is not a Stripe event")
    return event


def _is_json(payload: bytes) -> bool:
    try:
        json.loads(payload)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------ factory


def get_gateway(
    config: Mapping[str, Any], url_for_fake_checkout: Callable[[str], str]
) -> PaymentGateway:
    """PAYMENT_GATEWAY "fake" -> FakeGateway(url_for_fake_checkout); "stripe" -> StripeGateway(
    config["STRIPE_SECRET_KEY"], api_base=config.get("STRIPE_API_BASE")); anything else ValueError.

    A missing PAYMENT_GATEWAY or a missing/empty STRIPE_SECRET_KEY (for "stripe") is a ValueError
    too, so a misconfigured deployment fails loudly instead of silently using the fake.
    """
    name = config.get("PAYMENT_GATEWAY")
    gateway: FakeGateway | StripeGateway
    if name == "fake":
        if config.get("APP_ENV") not in ("development", "testing"):
            raise ValueError("the fake payment gateway runs only in development and testing")
        from marketplace.payments.fake_gateway import FakeGateway

        gateway = FakeGateway(url_for_fake_checkout)
    elif name == "stripe":
        from marketplace.payments.stripe_gateway import StripeGateway

        secret_key = config.get("STRIPE_SECRET_KEY")
        if not secret_key:
            raise ValueError("PAYMENT_GATEWAY is 'stripe' but STRIPE_SECRET_KEY is not set")
        gateway = StripeGateway(secret_key, api_base=config.get("STRIPE_API_BASE") or None)
    else:
        raise ValueError(f"unknown PAYMENT_GATEWAY {name!r}; expected 'stripe' or 'fake'")
    return gateway
