"""Suggestions and plan building through the pure ``matching`` library: scored sources per open
need line with each factor explained (:func:`matches`), and a new stored plan version built by the
engine (:func:`build_plan`; earlier open versions are superseded). A rule class's money becomes
one plan item per pledge it is taken from, so acceptance places exact pledges.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases.models import Case
from marketplace.cases.states import CaseStatus
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.plans import catalog
from marketplace.plans.models import PLAN_TRANSITIONS, Plan, PlanItem, PlanStatus, SourceKind
from marketplace.plans.sources import candidate_sources, case_needs, weights
from marketplace.state_machine import compare_and_set
from matching.plan import build_plan as engine_build_plan
from matching.ranker import Ranker
from matching.scoring import score
from matching.types import Need, Source


def matches(
    case: Case,
    limit: int = 10,
    sources: list[Source] | None = None,
    needs: list[Need] | None = None,
) -> list[dict[str, Any]]:
    """Scored sources per open need line, best first, with each factor's value (``sources``
    and ``needs``, when given, spare reading them again)."""
    sources = candidate_sources(case) if sources is None else sources
    names = {s.id: s.name for s in sources}
    ranker = Ranker(sources, weights())
    result = []
    for need in case_needs(case) if needs is None else needs:
        scored = [score(sources[k], need, weights()) for k in ranker.top(need, limit)]
        result.append(
            {
                "need_line_id": int(need.id),
                "missing_fen": need.amount_fen,
                "missing_units": need.units,
                "sources": [
                    {
                        "source": s.source_id,
                        "name": names.get(s.source_id, ""),
                        "score": round(s.total, 4),
                        "factors": [_factor(f) for f in s.factors],
                    }
                    for s in scored
                ],
            }
        )
    return result


def _factor(f: Any) -> dict[str, Any]:
    return {
        "name": f.name,
        "value": round(f.value, 4),
        "weight": f.weight,
        "contribution": round(f.contribution, 4),
        "label_zh": _named_categories(f.label_zh, "zh_CN"),
        "label_en": _named_categories(f.label_en, "en"),
    }


def _named_categories(label: str, locale: str) -> str:
    """The engine names categories by code ("medical"); people read "医疗" / "Medical"."""
    if not has_app_context():
        return label
    return _renamed(label, locale)


@functools.lru_cache(maxsize=4096)
def _renamed(label: str, locale: str) -> str:
    for code, name in _category_names(locale).items():
        if code in label:
            label = label.replace(code, name)
    return label


@functools.cache
def _category_names(locale: str) -> dict[str, str]:
    from flask_babel import force_locale

    from marketplace.cases.reference import CATEGORIES

    with force_locale(locale):
        return {code: str(name) for code, name in CATEGORIES.items()}


def next_version(case: Case) -> int:
    current = db.session.scalar(select(func.max(Plan.version)).where(Plan.case_id == case.id))
    return int(current or 0) + 1


def build_plan(
    actor: User | None,
    case: Case,
    status: PlanStatus = PlanStatus.draft,
    sources: list[Source] | None = None,
    needs: list[Need] | None = None,
) -> Plan:
    """Build and store a new plan version for the case (earlier open versions are superseded).
    ``sources`` and ``needs``, when given, must be this case's, read in this transaction."""
    if actor is not None:
        permissions.require(permissions.can_edit_case(actor, case), hide=True)
    if case.status != CaseStatus.published:
        raise Conflict(_l("Plans are built for published cases."))
    sources = candidate_sources(case) if sources is None else sources
    by_id = {s.id: s for s in sources}
    needs = case_needs(case) if needs is None else needs
    by_need = {n.id: n for n in needs}
    result = engine_build_plan(needs, sources, weights())
    supersede_open_plans(case)
    plan = Plan(
        case_id=case.id,
        version=next_version(case),
        status=status,
        created_by_id=actor.id if actor else None,
        missing={k: v for k, v in result.missing.items() if v},
    )
    taker = catalog.PoolTaker()
    for item in result.items:
        explained = score(by_id[item.source_id], by_need[item.need_id], weights())
        add_items(
            plan,
            taker,
            item.source_id,
            item.need_id,
            item.amount_fen,
            item.units,
            by_id[item.source_id].name,
            explained.total,
            [_factor(f) for f in explained.factors],
        )
    db.session.add(plan)
    db.session.flush()
    record(actor, "plan.build", "case", case.ref, version=plan.version, items=len(plan.items))
    return plan


def add_items(
    plan: Plan,
    taker: catalog.PoolTaker,
    source_id: str,
    need_id: str,
    amount: int,
    units: int,
    name: str,
    total: float = 0.0,
    factors: list[dict[str, Any]] | None = None,
) -> None:
    """Append the plan item(s) for one engine item: a rule class's money becomes one item per
    pledge it is taken from (oldest first), so acceptance places exact pledges."""
    kind, _, raw_id = source_id.partition(":")
    if kind == "class":
        parts = taker.take(int(raw_id), amount)
        stored = [(SourceKind.pool, pid, fen, public) for pid, fen, public in parts]
    else:
        stored = [(SourceKind(kind), int(raw_id), amount, name)]
    for source_kind, stored_id, fen, public in stored:
        plan.items.append(
            PlanItem(
                need_line_id=int(need_id),
                source_kind=source_kind,
                source_id=stored_id,
                amount_fen=fen,
                units=units,
                score=total,
                factors=factors or [],
                public_name=public,
            )
        )


def supersede_open_plans(case: Case) -> None:
    open_plans = db.session.scalars(
        select(Plan).where(
            Plan.case_id == case.id, Plan.status.in_((PlanStatus.draft, PlanStatus.proposed))
        )
    ).all()
    for plan in open_plans:
        compare_and_set(plan, PLAN_TRANSITIONS, PlanStatus.superseded)
