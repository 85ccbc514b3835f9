"""Payment gateways: webhook signing/verification, recorded Stripe payloads, the fake gateway and
the Stripe gateway against a loopback stand-in for api.stripe.com."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import stripe
from hypothesis import given
from hypothesis import strategies as st

from marketplace.payments.fake_gateway import FakeGateway
from marketplace.payments.gateway import (
    CheckoutSession,
    PaymentGateway,
    WebhookError,
    get_gateway,
    sign_payload,
    verify_event,
)
from marketplace.payments.stripe_gateway import StripeGateway
from tests import stripe_payloads
from tests.stripe_payloads import checkout_session_object, make_event

SECRET = "whsec_unit_test_secret"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stripe"
FIXTURE_TYPES = {
    "checkout_session_completed.json": "checkout.session.completed",
    "checkout_session_completed_unpaid.json": "checkout.session.completed",
    "checkout_session_async_payment_succeeded.json": "checkout.session.async_payment_succeeded",
    "checkout_session_async_payment_failed.json": "checkout.session.async_payment_failed",
    "checkout_session_expired.json": "checkout.session.expired",
    "charge_refunded.json": "charge.refunded",
    "charge_dispute_created.json": "charge.dispute.created",
}
SESSION_STATES = {  # fixture -> (payment_status, status) of its checkout.session
    "checkout_session_completed.json": ("paid", "complete"),
    "checkout_session_completed_unpaid.json": ("unpaid", "complete"),
    "checkout_session_async_payment_succeeded.json": ("paid", "complete"),
    "checkout_session_async_payment_failed.json": ("unpaid", "complete"),
    "checkout_session_expired.json": ("unpaid", "expired"),
}
PLEDGE_ID = 42
AMOUNT_FEN = 50_000


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_event(name: str) -> dict[str, Any]:
    return json.loads(fixture_bytes(name))


def fake_url(session_id: str) -> str:
    return f"http://localhost/payments/fake-checkout/{session_id}"


def signed(event: dict[str, Any], *, timestamp: int | None = None) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    return payload, sign_payload(payload, SECRET, timestamp)


# ------------------------------------------------------------------------------ sign / verify


def test_sign_payload_matches_the_stripe_library() -> None:
    payload = json.dumps({"text": "救急难 Match ¥500"}, ensure_ascii=False).encode()
    ours = sign_payload(payload, SECRET, 1_795_451_712)
    theirs = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), SECRET, timestamp=1_795_451_712
    )
    assert ours == theirs
    assert ours.startswith("t=1795451712,v1=")


def test_sign_payload_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        sign_payload(b"{}", "")


def test_verify_event_accepts_a_valid_event_and_returns_a_plain_dict() -> None:
    event = make_event("checkout.session.completed", {"id": "cs_test_1", "metadata": {}})
    payload, header = signed(event)
    result = verify_event(payload, header, SECRET)
    assert result == event
    assert type(result) is dict
    assert type(result["data"]["object"]) is dict  # not a StripeObject


def test_verify_event_with_injected_clock() -> None:
    event = make_event("checkout.session.expired", {"id": "cs_test_2"})
    payload, header = signed(event, timestamp=1_700_000_000)
    # Real time is years later; with now= the library's own staleness check must not interfere.
    assert verify_event(payload, header, SECRET, now=1_700_000_100) == event
    assert verify_event(payload, header, SECRET, now=1_700_000_300) == event  # edge: exactly 300 s
    assert verify_event(payload, header, SECRET, now=1_699_999_700) == event  # 300 s early


def test_verify_event_accepts_any_matching_v1_signature() -> None:
    """During a webhook secret roll Stripe sends one v1 per secret."""
    payload, header = signed(make_event("charge.refunded", {"id": "ch_1"}))
    ts, good = header.split(",")
    rolled = f"{ts},v1={'0' * 64},{good},v0=deadbeef"
    assert verify_event(payload, rolled, SECRET)["type"] == "charge.refunded"


def test_tampered_body_is_rejected() -> None:
    payload, header = signed(make_event("checkout.session.completed", {"amount_total": 100}))
    tampered = payload.replace(b'"amount_total": 100', b'"amount_total": 900')
    assert tampered != payload
    with pytest.raises(WebhookError, match="signature mismatch"):
        verify_event(tampered, header, SECRET)


def test_wrong_secret_is_rejected() -> None:
    payload = json.dumps(make_event("checkout.session.completed", {})).encode()
    header = sign_payload(payload, "whsec_someone_else")
    with pytest.raises(WebhookError, match="signature mismatch"):
        verify_event(payload, header, SECRET)


@pytest.mark.parametrize("header", [None, ""])
def test_missing_header_is_rejected(header: str | None) -> None:
    with pytest.raises(WebhookError, match="missing signature header"):
        verify_event(b"{}", header, SECRET)


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "t=abc,v1=abcdef",
        "v1=abcdef",  # no timestamp
        "t=1795451712",  # no v1 signature
        "t=1795451712,v0=abcdef",  # only the legacy scheme
        "t=1795451712,v1=",
        "t=1,t=2,v1=abcdef",
        "t=-5,v1=abcdef",
        "t=1_795_451_712,v1=abcdef",  # int() would accept this, Stripe signs "%d"
        "t=1795451712;v1=abcdef",
        "t=1795451712,v1",
    ],
)
def test_malformed_header_is_rejected(header: str) -> None:
    with pytest.raises(WebhookError, match="malformed signature header"):
        verify_event(b"{}", header, SECRET)


def test_stale_timestamp_is_rejected_by_the_library_check() -> None:
    payload, header = signed(make_event("x", {}), timestamp=int(time.time()) - 301)
    with pytest.raises(WebhookError, match="timestamp too old"):
        verify_event(payload, header, SECRET)


def test_stale_timestamp_is_rejected_with_injected_clock() -> None:
    payload, header = signed(make_event("x", {}), timestamp=1_700_000_000)
    with pytest.raises(WebhookError, match="timestamp too old"):
        verify_event(payload, header, SECRET, now=1_700_000_301)
    with pytest.raises(WebhookError, match="timestamp too old"):
        verify_event(payload, header, SECRET, tolerance=60, now=1_700_000_061)


def test_future_timestamp_is_rejected() -> None:
    # a minute past the 300 s tolerance: verify_event reads the clock again, possibly a second later
    payload, header = signed(make_event("x", {}), timestamp=int(time.time()) + 360)
    with pytest.raises(WebhookError, match="timestamp in the future"):
        verify_event(payload, header, SECRET)
    payload, header = signed(make_event("x", {}), timestamp=1_700_000_000)
    with pytest.raises(WebhookError, match="timestamp in the future"):
        verify_event(payload, header, SECRET, now=1_699_999_699)


def test_timestamp_within_tolerance_ahead_is_accepted() -> None:
    """Small clock skew between Stripe and us is normal."""
    payload, header = signed(make_event("x", {}), timestamp=int(time.time()) + 120)
    assert verify_event(payload, header, SECRET)["type"] == "x"


@pytest.mark.parametrize("body", [b"not json", b"{", b"", b"{'single': 'quotes'}"])
def test_signed_non_json_body_is_rejected(body: bytes) -> None:
    with pytest.raises(WebhookError, match="payload is not JSON"):
        verify_event(body, sign_payload(body, SECRET), SECRET)


def test_signed_non_utf8_body_is_rejected() -> None:
    body = b'{"x": "\xff\xfe"}'
    with pytest.raises(WebhookError, match="payload is not UTF-8"):
        verify_event(body, sign_payload(body, SECRET), SECRET)


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2]",
        b"null",
        b'"text"',
        b"{}",
        b'{"id": "evt_1", "type": "x"}',
        b'{"id": "evt_1", "type": "x", "data": {"object": []}}',
        b'{"id": "evt_1", "object": "v2.core.event", "type": "x"}',
    ],
)
def test_signed_json_that_is_not_an_event_is_rejected(body: bytes) -> None:
    with pytest.raises(WebhookError, match="payload is not a Stripe event"):
        verify_event(body, sign_payload(body, SECRET), SECRET)


def test_configuration_errors_are_not_webhook_errors() -> None:
    payload, header = signed(make_event("x", {}))
    with pytest.raises(ValueError, match="STRIPE_WEBHOOK_SECRET"):
        verify_event(payload, header, "")
    with pytest.raises(ValueError, match="tolerance"):
        verify_event(payload, header, SECRET, tolerance=0)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(data_object=st.dictionaries(st.text(max_size=12), _json_values, max_size=6), data=st.data())
def test_signed_events_round_trip_and_any_byte_flip_is_caught(
    data_object: dict[str, Any], data: st.DataObject
) -> None:
    event = make_event("checkout.session.completed", data_object)
    payload = json.dumps(event, ensure_ascii=False).encode()
    header = sign_payload(payload, SECRET)
    assert verify_event(payload, header, SECRET) == event

    index = data.draw(st.integers(0, len(payload) - 1), label="index")
    flipped = bytearray(payload)
    flipped[index] ^= data.draw(st.integers(1, 255), label="xor")
    with pytest.raises(WebhookError):
        verify_event(bytes(flipped), header, SECRET)


# -------------------------------------------------------------------------- recorded payloads


def test_every_fixture_is_covered() -> None:
    assert {p.name for p in FIXTURES.glob("*.json")} == set(FIXTURE_TYPES)


@pytest.mark.parametrize(("name", "event_type"), sorted(FIXTURE_TYPES.items()))
def test_recorded_payloads_verify_and_parse(name: str, event_type: str) -> None:
    payload = fixture_bytes(name)  # the raw bytes, exactly as recorded
    event = verify_event(payload, sign_payload(payload, SECRET), SECRET)
    assert event["type"] == event_type
    assert event["object"] == "event"
    assert event["id"].startswith("evt_")
    assert event["livemode"] is False
    assert event["api_version"].startswith("2025-")
    obj = event["data"]["object"]
    assert obj["currency"] == "cny"
    assert obj["livemode"] is False
    paid_intent = fixture_event("checkout_session_completed.json")["data"]["object"][
        "payment_intent"
    ]

    if event_type.startswith("checkout.session."):
        payment_status, status = SESSION_STATES[name]
        assert obj["object"] == "checkout.session"
        assert obj["id"].startswith("cs_test_")
        assert obj["mode"] == "payment"
        assert obj["client_reference_id"] == "42"
        assert obj["metadata"] == {"pledge_id": "42"}
        assert obj["amount_total"] == AMOUNT_FEN
        assert (obj["payment_status"], obj["status"]) == (payment_status, status)
        if status == "expired":
            assert obj["payment_intent"] is None
        else:
            assert obj["payment_intent"].startswith("pi_")
    elif event_type == "charge.refunded":
        assert obj["object"] == "charge"
        assert obj["metadata"] == {"pledge_id": "42"}  # via payment_intent_data.metadata
        assert obj["payment_intent"] == paid_intent
        assert obj["refunded"] is True
        assert obj["amount_refunded"] == obj["amount"] == AMOUNT_FEN
        assert event["data"]["previous_attributes"] == {"amount_refunded": 0, "refunded": False}
        assert event["request"]["idempotency_key"] == "pledge-42-refund-50000"
    else:
        # A dispute carries no pledge metadata of its own: it is tied to the pledge through the
        # PaymentIntent (and Charge) recorded when the checkout session completed.
        assert obj["object"] == "dispute"
        assert obj["metadata"] == {}
        assert obj["payment_intent"] == paid_intent
        refunded_charge = fixture_event("charge_refunded.json")["data"]["object"]
        assert obj["charge"] == refunded_charge["id"]
        assert obj["amount"] == AMOUNT_FEN
        assert obj["status"] == "needs_response"


def test_async_fixtures_describe_the_same_session() -> None:
    sessions = {
        name: fixture_event(name)["data"]["object"]
        for name in (
            "checkout_session_completed_unpaid.json",
            "checkout_session_async_payment_succeeded.json",
            "checkout_session_async_payment_failed.json",
        )
    }
    assert len({s["id"] for s in sessions.values()}) == 1
    assert len({s["payment_intent"] for s in sessions.values()}) == 1


# ------------------------------------------------------------------------------- fake gateway


def _session_events(session_id: str) -> dict[str, dict[str, Any]]:
    args: dict[str, Any] = {
        "session_id": session_id,
        "pledge_id": PLEDGE_ID,
        "amount_fen": AMOUNT_FEN,
    }
    return {
        "checkout_session_completed.json": stripe_payloads.completed_event(**args),
        "checkout_session_completed_unpaid.json": stripe_payloads.completed_event(
            **args, payment_status="unpaid"
        ),
        "checkout_session_async_payment_succeeded.json": stripe_payloads.async_succeeded_event(
            **args
        ),
        "checkout_session_async_payment_failed.json": stripe_payloads.async_failed_event(**args),
        "checkout_session_expired.json": stripe_payloads.expired_event(**args),
    }


@pytest.mark.parametrize("name", sorted(SESSION_STATES))
def test_built_events_have_the_shape_of_recorded_ones(name: str) -> None:
    event = _session_events("cs_fake_0123456789abcdef01234567")[name]
    recorded = fixture_event(name)
    assert set(event) == set(recorded)
    assert set(event["data"]) == set(recorded["data"])
    obj, recorded_obj = event["data"]["object"], recorded["data"]["object"]
    assert set(obj) == set(recorded_obj)
    for key, value in recorded_obj.items():  # one level deeper where both are objects
        if isinstance(value, dict) and isinstance(obj[key], dict):
            assert set(obj[key]) == set(value), key
    assert event["type"] == recorded["type"]
    assert event["api_version"] == recorded["api_version"]
    for key in ("object", "currency", "mode", "client_reference_id", "metadata", "amount_total"):
        assert obj[key] == recorded_obj[key], key
    assert (obj["payment_status"], obj["status"]) == SESSION_STATES[name]
    assert (obj["payment_intent"] is None) == (recorded_obj["payment_intent"] is None)


def test_the_fake_pages_event_is_part_of_a_recorded_one() -> None:
    """What the fake checkout page sends: a real event's envelope, and fields of a paid session
    that a recorded event has too, with the values a complete Stripe-shaped session has."""
    session_id = "cs_fake_0123456789abcdef01234567"
    sent = FakeGateway(fake_url).completed_event(
        session_id=session_id, pledge_id=PLEDGE_ID, amount_fen=AMOUNT_FEN
    )
    recorded = fixture_event("checkout_session_completed.json")
    full = _session_events(session_id)["checkout_session_completed.json"]
    assert set(sent) == set(recorded)
    assert set(sent["data"]) == set(recorded["data"])
    obj, full_obj = sent["data"]["object"], full["data"]["object"]
    assert set(obj) <= set(recorded["data"]["object"])
    for key in ("type", "object", "api_version", "livemode", "pending_webhooks", "request"):
        assert sent[key] == full[key], key
    for key, value in obj.items():
        if key not in ("created", "expires_at"):  # clock readings
            assert value == full_obj[key], key
    assert obj["expires_at"] - obj["created"] == full_obj["expires_at"] - full_obj["created"]
    assert sent["id"].startswith("evt_fake_")


def test_fake_events_survive_the_webhook_path() -> None:
    """What the fake checkout page does: json.dumps, sign, hand to the production verifier."""
    fake = FakeGateway(fake_url)
    session = fake.create_checkout(
        pledge_id=PLEDGE_ID,
        amount_fen=AMOUNT_FEN,
        description="认捐 #42",
        success_url="http://localhost/ok",
        cancel_url="http://localhost/cancel",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    events = _session_events(session.id)
    events["fake page"] = fake.completed_event(
        session_id=session.id, pledge_id=PLEDGE_ID, amount_fen=AMOUNT_FEN
    )
    for event in events.values():
        payload = json.dumps(event).encode()
        assert verify_event(payload, sign_payload(payload, SECRET), SECRET) == event
        assert event["id"].startswith("evt_fake_")
        assert event["data"]["object"]["id"] == session.id
    assert len({e["id"] for e in events.values()}) == len(events)
    intents = {e["data"]["object"]["payment_intent"] for e in events.values()}
    assert intents == {None, FakeGateway.payment_intent_for(session.id)}
    assert FakeGateway.payment_intent_for(session.id).startswith("pi_fake_")


def test_fake_create_checkout_and_refund() -> None:
    fake = FakeGateway(fake_url)
    assert fake.name == "fake"
    assert isinstance(fake, PaymentGateway)
    expires = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC)
    session = fake.create_checkout(
        pledge_id=7,
        amount_fen=12_345,
        description="认捐",
        success_url="http://localhost/ok",
        cancel_url="http://localhost/cancel",
        expires_at=expires,  # the fake does not apply Stripe's 30 min..24 h window
        customer_email="donor@example.org",
    )
    assert isinstance(session, CheckoutSession)
    assert session.id.startswith("cs_fake_")
    assert session.url == fake_url(session.id)
    assert session.expires_at == expires.replace(microsecond=0)
    assert session.expires_at.tzinfo is UTC
    assert fake.checkouts[-1].pledge_id == 7
    assert fake.checkouts[-1].customer_email == "donor@example.org"

    other = fake.create_checkout(
        pledge_id=7,
        amount_fen=12_345,
        description="认捐",
        success_url="http://localhost/ok",
        cancel_url="http://localhost/cancel",
        expires_at=expires,
    )
    assert other.id != session.id

    refund_id = fake.refund(payment_intent="pi_fake_1", amount_fen=100, pledge_id=7)
    assert refund_id.startswith("re_fake_")
    assert fake.refunds[-1].refund_id == refund_id
    assert fake.refunds[-1].amount_fen == 100


@pytest.mark.parametrize(
    "override",
    [
        {"amount_fen": 0},
        {"amount_fen": -100},
        {"amount_fen": True},
        {"amount_fen": 10.5},
        {"pledge_id": 0},
        {"description": " "},
        {"success_url": ""},
        {"expires_at": datetime(2026, 11, 24, 9, 30)},  # naive
    ],
)
def test_create_checkout_validates_arguments(override: dict[str, Any]) -> None:
    args: dict[str, Any] = {
        "pledge_id": 1,
        "amount_fen": 100,
        "description": "认捐",
        "success_url": "http://localhost/ok",
        "cancel_url": "http://localhost/cancel",
        "expires_at": datetime.now(UTC) + timedelta(hours=1),
    }
    args.update(override)
    with pytest.raises(ValueError, match="must be"):
        FakeGateway(fake_url).create_checkout(**args)


@pytest.mark.parametrize("override", [{"amount_fen": 0}, {"pledge_id": -1}, {"payment_intent": ""}])
def test_fake_refund_validates_arguments(override: dict[str, Any]) -> None:
    args: dict[str, Any] = {"payment_intent": "pi_fake_1", "amount_fen": 100, "pledge_id": 1}
    args.update(override)
    with pytest.raises(ValueError, match="must be"):
        FakeGateway(fake_url).refund(**args)


def test_payload_builders() -> None:
    obj = checkout_session_object(session_id="cs_test_x", pledge_id=9, amount_fen=500)
    assert obj["client_reference_id"] == "9"
    assert obj["metadata"] == {"pledge_id": "9"}
    assert obj["url"] is None  # complete sessions have no URL
    assert checkout_session_object(
        session_id="cs_test_x", pledge_id=9, amount_fen=500, status="open", payment_status="unpaid"
    )["url"].endswith("cs_test_x")
    with pytest.raises(ValueError, match="payment_status"):
        checkout_session_object(session_id="x", pledge_id=1, amount_fen=1, payment_status="ok")
    with pytest.raises(ValueError, match="status"):
        checkout_session_object(session_id="x", pledge_id=1, amount_fen=1, status="done")

    event = make_event("checkout.session.completed", obj, event_id="evt_given", created=123)
    assert (event["id"], event["created"], event["livemode"]) == ("evt_given", 123, False)
    assert event["data"]["object"] == obj
    assert event["data"]["object"] is not obj  # copied, later edits do not leak
    assert make_event("x", {})["id"] != make_event("x", {})["id"]


# ------------------------------------------------------- Stripe gateway against a local stub


@dataclass
class StubRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class StubStripe:
    """State shared with the request handler: what arrived and what to answer next."""

    base_url: str = ""
    requests: list[StubRequest] = field(default_factory=list)
    error: tuple[int, dict[str, Any]] | None = None


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True
    stub: StubStripe


class _StubHandler(BaseHTTPRequestHandler):
    server: _StubServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        form = parse_qs(body, keep_blank_values=True)
        stub = self.server.stub
        stub.requests.append(StubRequest("POST", self.path, dict(self.headers.items()), form))
        if stub.error is not None:
            status, answer = stub.error
        elif self.path == "/v1/checkout/sessions":
            status, answer = 200, self._session(form)
        elif self.path == "/v1/refunds":
            status, answer = 200, self._refund(form)
        else:
            status, answer = 404, {"error": {"type": "invalid_request_error", "message": "nope"}}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_stub")
        self.end_headers()
        self.wfile.write(data)

    @staticmethod
    def _session(form: dict[str, list[str]]) -> dict[str, Any]:
        return checkout_session_object(
            session_id="cs_test_a1StubSession",
            pledge_id=int(form["client_reference_id"][0]),
            amount_fen=int(form["line_items[0][price_data][unit_amount]"][0]),
            payment_status="unpaid",
            status="open",
            expires_at=int(form["expires_at"][0]),
        )

    @staticmethod
    def _refund(form: dict[str, list[str]]) -> dict[str, Any]:
        return {
            "id": "re_3StubRefund",
            "object": "refund",
            "amount": int(form["amount"][0]),
            "currency": "cny",
            "metadata": {"pledge_id": form["metadata[pledge_id]"][0]},
            "payment_intent": form["payment_intent"][0],
            "status": "succeeded",
        }

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stub_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubStripe]:
    """A stand-in for api.stripe.com on 127.0.0.1 with an ephemeral port."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = _StubServer(("127.0.0.1", 0), _StubHandler)
    server.stub = StubStripe(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def stripe_gateway(stub_stripe: StubStripe) -> Iterator[StripeGateway]:
    gateway = StripeGateway("sk_test_unit", api_base=stub_stripe.base_url, max_network_retries=0)
    yield gateway
    gateway.close()


def _checkout_args(**override: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "pledge_id": PLEDGE_ID,
        "amount_fen": AMOUNT_FEN,
        "description": "认捐 #42:王女士住院自付费用",
        "success_url": "https://match.example.org/pledges/42/done?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://match.example.org/pledges/42/cancelled",
        "expires_at": datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2),
    }
    args.update(override)
    return args


def test_stripe_create_checkout_request(
    stub_stripe: StubStripe, stripe_gateway: StripeGateway
) -> None:
    args = _checkout_args(customer_email="donor42@example.org")
    session = stripe_gateway.create_checkout(**args)

    assert session == CheckoutSession(
        id="cs_test_a1StubSession",
        url="https://checkout.stripe.com/c/pay/cs_test_a1StubSession",
        expires_at=args["expires_at"],
    )
    assert session.expires_at.tzinfo is UTC
    [request] = stub_stripe.requests
    assert (request.method, request.path) == ("POST", "/v1/checkout/sessions")
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["idempotency-key"] == "pledge-42-checkout"
    assert headers["authorization"] == "Bearer sk_test_unit"
    assert headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert headers["stripe-version"] == stripe.api_version
    form = {key: values[0] for key, values in request.form.items()}
    assert all(len(values) == 1 for values in request.form.values())
    assert form == {
        "mode": "payment",
        "currency": "cny",
        "line_items[0][price_data][currency]": "cny",
        "line_items[0][price_data][unit_amount]": "50000",
        "line_items[0][price_data][product_data][name]": args["description"],
        "line_items[0][quantity]": "1",
        "allowed_payment_method_types[0]": "card",
        "allowed_payment_method_types[1]": "alipay",
        "allowed_payment_method_types[2]": "wechat_pay",
        "payment_method_options[wechat_pay][client]": "web",
        "client_reference_id": "42",
        "metadata[pledge_id]": "42",
        "payment_intent_data[metadata][pledge_id]": "42",
        "success_url": args["success_url"],
        "cancel_url": args["cancel_url"],
        "expires_at": str(int(args["expires_at"].timestamp())),
        "customer_email": "donor42@example.org",
    }


def test_stripe_create_checkout_without_email(
    stub_stripe: StubStripe, stripe_gateway: StripeGateway
) -> None:
    stripe_gateway.create_checkout(**_checkout_args(customer_email=None))
    assert "customer_email" not in stub_stripe.requests[0].form


@pytest.mark.parametrize(
    "expires_in", [timedelta(minutes=29), timedelta(hours=24, minutes=1), -timedelta(hours=1)]
)
def test_stripe_create_checkout_checks_the_expiry_window(
    stub_stripe: StubStripe, stripe_gateway: StripeGateway, expires_in: timedelta
) -> None:
    with pytest.raises(ValueError, match="30 minutes and 24 hours"):
        stripe_gateway.create_checkout(**_checkout_args(expires_at=datetime.now(UTC) + expires_in))
    assert stub_stripe.requests == []


def test_stripe_errors_propagate(stub_stripe: StubStripe, stripe_gateway: StripeGateway) -> None:
    stub_stripe.error = (
        400,
        {
            "error": {
                "type": "idempotency_error",
                "message": "Keys for idempotent requests can only be used with the same "
                "parameters they were first used with.",
            }
        },
    )
    with pytest.raises(stripe.IdempotencyError):
        stripe_gateway.create_checkout(**_checkout_args())


def test_stripe_refund_request(stub_stripe: StubStripe, stripe_gateway: StripeGateway) -> None:
    refund_id = stripe_gateway.refund(
        payment_intent="pi_3SXk3kE8kq4LRt0f0YbN7cQa", amount_fen=20_000, pledge_id=PLEDGE_ID
    )
    assert refund_id == "re_3StubRefund"
    [request] = stub_stripe.requests
    assert (request.method, request.path) == ("POST", "/v1/refunds")
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["idempotency-key"] == "pledge-42-refund-20000"
    assert request.form == {
        "payment_intent": ["pi_3SXk3kE8kq4LRt0f0YbN7cQa"],
        "amount": ["20000"],
        "metadata[pledge_id]": ["42"],
    }


def test_stripe_gateway_refuses_live_key_with_custom_api_base() -> None:
    with pytest.raises(ValueError, match="live"):
        StripeGateway("sk_live_abc", api_base="http://127.0.0.1:1")
    with pytest.raises(ValueError, match="secret_key"):
        StripeGateway("")


# -------------------------------------------------------------------------------- get_gateway


def test_get_gateway_fake() -> None:
    gateway = get_gateway({"PAYMENT_GATEWAY": "fake", "APP_ENV": "testing"}, fake_url)
    assert isinstance(gateway, FakeGateway)
    assert isinstance(gateway, PaymentGateway)
    assert gateway.name == "fake"
    session = gateway.create_checkout(**_checkout_args())
    assert session.url == fake_url(session.id)


def test_get_gateway_stripe(stub_stripe: StubStripe) -> None:
    config = {
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_from_config",
        "STRIPE_API_BASE": stub_stripe.base_url,
    }
    gateway = get_gateway(config, fake_url)
    assert isinstance(gateway, StripeGateway)
    assert isinstance(gateway, PaymentGateway)
    assert gateway.name == "stripe"
    gateway.create_checkout(**_checkout_args())
    gateway.close()
    [request] = stub_stripe.requests  # api_base was honoured
    assert request.headers["Authorization"] == "Bearer sk_test_from_config"


def test_get_gateway_stripe_without_api_base() -> None:
    gateway = get_gateway({"PAYMENT_GATEWAY": "stripe", "STRIPE_SECRET_KEY": "sk_test_x"}, fake_url)
    assert isinstance(gateway, StripeGateway)


@pytest.mark.parametrize(
    "config",
    [
        {"PAYMENT_GATEWAY": "paypal"},
        {"PAYMENT_GATEWAY": "Stripe"},
        {"PAYMENT_GATEWAY": ""},
        {"PAYMENT_GATEWAY": None},
        {},
        {"PAYMENT_GATEWAY": "stripe"},  # no secret key
        {"PAYMENT_GATEWAY": "stripe", "STRIPE_SECRET_KEY": ""},
    ],
)
def test_get_gateway_refuses_bad_configuration(config: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="PAYMENT_GATEWAY"):
        get_gateway(config, fake_url)


@pytest.mark.parametrize("app_env", ["production", "staging", None])
def test_get_gateway_refuses_the_fake_outside_development_and_testing(app_env: str | None) -> None:
    with pytest.raises(ValueError, match="fake payment gateway"):
        get_gateway({"PAYMENT_GATEWAY": "fake", "APP_ENV": app_env}, fake_url)
