"""The global allocation job: one exact, urgency-weighted allocation of pooled pledges, funds and
money projects over the money needs of every published case without an open plan
(``matching.allocate``); each case with something to offer gets a *proposed* plan and its owner
is notified.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.cases.models import Case
from marketplace.cases.states import CaseStatus
from marketplace.extensions import db
from marketplace.notifications.services import notify
from marketplace.plans import catalog
from marketplace.plans.building import add_items, next_version, supersede_open_plans
from marketplace.plans.models import Plan, PlanStatus
from marketplace.plans.sources import candidate_sources, case_needs, global_money_sources, weights
from matching.plan import build_plan as engine_build_plan


def propose_allocations() -> dict[str, int]:
    """Job: one global, exact allocation of pooled pledges, funds and money projects over the
    money needs of every published case without an open plan (urgency-weighted, see
    ``matching.allocate``); service needs get the plan builder's suggestions. Each case with
    something to offer gets a *proposed* plan; accepted plans are never touched. Owners are
    notified."""
    from matching.allocate import allocate as global_allocate

    cases = [
        c
        for c in db.session.scalars(select(Case).where(Case.status == CaseStatus.published))
        if not db.session.scalar(
            select(Plan.id).where(
                Plan.case_id == c.id, Plan.status.in_((PlanStatus.proposed, PlanStatus.draft))
            )
        )
    ]
    needs_by_case = {c.id: case_needs(c) for c in cases}
    money_needs = [n for ns in needs_by_case.values() for n in ns if n.is_money]
    sources = global_money_sources()
    result = global_allocate(money_needs, sources)
    by_need: dict[str, list[Any]] = defaultdict(list)
    for allocation in result.allocations:
        by_need[allocation.need].append(allocation)
    names = {s.id: s.name for s in sources}
    proposed = 0
    taker = catalog.PoolTaker()
    for case in cases:
        items = [
            (a.source, a.need, a.amount_fen, 0)
            for n in needs_by_case[case.id]
            for a in by_need.get(n.id, [])
        ]
        service_needs = [n for n in needs_by_case[case.id] if not n.is_money]
        if service_needs:
            service_plan = engine_build_plan(service_needs, candidate_sources(case), weights())
            items += [(i.source_id, i.need_id, 0, i.units) for i in service_plan.items]
        if not items:
            continue
        supersede_open_plans(case)
        plan = Plan(case_id=case.id, version=next_version(case), status=PlanStatus.proposed)
        for source_id, need_id, amount, units in items:
            add_items(plan, taker, source_id, need_id, amount, units, names.get(source_id, ""))
        db.session.add(plan)
        db.session.flush()
        notify(
            case.owner_id,
            str(_l("A plan was proposed for case %(ref)s.", ref=case.ref)),
            f"/work/cases/{case.ref}/plan",
            key=f"plan-proposed-{plan.id}",
        )
        proposed += 1
    db.session.flush()
    return {"proposed": proposed, "objective": result.objective}
