"""External calls after commit (issue 11, point 5): every checkout start reserves and creates the
pending pledge, commits, calls the gateway with no transaction open and no row lock held, then
records the session; a gateway that fails leaves a failed pledge and no reservation behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import stripe
from flask import Flask, url_for
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.models import Case
from marketplace.db_types import utcnow
from marketplace.donors import funds
from marketplace.donors import services as donors
from marketplace.donors.models import Pledge, PledgeStatus
from marketplace.extensions import db
from marketplace.payments.fake_gateway import FakeGateway
from marketplace.payments.gateway import CheckoutSession
from tests.conftest import case_payload, csrf_from, login, make_user, token_for

NEED = 3_800_000


class ObservingGateway:
    """A fake gateway that notes, at the moment ``create_checkout`` runs, whether the app's
    session is inside a transaction and (PostgreSQL) whether another connection can lock the
    case row without waiting; with ``error`` set it then fails as the gateway would."""

    name = "fake"

    def __init__(self) -> None:
        self.inner = FakeGateway(
            lambda sid: url_for("payments.fake_checkout", session_id=sid, _external=True)
        )
        self.case_id: int | None = None
        self.error: Exception | None = None
        self.in_transaction: list[bool] = []
        self.case_row_free: list[bool] = []

    def create_checkout(self, **kwargs: Any) -> CheckoutSession:
        self.in_transaction.append(db.session().in_transaction())  # the request's Session
        if self.case_id is not None and db.engine.dialect.name == "postgresql":
            self.case_row_free.append(_can_lock_case_row(self.case_id))
        if self.error is not None:
            raise self.error
        return self.inner.create_checkout(**kwargs)

    def refund(self, *, payment_intent: str, amount_fen: int, pledge_id: int) -> str:
        return self.inner.refund(
            payment_intent=payment_intent, amount_fen=amount_fen, pledge_id=pledge_id
        )


def _can_lock_case_row(case_id: int) -> bool:
    """From a second connection: can the case row be locked right now, without waiting?"""
    with db.engine.connect() as other:
        try:
            other.execute(
                text("SELECT id FROM cases WHERE id = :id FOR UPDATE NOWAIT"), {"id": case_id}
            )
        except OperationalError:  # lock_not_available: someone holds the row
            return False
        finally:
            other.rollback()
    return True


@pytest.fixture
def observed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> ObservingGateway:
    """The app's gateway, for this test only."""
    gateway = ObservingGateway()
    monkeypatch.setitem(app.extensions, "payment_gateway", gateway)
    return gateway


def _published(client: Any) -> Case:
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer))
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    return db.session.scalars(select(Case).where(Case.ref == ref)).one()


def _case_pledge_by_form(client: Any, case: Case, amount: str = "1000") -> Any:
    login(client, make_user(Role.donor).email)
    page = client.get(f"/cases/{case.ref}")
    return client.post(
        f"/cases/{case.ref}/pledge",
        data={"amount": amount, "fallback": "similar", "csrf_token": csrf_from(page.text)},
        headers={"Accept-Language": "en"},
    )


def _rule_pledge_by_api(client: Any) -> Any:
    return client.post(
        "/api/v1/pledges",
        json={"rule": {"categories": ["medical"]}, "amount_fen": 30_000},
        headers=token_for(make_user(Role.donor)),
    )


def _fund_deposit_by_form(client: Any) -> Any:
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    fund = funds.create_fund(
        staff,
        {"name": "助学基金", "budget_fen": 5_000_000, "categories": ["education"], "region": ""},
    )
    db.session.commit()
    login(client, staff.email)
    page = client.get(f"/company/funds/{fund.id}")
    return client.post(
        f"/company/funds/{fund.id}", data={"amount": "8000", "csrf_token": csrf_from(page.text)}
    )


def _only_pledge() -> Pledge:
    db.session.rollback()  # see what the requests committed
    return db.session.scalars(select(Pledge)).one()


@pytest.mark.parametrize("flow", ["case_form", "case_api", "rule_api", "fund_form"])
def test_the_gateway_is_called_with_no_transaction_open(
    ctx: Any, client: Any, observed: ObservingGateway, flow: str
) -> None:
    if flow == "case_form":
        case = _published(client)
        response = _case_pledge_by_form(client, case)
        assert response.status_code == 302
        target = response.headers["Location"]
    elif flow == "case_api":
        case = _published(client)
        response = client.post(
            "/api/v1/pledges",
            json={"case_ref": case.ref, "amount_fen": 10_000},
            headers=token_for(make_user(Role.donor)),
        )
        assert response.status_code == 201, response.json
        target = response.json["checkout_url"]
    elif flow == "rule_api":
        response = _rule_pledge_by_api(client)
        assert response.status_code == 201, response.json
        target = response.json["checkout_url"]
    else:
        response = _fund_deposit_by_form(client)
        assert response.status_code == 302
        target = response.headers["Location"]
    assert observed.in_transaction == [False]
    pledge = _only_pledge()
    # the session was recorded afterwards, on the committed pending pledge
    assert pledge.status == PledgeStatus.pending and pledge.gateway == "fake"
    assert pledge.checkout_session_id and target.endswith(pledge.checkout_session_id)
    assert observed.inner.checkouts[-1].pledge_id == pledge.id


@pytest.mark.postgres
def test_no_lock_is_held_on_the_case_row_during_the_gateway_call(
    ctx: Any, client: Any, observed: ObservingGateway
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    case = _published(client)
    observed.case_id = case.id
    assert _can_lock_case_row(case.id)  # the probe itself works
    assert _case_pledge_by_form(client, case).status_code == 302
    api = client.post(
        "/api/v1/pledges",
        json={"case_ref": case.ref, "amount_fen": 10_000},
        headers=token_for(make_user(Role.donor)),
    )
    assert api.status_code == 201
    assert observed.case_row_free == [True, True]
    db.session.refresh(case)
    assert case.committed_fen == 100_000 + 10_000  # both reservations hold


def test_a_failing_gateway_fails_the_pledge_and_releases_the_reservation(
    ctx: Any, client: Any, observed: ObservingGateway
) -> None:
    case = _published(client)
    observed.error = stripe.APIConnectionError("Stripe cannot be reached")
    page = _case_pledge_by_form(client, case, amount=f"{NEED // 100}")
    assert page.status_code == 503 and "briefly unavailable" in page.text
    api = client.post(
        "/api/v1/pledges",
        json={"case_ref": case.ref, "amount_fen": NEED},
        headers=token_for(make_user(Role.donor)),
    )
    assert api.status_code == 503 and api.json["error"] == "service_unavailable"
    observed.error = stripe.InvalidRequestError("No such thing", param="x")
    assert _rule_pledge_by_api(client).status_code == 500
    db.session.rollback()
    pledges = db.session.scalars(select(Pledge).order_by(Pledge.id)).all()
    assert [p.status for p in pledges] == [PledgeStatus.failed] * 3
    assert all(p.checkout_session_id is None for p in pledges)
    db.session.refresh(case)
    assert case.committed_fen == 0
    # the whole case is open again
    observed.error = None
    assert _case_pledge_by_form(client, case, amount=f"{NEED // 100}").status_code == 302
    assert observed.in_transaction == [False] * 4


def test_a_reservation_the_failure_could_not_release_lapses_with_the_job(
    ctx: Any, client: Any, observed: ObservingGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _published(client)
    observed.error = stripe.APIConnectionError("Stripe cannot be reached")

    def broken(*args: Any, **kwargs: Any) -> bool:
        raise OperationalError("UPDATE pledges", {}, Exception("database gone"))

    with monkeypatch.context() as patch:
        patch.setattr(donors, "release_reservation", broken)
        assert _case_pledge_by_form(client, case).status_code == 503  # the gateway's error
    pledge = _only_pledge()
    assert pledge.status == PledgeStatus.pending and pledge.checkout_session_id is None
    db.session.refresh(case)
    assert case.committed_fen == 100_000
    pledge.reserved_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = client.application.test_cli_runner().invoke(
        args=["jobs", "run", "release-reservations"]
    )
    assert result.exit_code == 0, result.output
    db.session.rollback()
    db.session.refresh(case)
    assert case.committed_fen == 0
    db.session.refresh(pledge)
    assert pledge.status == PledgeStatus.expired
