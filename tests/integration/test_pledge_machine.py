"""A Hypothesis state machine over pledge / pay / expire / cancel / refund / match / rule-expiry
operations through the services, asserting every ledger invariant after every step."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.models import Case
from marketplace.cases.services import public_view, residual_fen
from marketplace.db_types import utcnow
from marketplace.donors import funds
from marketplace.donors import services as donors
from marketplace.donors.models import Fallback, Pledge, PledgeStatus
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from tests.conftest import IsolatedClient, case_payload, make_user, token_for


class PledgeMachine(RuleBasedStateMachine):
    app: Any

    @initialize()
    def setup(self) -> None:
        self.app.test_client_class = IsolatedClient
        client = self.app.test_client()
        sw = token_for(make_user(Role.social_worker))
        rv = token_for(make_user(Role.reviewer))
        refs = []
        for size in (2, 3):
            payload = case_payload(household_size=size)
            payload["need_lines"][0]["amount_fen"] = 100_000  # small needs fill up quickly
            ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]
            client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
            client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
            refs.append(ref)
        self.case_ids = [db.session.scalar(select(Case.id).where(Case.ref == r)) for r in refs]
        self.donors = [make_user(Role.donor).id for _ in range(3)]
        staff = make_user(Role.company_staff, OrgKind.company, "配捐企业")
        fund = funds.create_fund(
            staff,
            {
                "name": "配捐基金",
                "budget_fen": 1_000_000,
                "categories": ["medical"],
                "region": "",
                "match_ratio": 100,
                "match_ends_on": date.today() + timedelta(days=5),
                "match_min_gift_fen": 1000,
                "match_cap_per_gift_fen": 20_000,
                "match_daily_cap_per_donor_fen": 30_000,
            },
        )
        deposit = donors.create_fund_pledge(staff, fund.id, 60_000)
        donors.record_payment(deposit)
        db.session.commit()
        self.fund_id = fund.id

    def _user(self, i: int) -> Any:
        from marketplace.accounts.models import User

        return db.session.get(User, self.donors[i % len(self.donors)])

    def _pledges(self, status: PledgeStatus) -> list[Pledge]:
        return list(
            db.session.scalars(select(Pledge).where(Pledge.status == status).order_by(Pledge.id))
        )

    def _do(self, fn: Any) -> None:
        try:
            fn()
            db.session.commit()
        except DomainError:
            db.session.rollback()

    @rule(
        c=st.integers(0, 1),
        d=st.integers(0, 2),
        amount=st.integers(100, 120_000),
        refund=st.booleans(),
    )
    def pledge_to_case(self, c: int, d: int, amount: int, refund: bool) -> None:
        fallback = Fallback.refund if refund else Fallback.similar
        self._do(
            lambda: donors.create_case_pledge(
                self._user(d), db.session.get(Case, self.case_ids[c]), amount, fallback=fallback
            )
        )

    @rule(d=st.integers(0, 2), amount=st.integers(100, 50_000))
    def pledge_to_rule(self, d: int, amount: int) -> None:
        rule_ = {"categories": ["medical"], "region": "4210", "age_band": None}
        self._do(lambda: donors.create_rule_pledge(self._user(d), rule_, amount))

    @rule(pick=st.integers(0, 10**6), late=st.booleans())
    def pay(self, pick: int, late: bool) -> None:
        status = PledgeStatus.expired if late else PledgeStatus.pending
        candidates = self._pledges(status)
        if candidates:
            pledge = candidates[pick % len(candidates)]
            self._do(lambda: donors.record_payment(pledge, f"pi_{pledge.id}"))

    @rule(pick=st.integers(0, 10**6))
    def pay_twice(self, pick: int) -> None:
        paid = self._pledges(PledgeStatus.paid)
        if paid:
            pledge = paid[pick % len(paid)]
            self._do(lambda: donors.record_payment(pledge))

    @rule(pick=st.integers(0, 10**6))
    def checkout_expires(self, pick: int) -> None:
        pending = self._pledges(PledgeStatus.pending)
        if pending:
            pledge = pending[pick % len(pending)]
            pledge.reserved_until = utcnow() - timedelta(seconds=1)
            db.session.commit()
            self._do(donors.release_expired_reservations)

    @rule(pick=st.integers(0, 10**6))
    def cancel(self, pick: int) -> None:
        pending = self._pledges(PledgeStatus.pending)
        if pending:
            pledge = pending[pick % len(pending)]
            self._do(lambda: donors.cancel_pledge(pledge.donor, pledge))

    @rule(pick=st.integers(0, 10**6))
    def gateway_refund(self, pick: int) -> None:
        paid = self._pledges(PledgeStatus.paid)
        if paid:
            pledge = paid[pick % len(paid)]
            self._do(lambda: donors.record_refund(pledge, pledge.amount_fen))

    @rule()
    def rule_pledges_expire(self) -> None:
        for pledge in self._pledges(PledgeStatus.paid):
            if pledge.rule is not None:
                pledge.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        self._do(donors.expire_rule_pledges)

    @invariant()
    def ledger_and_commitments_hold(self) -> None:
        if not hasattr(self, "case_ids"):
            return
        assert ledger.verify() == []
        for case_id in self.case_ids:
            case = db.session.get(Case, case_id)
            db.session.refresh(case)
            view = public_view(case)
            assert 0 <= view["funded_fen"] <= residual_fen(case)
            pending = db.session.scalar(
                select(func.coalesce(func.sum(Pledge.amount_fen), 0)).where(
                    Pledge.case_id == case_id, Pledge.status == PledgeStatus.pending
                )
            )
            # what is promised = reserved by open checkouts + received
            assert case.committed_fen == view["funded_fen"] + pending
            assert case.committed_fen <= residual_fen(case)
        assert funds.fund_balance(funds.get_fund(self.fund_id)) >= 0

    def teardown(self) -> None:
        from tests.conftest import _empty_tables

        db.session.rollback()
        _empty_tables()


def test_pledge_state_machine(ctx: Any, app: Any) -> None:
    PledgeMachine.app = app
    PledgeMachine.TestCase.settings = settings(
        max_examples=20,
        stateful_step_count=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    PledgeMachine.TestCase().runTest()
