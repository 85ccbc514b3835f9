"""The webhook against recorded Stripe-format payloads (tests/fixtures/stripe), signed the way
Stripe signs, delivered to the real route: paid, async, expired, refunded, disputed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.cases.models import Case
from marketplace.donors import services as donors
from marketplace.donors.models import Pledge, PledgeStatus
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.payments.gateway import sign_payload
from tests.conftest import case_payload, make_user, token_for

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stripe"


def _recorded(name: str, pledge: Pledge) -> bytes:
    """The recorded payload with its pledge id (42) pointed at a pledge of this database."""
    text = (FIXTURES / f"{name}.json").read_text()
    event = json.loads(text.replace('"42"', f'"{pledge.id}"'))
    return json.dumps(event).encode()


def _send(client: Any, payload: bytes) -> Any:
    return client.post(
        "/api/v1/payments/stripe/webhook",
        data=payload,
        headers={
            "Stripe-Signature": sign_payload(payload, "whsec_test"),
            "Content-Type": "application/json",
        },
    )


def _pledge(client: Any) -> tuple[Pledge, Case]:
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer))
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    pledge = donors.create_case_pledge(make_user(Role.donor), case, 50_000)
    db.session.commit()
    return pledge, case


def test_paid_then_refunded_then_disputed(ctx: Any, client: Any) -> None:
    pledge, case = _pledge(client)
    assert _send(client, _recorded("checkout_session_completed", pledge)).json["outcome"] == "paid"
    db.session.refresh(pledge)
    assert pledge.payment_intent == "pi_3SXk3kE8kq4LRt0f0YbN7cQa"
    assert client.get(f"/api/v1/cases/{case.ref}").json["funded_fen"] == 50_000
    assert _send(client, _recorded("charge_refunded", pledge)).json["outcome"] == "refunded"
    db.session.refresh(pledge)
    assert pledge.status == PledgeStatus.refunded and pledge.refund_id  # nothing left to send
    assert client.get(f"/api/v1/cases/{case.ref}").json["funded_fen"] == 0
    assert (
        _send(client, _recorded("charge_dispute_created", pledge)).json["outcome"]
        == "dispute_recorded"
    )
    assert ledger.verify() == []


def test_async_methods(ctx: Any, client: Any) -> None:
    pledge, case = _pledge(client)
    assert _send(client, _recorded("checkout_session_completed_unpaid", pledge)).json[
        "outcome"
    ] == ("awaiting_async_payment")
    assert (
        _send(client, _recorded("checkout_session_async_payment_succeeded", pledge)).json["outcome"]
        == "paid"
    )
    failed = _send(client, _recorded("checkout_session_async_payment_failed", pledge)).json
    assert failed["outcome"] == "noop"  # arrives late: the payment already succeeded
    db.session.refresh(pledge)
    assert pledge.status == PledgeStatus.paid


def test_expired_releases_the_reservation(ctx: Any, client: Any) -> None:
    pledge, case = _pledge(client)
    assert case.committed_fen == 50_000
    assert (
        _send(client, _recorded("checkout_session_expired", pledge)).json["outcome"] == "released"
    )
    db.session.refresh(case)
    db.session.refresh(pledge)
    assert case.committed_fen == 0 and pledge.status == PledgeStatus.expired
