"""One case, one plan: the plans package's public entry point (``from marketplace.plans import
services as plans``), which re-exports the names below, plus reading a stored plan, editing it
before acceptance and the public summary of accepted items.

The code lives in one module per job: ``sources`` (needs and candidate sources as the pure
``matching`` library sees them, read quickly through ``catalog``), ``building`` (scored
suggestions and building a plan version with the engine), ``acceptance`` (accepting a plan:
money items committed through the ledger, referrals for service items, in one transaction) and
``allocation`` (the global allocation job that proposes plans).

Sources: rule classes with money in their pool (``class:<id>``; stored plan items name the
pledges it is taken from, ``pool:<pledge id>``), company funds
(``fund:<id>``, general grants within their per-case cap) and NGO projects (``project:<id>``:
money from their ledger-recorded budget, or service units within this month's capacity).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.cases.models import Case
from marketplace.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.plans.acceptance import accept_plan as accept_plan
from marketplace.plans.allocation import propose_allocations as propose_allocations
from marketplace.plans.building import build_plan as build_plan
from marketplace.plans.building import matches as matches
from marketplace.plans.models import PLAN_TRANSITIONS, Plan, PlanItem, PlanStatus, SourceKind
from marketplace.plans.sources import candidate_sources as candidate_sources
from marketplace.plans.sources import case_needs as case_needs
from marketplace.state_machine import compare_and_set
from marketplace.utils import get_row

ANONYMOUS = "爱心人士"


def get_plan(plan_id: int) -> Plan:
    plan = get_row(Plan, plan_id)
    if plan is None:
        raise NotFound(_l("No such plan."))
    return plan


def edit_item(
    actor: User, item: PlanItem, amount_fen: int | None = None, remove: bool = False
) -> None:
    """Remove an item or lower its amount (raising it could pass what the source offered)."""
    plan = item.plan
    permissions.require(permissions.can_edit_case(actor, plan.case), hide=True)
    if not PLAN_TRANSITIONS.allows(plan.status, PlanStatus.draft):
        raise Conflict(_l("Only a plan that is not accepted can be edited."))
    if remove:
        db.session.delete(item)
    elif amount_fen is not None:
        if not 0 < amount_fen <= item.amount_fen:
            raise Conflict(_l("An amount can only be lowered here; build a new plan for more."))
        item.amount_fen = amount_fen
    if not compare_and_set(plan, PLAN_TRANSITIONS, PlanStatus.draft):
        raise Conflict(_l("Only a plan that is not accepted can be edited."))
    db.session.flush()


def accepted_items(case: Case) -> list[PlanItem]:
    return list(
        db.session.scalars(
            select(PlanItem)
            .join(Plan)
            .where(Plan.case_id == case.id, Plan.status == PlanStatus.accepted)
            .order_by(PlanItem.id)
        )
    )


def public_summary(case: Case) -> list[dict[str, Any]]:
    """Accepted plan items in anonymized form, per need line:
    "医疗费: 3位爱心人士 + XX基金会项目; 心理疏导: XX社工服务中心 6次"."""
    grouped: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"donors": 0, "names": [], "fen": 0, "units": 0}
    )
    for item in accepted_items(case):
        g = grouped[item.need_line_id]
        if item.source_kind == SourceKind.pool:
            g["donors"] += 1
        elif item.public_name and item.public_name not in g["names"]:
            g["names"].append(item.public_name)
        g["fen"] += item.amount_fen
        g["units"] += item.units
    lines = {line.id: line for line in case.need_lines}
    return [
        {
            "need_line_id": line_id,
            "category": lines[line_id].category,
            "unit_name": lines[line_id].unit_name,
            **g,
        }
        for line_id, g in grouped.items()
        if line_id in lines
    ]
