"""Pledges, reservations, the webhook and fallbacks, through the real app and database."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.cases.models import Case
from marketplace.db_types import utcnow
from marketplace.donors import services as donors
from marketplace.donors.models import Fallback, Pledge, PledgeStatus
from marketplace.donors.services import pool_code
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.models import JournalEntry
from marketplace.payments.fake_gateway import FakeGateway
from marketplace.payments.gateway import sign_payload
from tests import stripe_payloads
from tests.conftest import case_payload, csrf_from, login, make_user, token_for

NEED = 3_800_000
SECRET = "whsec_test"


def _published(client: Any, **overrides: Any) -> Case:
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer))
    ref = client.post("/api/v1/cases", json=case_payload(**overrides), headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    assert (
        client.post(
            f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv
        ).status_code
        == 200
    )
    return db.session.scalar(select(Case).where(Case.ref == ref))


def _event(pledge: Pledge, kind: str = "completed", **kw: Any) -> dict[str, Any]:
    maker = {
        "completed": stripe_payloads.completed_event,
        "expired": stripe_payloads.expired_event,
        "async_ok": stripe_payloads.async_succeeded_event,
        "async_failed": stripe_payloads.async_failed_event,
    }[kind]
    return maker(
        session_id=pledge.checkout_session_id or "cs_x",
        pledge_id=pledge.id,
        amount_fen=pledge.amount_fen,
        **kw,
    )


def _post_event(
    client: Any, event: dict[str, Any], secret: str = SECRET, ts: int | None = None
) -> Any:
    payload = json.dumps(event).encode()
    return client.post(
        "/api/v1/payments/stripe/webhook",
        data=payload,
        headers={
            "Stripe-Signature": sign_payload(payload, secret, ts),
            "Content-Type": "application/json",
        },
    )


def _api_pledge(client: Any, headers: dict[str, str], case: Case, amount: int, **extra: Any) -> Any:
    return client.post(
        "/api/v1/pledges",
        json={"case_ref": case.ref, "amount_fen": amount, **extra},
        headers=headers,
    )


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(JournalEntry)) or 0


def test_donor_pledges_pays_on_fake_checkout_and_case_shows_it(ctx: Any, client: Any) -> None:
    case = _published(client)
    donor = make_user(Role.donor)
    login(client, donor.email)
    page = client.get(f"/cases/{case.ref}", headers={"Accept-Language": "en"})
    assert "Continue to payment" in page.text
    started = client.post(
        f"/cases/{case.ref}/pledge",
        data={
            "amount": "1,000.50",
            "anonymous": "y",
            "fallback": "similar",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert started.status_code == 302
    checkout_url = started.headers["Location"]
    assert "/payments/fake/checkout/cs_fake_" in checkout_url
    checkout = client.get(checkout_url)
    assert "¥1,000.50" in checkout.text
    paid = client.post(checkout_url, data={"csrf_token": csrf_from(checkout.text)})
    assert paid.status_code == 302
    detail_page = client.get(paid.headers["Location"], headers={"Accept-Language": "en"})
    assert detail_page.status_code == 200 and "Gift received" in detail_page.text
    pledge = db.session.scalars(select(Pledge)).one()
    assert pledge.status == PledgeStatus.paid and pledge.placed_case_id == case.id
    public = client.get(f"/api/v1/cases/{case.ref}").json
    assert public["funded_fen"] == 100_050 and public["open_fen"] == NEED - 100_050
    detail = client.application.test_client().get(
        f"/cases/{case.ref}", headers={"Accept-Language": "en"}
    )
    assert "爱心人士" in detail.text and "¥1,000.50" in detail.text
    assert donor.display_name not in detail.text and donor.email not in detail.text
    home = client.get("/", headers={"Accept-Language": "en"})
    assert "¥1,000.50" in home.text  # raised, from the ledger
    mine = client.get("/me/pledges", headers={"Accept-Language": "en"})
    assert case.ref in mine.text and "Paid" in mine.text
    assert ledger.verify() == []
    db.session.refresh(case)
    assert case.committed_fen == 100_050


def test_reservation_blocks_the_last_amount_until_released(ctx: Any, client: Any) -> None:
    case = _published(client)
    first = token_for(make_user(Role.donor))
    second = token_for(make_user(Role.donor))
    took = _api_pledge(client, first, case, NEED - 50_000)
    assert took.status_code == 201 and took.json["checkout_url"].startswith("http")
    too_much = _api_pledge(client, second, case, 50_001, fallback="refund")
    assert too_much.status_code == 409 and too_much.json["error"] == "exceeds_open_amount"
    assert too_much.json["details"]["available_fen"] == 50_000
    assert _api_pledge(client, second, case, 50_000).status_code == 201
    assert _api_pledge(client, second, case, 100).status_code == 409
    # the first checkout runs out: the job releases its reservation
    pledge = db.session.get(Pledge, took.json["pledge"]["id"])
    pledge.reserved_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = client.application.test_cli_runner().invoke(
        args=["jobs", "run", "release-reservations"]
    )
    assert result.exit_code == 0, result.output
    assert _api_pledge(client, second, case, NEED - 50_000).status_code == 201
    again = client.application.test_cli_runner().invoke(
        args=["jobs", "run", "release-reservations"]
    )
    assert "'released': 0" in again.output or '"released": 0' in again.output


def test_pledge_validation(ctx: Any, client: Any) -> None:
    case = _published(client)
    donor = token_for(make_user(Role.donor))
    worker = token_for(make_user(Role.social_worker, org_name="某街道"))
    assert _api_pledge(client, donor, case, 99).status_code == 422
    assert _api_pledge(client, donor, case, 12.5).status_code == 422  # type: ignore[arg-type]
    assert _api_pledge(client, worker, case, 1000).status_code == 403
    assert (
        client.post("/api/v1/pledges", json={"amount_fen": 1000}, headers=donor).status_code == 422
    )
    assert (
        client.post("/api/v1/pledges", json={"case_ref": case.ref, "amount_fen": 1000}).status_code
        == 401
    )
    assert (
        _api_pledge(client, donor, case, 1000, need_line_id=case.need_lines[1].id).status_code
        == 422
    )
    assert db.session.scalar(select(func.count()).select_from(Pledge)) == 0


@pytest.mark.parametrize(
    "tamper",
    ["body", "secret", "missing", "stale", "future", "not_json"],
)
def test_webhook_refuses_bad_signatures(ctx: Any, client: Any, tamper: str) -> None:
    case = _published(client)
    donor = token_for(make_user(Role.donor))
    pledge = db.session.get(Pledge, _api_pledge(client, donor, case, 10_000).json["pledge"]["id"])
    payload = json.dumps(_event(pledge)).encode()
    header = sign_payload(payload, SECRET)
    if tamper == "body":
        payload = payload.replace(b'"amount_total": 10000', b'"amount_total": 99999')
    elif tamper == "secret":
        header = sign_payload(payload, "whsec_wrong")
    elif tamper == "missing":
        header = None
    elif tamper == "stale":
        header = sign_payload(payload, SECRET, int(time.time()) - 3600)
    elif tamper == "future":
        header = sign_payload(payload, SECRET, int(time.time()) + 3600)
    elif tamper == "not_json":
        payload = b"not json"
        header = sign_payload(payload, SECRET)
    headers = {"Stripe-Signature": header} if header else {}
    response = client.post("/api/v1/payments/stripe/webhook", data=payload, headers=headers)
    assert response.status_code == 400 and response.json["error"] == "invalid_signature"
    db.session.refresh(pledge)
    assert pledge.status == PledgeStatus.pending and _entries() == 0


def test_same_event_ten_times_gives_one_entry(ctx: Any, client: Any) -> None:
    case = _published(client)
    donor = token_for(make_user(Role.donor))
    pledge = db.session.get(Pledge, _api_pledge(client, donor, case, 10_000).json["pledge"]["id"])
    event = _event(pledge)
    outcomes = [_post_event(client, event).json["outcome"] for _ in range(10)]
    assert outcomes[0] == "paid" and set(outcomes[1:]) == {"duplicate"}
    # a different event id for the same payment changes nothing either
    assert _post_event(client, _event(pledge)).json["outcome"] == "already_paid"
    assert _entries() == 1 and ledger.verify() == []


def test_same_event_concurrently_gives_one_entry(ctx: Any, client: Any, app: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    case = _published(client)
    donor = token_for(make_user(Role.donor))
    pledge = db.session.get(Pledge, _api_pledge(client, donor, case, 10_000).json["pledge"]["id"])
    event = _event(pledge)
    barrier = threading.Barrier(10)
    codes: list[int] = []

    def deliver() -> None:
        barrier.wait()
        codes.append(_post_event(app.test_client(), event).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(c in (200, 409) for c in codes) and codes.count(200) >= 1, codes
    assert _entries() == 1 and ledger.verify() == []


@pytest.mark.parametrize(
    "order",
    [
        ("completed", "expired"),
        ("expired", "completed"),
        ("async_failed", "async_ok"),
        ("async_ok", "async_failed"),
    ],
)
def test_out_of_order_events_end_paid(ctx: Any, client: Any, order: tuple[str, str]) -> None:
    case = _published(client)
    donor = token_for(make_user(Role.donor))
    pledge = db.session.get(Pledge, _api_pledge(client, donor, case, 10_000).json["pledge"]["id"])
    for kind in order:
        assert _post_event(client, _event(pledge, kind)).status_code == 200
    db.session.refresh(pledge)
    db.session.refresh(case)
    assert pledge.status == PledgeStatus.paid
    assert client.get(f"/api/v1/cases/{case.ref}").json["funded_fen"] == 10_000
    assert case.committed_fen == 10_000 and _entries() == 1 and ledger.verify() == []


def test_unpaid_completion_waits_for_async_result(ctx: Any, client: Any) -> None:
    case = _published(client)
    donor = token_for(make_user(Role.donor))
    pledge = db.session.get(Pledge, _api_pledge(client, donor, case, 10_000).json["pledge"]["id"])
    assert (
        _post_event(client, _event(pledge, payment_status="unpaid")).json["outcome"]
        == "awaiting_async_payment"
    )
    assert _entries() == 0
    assert _post_event(client, _event(pledge, "async_ok")).json["outcome"] == "paid"


def test_unknown_pledge_is_retried(ctx: Any, client: Any) -> None:
    event = FakeGateway(lambda s: s).completed_event(
        session_id="cs_x", pledge_id=987654, amount_fen=100
    )
    response = _post_event(client, event)
    assert response.status_code == 404 and response.json["error"] == "unknown_pledge"
    from marketplace.payments.models import PaymentEvent

    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 0


@pytest.mark.parametrize("fallback", ["similar", "refund"])
def test_late_payment_on_full_case_follows_fallback(ctx: Any, client: Any, fallback: str) -> None:
    full = _published(client)
    other = _published(client)
    late_donor = make_user(Role.donor)
    late = donors.create_case_pledge(late_donor, full, 20_000, fallback=Fallback(fallback))
    late.checkout_session_id = "cs_late"
    db.session.commit()
    # its reservation lapses and someone else fills the case
    late.reserved_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    donors.release_expired_reservations()
    db.session.commit()
    filler = donors.create_case_pledge(make_user(Role.donor), full, NEED)
    donors.record_payment(filler)
    db.session.commit()
    outcome = _post_event(client, _event(late)).json["outcome"]
    db.session.refresh(late)
    assert client.get(f"/api/v1/cases/{full.ref}").json["funded_fen"] == NEED  # never overfunded
    if fallback == "similar":
        assert outcome == "fallback_similar" and late.placed_case_id == other.id
        assert client.get(f"/api/v1/cases/{other.ref}").json["funded_fen"] == 20_000
    else:
        assert outcome == "fallback_refund" and late.status == PledgeStatus.refunded
        assert ledger.platform_totals()["refunded_fen"] == 20_000
        late.payment_intent = late.payment_intent or "pi_fake_late"
        db.session.commit()
        sent = client.application.test_cli_runner().invoke(args=["jobs", "run", "send-refunds"])
        assert sent.exit_code == 0, sent.output
        db.session.refresh(late)
        assert late.refund_id and late.refund_id.startswith("re_")
    assert late.notice and full.ref in late.notice  # the donor is told
    assert ledger.verify() == []


def test_rule_pledge_paid_then_expired_goes_to_a_fitting_case(ctx: Any, client: Any) -> None:
    case = _published(client)
    donor = token_for(make_user(Role.donor))
    created = client.post(
        "/api/v1/pledges",
        json={"rule": {"categories": ["medical"], "region": "4210"}, "amount_fen": 30_000},
        headers=donor,
    )
    assert created.status_code == 201, created.json
    pledge = db.session.get(Pledge, created.json["pledge"]["id"])
    assert _post_event(client, _event(pledge)).json["outcome"] == "paid"
    pool = pool_code(pledge)
    assert ledger.balance(pool) == 30_000
    pledge.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    result = client.application.test_cli_runner().invoke(args=["jobs", "run", "expire-pledges"])
    assert result.exit_code == 0, result.output
    db.session.refresh(pledge)
    assert pledge.placed_case_id == case.id and ledger.balance(pool) == 0
    assert client.get(f"/api/v1/cases/{case.ref}").json["funded_fen"] == 30_000
    again = client.application.test_cli_runner().invoke(args=["jobs", "run", "expire-pledges"])
    assert "'moved': 0" in again.output or '"moved": 0' in again.output
    assert ledger.verify() == []


def test_fifty_concurrent_donors_never_overfund(ctx: Any, client: Any, app: Any) -> None:
    """50 donors pledge 5 yuan each at once against a case with 100 yuan left."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    case = _published(client)
    filler = donors.create_case_pledge(make_user(Role.donor), case, NEED - 10_000)
    donors.record_payment(filler)
    db.session.commit()
    ids = [make_user(Role.donor).id for _ in range(50)]
    case_id = case.id
    answers: list[str] = []
    barrier = threading.Barrier(50)

    def pledge_and_pay(user_id: int) -> None:
        with app.app_context():
            from marketplace.accounts.models import User
            from marketplace.errors import Conflict

            barrier.wait()
            try:
                p = donors.create_case_pledge(
                    db.session.get(User, user_id), db.session.get(Case, case_id), 500
                )
                db.session.commit()
                donors.record_payment(p)
                db.session.commit()
                answers.append("paid")
            except Conflict as exc:
                db.session.rollback()
                answers.append(exc.code)

    threads = [threading.Thread(target=pledge_and_pay, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 50
    assert answers.count("paid") == 20 and answers.count("exceeds_open_amount") == 30, answers
    assert client.get(f"/api/v1/cases/{case.ref}").json["funded_fen"] == NEED
    assert ledger.verify() == []


def test_pledge_status_api_is_private(ctx: Any, client: Any) -> None:
    case = _published(client)
    owner = token_for(make_user(Role.donor))
    stranger = token_for(make_user(Role.donor))
    pid = _api_pledge(client, owner, case, 1000).json["pledge"]["id"]
    assert client.get(f"/api/v1/pledges/{pid}", headers=owner).json["status"] == "pending"
    assert client.get(f"/api/v1/pledges/{pid}", headers=stranger).status_code == 404
    assert re.match(r"^\d+$", str(pid))
