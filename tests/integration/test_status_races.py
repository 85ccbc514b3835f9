"""Status changes are compare-and-set: of two transactions racing the same change exactly one
wins, and a transaction that read the row before another changed it cannot undo that change."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OrgKind, Role, User
from marketplace.cases import services as cases
from marketplace.cases.models import Case
from marketplace.cases.states import TRANSITIONS as CASE_TRANSITIONS
from marketplace.cases.states import CaseStatus, InvalidTransition
from marketplace.disbursements import services as disbursements
from marketplace.disbursements.models import (
    DISBURSEMENT_TRANSITIONS,
    DisbursementStatus,
)
from marketplace.donors import services as donors
from marketplace.donors.models import PLEDGE_TRANSITIONS, PledgeStatus
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.ledger.models import JournalEntry
from marketplace.ngos import services as ngos
from marketplace.ngos.models import REFERRAL_TRANSITIONS, ReferralStatus
from marketplace.plans import services as plans
from marketplace.plans.models import PLAN_TRANSITIONS, Plan, PlanItem, PlanStatus
from marketplace.state_machine import Transitions, compare_and_set
from tests.conftest import case_payload, make_user, token_for
from tests.integration import test_plans as plan_tests
from tests.integration.test_ngos import PROJECT, _published


def _row(name: str, case: Case, worker: Any) -> tuple[Any, Transitions[Any], Any]:
    """A stored row of the named kind (committed), its table and the change to race for."""
    if name == "case":
        row, table, target = case, CASE_TRANSITIONS, CaseStatus.withdrawn
    elif name == "pledge":
        row = donors.create_case_pledge(make_user(Role.donor), case, 10_000)
        table, target = PLEDGE_TRANSITIONS, PledgeStatus.cancelled
    elif name == "plan":
        row, table, target = plans.build_plan(worker, case), PLAN_TRANSITIONS, PlanStatus.accepted
    elif name == "disbursement":
        line = next(n for n in case.need_lines if n.kind in ("cash", "in_kind"))
        donors.record_payment(donors.create_case_pledge(make_user(Role.donor), case, 50_000))
        row = disbursements.request_disbursement(
            worker,
            case,
            {
                "need_line_id": line.id,
                "amount_fen": 10_000,
                "payee_kind": "vendor",
                "payee_name": "荆州市中心医院",
                "purpose": "住院押金",
            },
        )
        table, target = DISBURSEMENT_TRANSITIONS, DisbursementStatus.rejected
    else:
        project = ngos.create_project(make_user(Role.ngo_staff, OrgKind.ngo, "心灵港湾"), PROJECT)
        line = next(n for n in case.need_lines if n.kind == "service")
        row = ngos.refer(worker, case, line, project, 1)
        table, target = REFERRAL_TRANSITIONS, ReferralStatus.declined
    db.session.commit()
    return row, table, target


@pytest.mark.parametrize("name", ["case", "pledge", "plan", "disbursement", "referral"])
def test_two_transactions_racing_one_change_one_wins(
    ctx: Any, client: Any, app: Any, name: str
) -> None:
    case, worker = _published(client)
    row, table, target = _row(name, case, worker)
    model, row_id = type(row), row.id
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def contend() -> None:
        try:
            with app.app_context():
                mine = db.session.get(model, row_id)
                assert mine.status != target  # read before either changes it
                barrier.wait(timeout=30)
                results.append(compare_and_set(mine, table, target))
                assert mine.status == target  # the row shows what is stored: the winner's
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            barrier.abort()
            errors.append(exc)

    threads = [threading.Thread(target=contend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [False, True]
    db.session.expire_all()
    assert db.session.get(model, row_id).status == target


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(JournalEntry))


def test_a_stale_edit_cannot_reopen_an_accepted_plan(ctx: Any, client: Any, app: Any) -> None:
    """An edit that read the plan as proposed, after which the plan was accepted, is refused.
    Before the compare-and-set it removed the item and wrote ``draft`` over ``accepted``: the
    accepted plan could be accepted again (in this set-up only a fund's per-case cap refused)."""
    case, headers = plan_tests._published(client)
    plan_tests._sources()
    plan_id = plans.build_plan(None, case, status=PlanStatus.proposed).id
    db.session.commit()
    with app.app_context():  # the editor's request reads the plan ...
        items = db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan_id)).all()
        stale = next(item for item in items if item.amount_fen)
        assert stale.plan.status == PlanStatus.proposed
        owner_id = stale.plan.case.owner_id
    # ... another request accepts it meanwhile ...
    assert client.post(f"/api/v1/plans/{plan_id}/accept", headers=headers).status_code == 200
    entries = _entries()
    with app.app_context():  # ... then the editor's change arrives
        db.session.add(stale)
        with pytest.raises(Conflict):
            plans.edit_item(db.session.get(User, owner_id), stale, remove=True)
        db.session.rollback()
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert plan.status == PlanStatus.accepted and len(plan.items) == len(items)
    again = client.post(f"/api/v1/plans/{plan_id}/accept", headers=headers)
    assert again.status_code == 409 and _entries() == entries


def test_a_stale_review_cannot_publish_a_withdrawn_case(ctx: Any, client: Any, app: Any) -> None:
    """A reviewer who read the case before its owner withdrew it gets a 409; before the
    compare-and-set the withdrawn case was published."""
    worker, reviewer = make_user(Role.social_worker), make_user(Role.reviewer)
    sw = token_for(worker)
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    assert client.post(f"/api/v1/cases/{ref}/submit", headers=sw).status_code == 200
    with app.app_context():  # the reviewer's request reads the case ...
        stale = cases.get_case(ref)
        assert stale.status == CaseStatus.submitted and stale.private.consent_publish
    withdrawn = client.post(f"/api/v1/cases/{ref}/withdraw", json={"reason": "搬家"}, headers=sw)
    assert withdrawn.status_code == 200, withdrawn.json
    with app.app_context():  # ... then approves
        db.session.add(stale)
        with pytest.raises(InvalidTransition) as info:
            cases.review_case(db.session.get(User, reviewer.id), stale, "approve")
        assert info.value.details == {"from": "withdrawn", "to": "published"}
        db.session.rollback()
    db.session.expire_all()
    assert cases.get_case(ref).status == CaseStatus.withdrawn
