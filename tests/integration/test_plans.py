"""One case, one plan: suggestions, building, editing, acceptance through the ledger."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.models import Case
from marketplace.donors import funds
from marketplace.donors import services as donors
from marketplace.donors.models import Fallback
from marketplace.donors.services import pool_code
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.models import JournalEntry
from marketplace.ngos import services as ngos
from marketplace.ngos.models import Referral
from marketplace.plans import services as plans
from marketplace.plans.models import PlanStatus
from tests.conftest import case_payload, csrf_from, login, make_user, token_for

NEED = 3_800_000


def _published(client: Any, headers: dict[str, str] | None = None) -> tuple[Case, dict[str, str]]:
    sw = headers or token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer, org_name="平台审核", org_kind=OrgKind.platform))
    payload = case_payload()
    payload["consent"]["scope"] = "anonymized_publication_and_referral"
    ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    assert (
        client.post(
            f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv
        ).status_code
        == 200
    )
    return db.session.scalar(select(Case).where(Case.ref == ref)), sw


def _sources() -> dict[str, Any]:
    donor = make_user(Role.donor)
    rule = donors.create_rule_pledge(
        donor, {"categories": ["medical"], "region": "4210", "age_band": None}, 500_000
    )
    donors.record_payment(rule)
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    fund = funds.create_fund(
        staff,
        {
            "name": "助医基金",
            "budget_fen": 5_000_000,
            "categories": ["medical"],
            "region": "4210",
            "per_case_cap_fen": 1_000_000,
            "match_ratio": 0,
            "match_ends_on": None,
        },
    )
    deposit = donors.create_fund_pledge(staff, fund.id, 2_000_000)
    donors.record_payment(deposit)
    ngo = make_user(Role.ngo_staff, OrgKind.ngo, "心灵港湾")
    service = ngos.create_project(
        ngo,
        {
            "name": "心理疏导",
            "kind": "service",
            "categories": ["psychological"],
            "regions": ["4210"],
            "monthly_units": 20,
            "unit_name": "次",
        },
    )
    money = ngos.create_project(
        ngo,
        {
            "name": "医疗援助",
            "kind": "money",
            "categories": ["medical"],
            "regions": ["4210"],
            "budget_fen": 800_000,
            "per_case_cap_fen": 300_000,
        },
    )
    db.session.commit()
    return {"rule": rule, "fund": fund, "service": service, "money": money, "ngo": ngo}


def test_matches_explain_their_scores(ctx: Any, client: Any) -> None:
    case, sw = _published(client)
    _sources()
    body = client.get(f"/api/v1/cases/{case.ref}/matches", headers=sw).json
    assert {n["need_line_id"] for n in body["needs"]} == {line.id for line in case.need_lines}
    medical = next(n for n in body["needs"] if n["missing_fen"] == NEED)
    kinds = {s["source"].split(":")[0] for s in medical["sources"]}
    assert kinds == {"class", "fund", "project"}  # rule pledges are matched by rule class
    for source in medical["sources"]:
        assert abs(sum(f["contribution"] for f in source["factors"]) - source["score"]) < 1e-3
        assert all(f["label_zh"] and f["label_en"] for f in source["factors"])
    other = token_for(make_user(Role.social_worker, org_name="别的街道"))
    assert client.get(f"/api/v1/cases/{case.ref}/matches", headers=other).status_code == 404


def test_build_and_accept_moves_exactly_the_planned_amounts(ctx: Any, client: Any) -> None:
    case, sw = _published(client)
    src = _sources()
    built = client.post(f"/api/v1/cases/{case.ref}/plans", headers=sw)
    assert built.status_code == 201, built.json
    plan = built.json
    money_items = [i for i in plan["items"] if i["amount_fen"]]
    service_items = [i for i in plan["items"] if i["units"]]
    assert money_items and service_items
    planned = sum(i["amount_fen"] for i in money_items)
    assert planned <= NEED
    by_kind = {i["source_kind"]: i for i in money_items}
    if "project" in by_kind:
        assert by_kind["project"]["amount_fen"] <= 300_000  # the project's per-case cap
    entries_before = db.session.scalar(select(db.func.count()).select_from(JournalEntry))
    pool_before, fund_before = ledger.pool_balance(), funds.fund_balance(src["fund"])
    accepted = client.post(f"/api/v1/plans/{plan['id']}/accept", headers=sw)
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert db.session.scalar(
        select(db.func.count()).select_from(JournalEntry)
    ) == entries_before + len(money_items)
    assert client.get(f"/api/v1/cases/{case.ref}").json["funded_fen"] == planned
    moved = {
        k: by_kind[k]["amount_fen"] if k in by_kind else 0 for k in ("pool", "fund", "project")
    }
    assert ledger.pool_balance() == pool_before - moved["pool"]
    assert funds.fund_balance(src["fund"]) == fund_before - moved["fund"]
    assert ngos.budget_remaining(src["money"]) == 800_000 - moved["project"]
    db.session.refresh(src["rule"])
    assert src["rule"].placed_fen == moved["pool"]
    referral = db.session.scalars(select(Referral)).one()
    assert referral.units == service_items[0]["units"]
    again = client.post(f"/api/v1/plans/{plan['id']}/accept", headers=sw)
    assert again.status_code == 409
    public = client.get(f"/cases/{case.ref}", headers={"Accept-Language": "en"})
    assert "荆楚爱心企业" in public.text or "心灵港湾" in public.text
    assert ledger.verify() == []


def test_edit_then_accept_html(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    case, sw = _published(client, token_for(worker))
    _sources()
    login(client, worker.email)
    page = client.get(f"/work/cases/{case.ref}/plan")
    assert page.status_code == 200
    client.post(f"/work/cases/{case.ref}/plan/build", data={"csrf_token": csrf_from(page.text)})
    plan = db.session.scalars(select(plans.Plan).where(plans.Plan.case_id == case.id)).one()
    item = next(i for i in plan.items if i.amount_fen)
    page = client.get(f"/work/cases/{case.ref}/plan")
    client.post(
        f"/work/plan-items/{item.id}",
        data={"action": "amount", "amount": "100", "csrf_token": csrf_from(page.text)},
    )
    bad = client.post(
        f"/work/plan-items/{item.id}",
        data={"action": "amount", "amount": "99999999", "csrf_token": csrf_from(page.text)},
    )
    assert bad.status_code == 302
    db.session.refresh(item)
    assert item.amount_fen == 10_000
    client.post(f"/work/plans/{plan.id}/accept", data={"csrf_token": csrf_from(page.text)})
    db.session.refresh(plan)
    assert plan.status == PlanStatus.accepted
    assert client.get(f"/api/v1/cases/{case.ref}").json["funded_fen"] == sum(
        i.amount_fen for i in plan.items
    )


def test_allocate_job_proposes_and_never_touches_accepted(ctx: Any, client: Any) -> None:
    case, sw = _published(client)
    _sources()
    runner = ctx.test_cli_runner()
    out = runner.invoke(args=["jobs", "run", "allocate"]).output
    assert '"proposed": 1' in out
    plan = db.session.scalars(select(plans.Plan)).one()
    assert plan.status == PlanStatus.proposed
    assert (
        '"proposed": 0' in runner.invoke(args=["jobs", "run", "allocate"]).output
    )  # one open proposal
    client.post(f"/api/v1/plans/{plan.id}/accept", headers=sw)
    runner.invoke(args=["jobs", "run", "allocate"])
    db.session.refresh(plan)
    assert plan.status == PlanStatus.accepted


def test_a_source_cannot_be_committed_twice(ctx: Any, client: Any, app: Any) -> None:
    """Two cases' plans both want the whole pooled pledge; accepted at the same time, one wins."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    worker = make_user(Role.social_worker)
    headers = token_for(worker)
    first, _ = _published(client, headers)
    second, _ = _published(client, headers)
    donor = make_user(Role.donor)
    rule = donors.create_rule_pledge(
        donor, {"categories": ["medical"], "region": "4210", "age_band": None}, 500_000
    )
    donors.record_payment(rule)
    db.session.commit()
    plan_ids = [
        client.post(f"/api/v1/cases/{c.ref}/plans", headers=headers).json["id"]
        for c in (first, second)
    ]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def accept(plan_id: int) -> None:
        barrier.wait()
        codes.append(
            app.test_client().post(f"/api/v1/plans/{plan_id}/accept", headers=headers).status_code
        )

    threads = [threading.Thread(target=accept, args=(pid,)) for pid in plan_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409], codes
    db.session.refresh(rule)
    assert rule.placed_fen == 500_000 and ledger.balance(pool_code(rule)) == 0
    assert ledger.verify() == []


def test_a_rule_class_is_one_source_taken_from_its_oldest_pledges(ctx: Any, client: Any) -> None:
    """Three pledges with the same rule form one class; a plan takes the class's money oldest
    pledge first, the pool account and the pledges agree after acceptance, and when the rest
    expires only what is left is refunded."""
    case, sw = _published(client)
    rule = {"categories": ["medical"], "region": "4210", "age_band": None}
    pledges = []
    for amount in (100_000, 200_000, NEED):
        pledge = donors.create_rule_pledge(make_user(Role.donor), dict(rule), amount)
        donors.record_payment(pledge)
        pledges.append(pledge)
    db.session.commit()
    assert len({p.rule_class_id for p in pledges}) == 1
    pool = pool_code(pledges[0])
    assert ledger.balance(pool) == 300_000 + NEED
    sources = [s for s in plans.candidate_sources(case) if s.id.startswith("class:")]
    assert [s.amount_fen for s in sources] == [300_000 + NEED]
    plan = plans.build_plan(None, case)
    pool_items = [i for i in plan.items if i.source_kind.value == "pool"]
    taken = {i.source_id: i.amount_fen for i in pool_items}
    assert sum(taken.values()) == NEED
    assert taken[pledges[0].id] == 100_000 and taken[pledges[1].id] == 200_000  # oldest first
    assert taken[pledges[2].id] == NEED - 300_000
    user = db.session.get(type(case.owner), case.owner_id)
    plans.accept_plan(user, plan)
    db.session.commit()
    for p in pledges:
        db.session.refresh(p)
    assert [p.placed_fen for p in pledges] == [100_000, 200_000, NEED - 300_000]
    assert ledger.balance(pool) == 300_000  # what the last pledge has left
    from datetime import timedelta

    from marketplace.db_types import utcnow

    pledges[2].expires_at = utcnow() - timedelta(days=1)
    pledges[2].fallback = Fallback.refund
    db.session.commit()
    donors.expire_rule_pledges()
    db.session.commit()
    db.session.refresh(pledges[2])
    assert pledges[2].status.value == "refunded" and pledges[2].refunded_fen == 300_000
    assert ledger.balance(pool) == 0
    assert ledger.verify() == []
