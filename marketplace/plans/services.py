"""One case, one plan: candidate sources from the database, scoring and plan building through
the pure ``matching`` library, and acceptance that commits every money item through the ledger
and creates referrals for service items, in one transaction.

Sources: rule classes with money in their pool (``class:<id>``; stored plan items name the
pledges it is taken from, ``pool:<pledge id>``), company funds
(``fund:<id>``, general grants within their per-case cap) and NGO projects (``project:<id>``:
money from their ledger-recorded budget, or service units within this month's capacity).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases.lifecycle import advance
from marketplace.cases.models import Case, NeedLine
from marketplace.cases.services import (
    account_code,
    applicant,
    refresh_figures,
    reserve_funding,
    unreserved_fen,
)
from marketplace.cases.states import CaseStage, CaseStatus
from marketplace.db_types import local_today, utcnow
from marketplace.donors.funds import fund_rule, get_fund
from marketplace.donors.models import CompanyFund
from marketplace.donors.services import get_pledge, pledge_rule
from marketplace.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side, SourceRef
from marketplace.ledger.core import SourceKind as EntrySource
from marketplace.ngos import services as ngos
from marketplace.notifications.services import notify
from marketplace.plans import catalog
from marketplace.plans.models import PLAN_TRANSITIONS, Plan, PlanItem, PlanStatus, SourceKind
from marketplace.state_machine import compare_and_set
from marketplace.utils import get_row
from matching.plan import build_plan as engine_build_plan
from matching.ranker import Ranker
from matching.rules import misfits, open_on
from matching.scoring import score
from matching.types import Need, Source, Weights

ANONYMOUS = "爱心人士"


def weights() -> Weights:
    configured = current_app.config.get("MATCHING_WEIGHTS") if has_app_context() else None
    return Weights.from_mapping(configured) if configured else Weights()


# ---- the case as the engine sees it -----------------------------------------------------------


def urgency_of(case: Case) -> int:
    """1 (can wait) .. 5 (life or safety): emergencies first, then health and disaster."""
    if case.emergency:
        return 5
    if {"medical", "disaster"} & set(case.categories):
        return 4
    return 3


def case_needs(case: Case) -> list[Need]:
    """Open need lines with what is still missing: money not yet received, units not referred."""
    received = ledger.received_by_line(case.id)
    referred = _referred_units(case)
    # money given to the case as a whole, and open checkouts, also reduce what plans may add
    room = unreserved_fen(case)
    needs = []
    for line in case.need_lines:
        if line.status != "open":
            continue
        if line.kind == "service":
            missing_units = max((line.units or 0) - referred.get(line.id, 0), 0)
            if missing_units:
                needs.append(_need(case, line, 0, missing_units))
        else:
            missing = min(max((line.amount_fen or 0) - received.get(line.id, 0), 0), room)
            room -= missing
            if missing:
                needs.append(_need(case, line, missing, None))
    return needs


def _need(case: Case, line: NeedLine, amount: int, units: int | None) -> Need:
    return Need(
        id=str(line.id),
        case=case.ref,
        amount_fen=amount,
        urgency=urgency_of(case),
        category=line.category,
        region=case.region,
        age_band=case.age_band,
        kind=line.kind,
        units=units,
        deadline_days=None,
        household_size=case.household_size,
    )


def _referred_units(case: Case) -> dict[int, int]:
    from marketplace.ngos.models import Referral, ReferralStatus

    rows = db.session.execute(
        select(Referral.need_line_id, func.sum(Referral.units))
        .where(
            Referral.case_id == case.id,
            Referral.status.in_(
                (ReferralStatus.pending, ReferralStatus.accepted, ReferralStatus.delivered)
            ),
        )
        .group_by(Referral.need_line_id)
    ).all()
    return {line: int(units) for line, units in rows}


def candidate_sources(case: Case) -> list[Source]:
    """Every source that could serve this case, as engine ``Source`` values (per-case caps are
    what is left after earlier gifts from the same source); see :mod:`marketplace.plans.catalog`
    for how they are read quickly."""
    given = _given_to_case(case)
    current = catalog.versions()
    sources = catalog.pool_sources(case, current)
    funds = catalog.balances(current)["fund"]
    active = (
        select(CompanyFund)
        .where(CompanyFund.active.is_(True))
        .options(joinedload(CompanyFund.organization))
    )
    for fund in db.session.scalars(active):
        balance = funds.get(fund.id, 0)
        if balance > 0:
            cap = _left(fund.per_case_cap_fen, given.get(codes.fund(fund.id), 0))
            sources.append(_fund_source(fund, balance, cap))
    sources.extend(catalog.project_sources(case, given, current))
    return sources


def _given_to_case(case: Case) -> dict[str, int]:
    """What each source account already gave this case (for per-case caps)."""
    from marketplace.ledger.models import LedgerAccount, Posting

    case_entries = (
        select(Posting.entry_id)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .where(LedgerAccount.case_id == case.id)
    )
    rows = db.session.execute(
        select(LedgerAccount.code, func.sum(Posting.amount_fen))
        .join(Posting, Posting.account_id == LedgerAccount.id)
        .where(Posting.entry_id.in_(case_entries), Posting.side == Side.credit)
        .group_by(LedgerAccount.code)
    ).all()
    return {code: int(total) for code, total in rows}


def _left(cap: int | None, given: int) -> int | None:
    return None if cap is None else max(cap - given, 0)


def _fund_source(fund: CompanyFund, balance: int, cap: int | None) -> Source:
    return Source(
        id=f"fund:{fund.id}",
        kind="fund",
        amount_fen=balance,
        categories=tuple(fund.categories or ()),
        regions=(fund.region,) if fund.region else (),
        per_case_cap_fen=cap,
        home_region=fund.organization.region,
        name=fund.organization.name,
    )


def _project_source(
    project: Any, money: int, units: int, cap: int | None, track: float | None = None
) -> Source:
    return Source(
        id=f"project:{project.id}",
        kind="project",
        amount_fen=money,
        categories=tuple(project.categories),
        regions=tuple(project.regions),
        age_bands=tuple(project.age_bands),
        per_case_cap_fen=cap,
        service_units=units or None,
        home_region=project.organization.region,
        track_record=ngos.track_record(project) if track is None else track,
        name=project.organization.name,
        household_min=project.household_min,
        household_max=project.household_max,
    )


# ---- matches and plans ------------------------------------------------------------------------


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


def _next_version(case: Case) -> int:
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
    _supersede_open_plans(case)
    plan = Plan(
        case_id=case.id,
        version=_next_version(case),
        status=status,
        created_by_id=actor.id if actor else None,
        missing={k: v for k, v in result.missing.items() if v},
    )
    taker = catalog.PoolTaker()
    for item in result.items:
        explained = score(by_id[item.source_id], by_need[item.need_id], weights())
        _add_items(
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


def _add_items(
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


def _supersede_open_plans(case: Case) -> None:
    open_plans = db.session.scalars(
        select(Plan).where(
            Plan.case_id == case.id, Plan.status.in_((PlanStatus.draft, PlanStatus.proposed))
        )
    ).all()
    for plan in open_plans:
        compare_and_set(plan, PLAN_TRANSITIONS, PlanStatus.superseded)


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


def accept_plan(actor: User, plan: Plan) -> Plan:
    """Commit every money item through the ledger and refer every service item, in the caller's
    transaction. Any source that is no longer available refuses the whole plan (build again)."""
    case = plan.case
    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    if not compare_and_set(
        plan, PLAN_TRANSITIONS, PlanStatus.accepted, accepted_at=utcnow(), accepted_by_id=actor.id
    ):
        raise Conflict(_l("This plan was already accepted or replaced."))
    if case.status != CaseStatus.published:
        raise Conflict(_l("Plans are accepted for published cases."))
    lines = {line.id: line for line in case.need_lines}
    for item in plan.items:
        reasons = _source_misfits(case, lines[item.need_line_id], item)
        if reasons:
            raise Conflict(
                _l("A source in this plan no longer fits its need; build the plan again."),
                {"plan_item": item.id, "reasons": list(reasons)},
                code="source_does_not_fit",
            )
        if item.amount_fen:
            _commit_money(case, item)
        if item.units:
            project = ngos.get_project(item.source_id)
            ngos.refer(actor, case, lines[item.need_line_id], project, item.units)
    advance(case, CaseStage.planned)
    refresh_figures(case)
    db.session.flush()
    record(actor, "plan.accept", "case", case.ref, version=plan.version)
    return plan


def _source_misfits(case: Case, line: NeedLine, item: PlanItem) -> tuple[str, ...]:
    """Why the item's source no longer accepts its need line today (empty when it does): the
    project, fund or rule pledge may have changed since the plan was built."""
    if item.source_kind == SourceKind.project:
        return ngos.project_misfits(ngos.get_project(item.source_id), case, line)
    if item.source_kind == SourceKind.fund:
        rule = fund_rule(get_fund(item.source_id))
    else:
        rule = pledge_rule(get_pledge(item.source_id).rule or {})
    return misfits(rule, applicant(case, line), local_today())


def _commit_money(case: Case, item: PlanItem) -> None:
    from marketplace.donors.services import place_pledge_money, pool_code

    if not reserve_funding(case, item.amount_fen):
        raise Conflict(_l("The case no longer needs this much; build the plan again."))
    if item.source_kind == SourceKind.pool:
        if not place_pledge_money(item.source_id, item.amount_fen):
            raise Conflict(_l("A pledge in this plan was placed elsewhere meanwhile; build again."))
        from marketplace.donors.services import get_pledge, pool_code

        source, kind = pool_code(get_pledge(item.source_id)), EntryKind.allocation
    elif item.source_kind == SourceKind.fund:
        source, kind = codes.fund(item.source_id), EntryKind.fund_grant
        _check_cap(db.session.get(CompanyFund, item.source_id), source, case, item.amount_fen)
    else:
        source, kind = codes.project(item.source_id), EntryKind.project_commitment
        _check_cap(ngos.get_project(item.source_id), source, case, item.amount_fen)
    try:
        ledger.post_entry(
            EntryDraft(
                kind=kind,
                memo=f"plan item {item.id}",
                ref=f"plan:{item.plan_id}",
                source=SourceRef(EntrySource.plan_item, item.id),
                postings=(
                    PostingDraft(source, Side.credit, item.amount_fen),
                    PostingDraft(
                        account_code(case),
                        Side.debit,
                        item.amount_fen,
                        item.need_line_id,
                    ),
                ),
            )
        )
    except ledger.LedgerRefused as exc:
        raise Conflict(
            _l("A source in this plan no longer has the money; build again."), exc.details
        ) from exc


def _check_cap(owner: Any, account: str, case: Case, amount: int) -> None:
    left = _left(getattr(owner, "per_case_cap_fen", None), _given_to_case(case).get(account, 0))
    if left is not None and amount > left:
        raise Conflict(_l("This would pass the source's cap per case; build the plan again."))


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
        _supersede_open_plans(case)
        plan = Plan(case_id=case.id, version=_next_version(case), status=PlanStatus.proposed)
        for source_id, need_id, amount, units in items:
            _add_items(plan, taker, source_id, need_id, amount, units, names.get(source_id, ""))
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


def global_money_sources() -> list[Source]:
    """Money sources for global allocation (rules only: projects with household conditions are
    left to per-case plans, whose eligibility check sees the household)."""
    sources = catalog.pool_sources()
    for fund in db.session.scalars(select(CompanyFund).where(CompanyFund.active.is_(True))):
        balance = ledger.balance(codes.fund(fund.id))
        if balance > 0:
            sources.append(_fund_source(fund, balance, fund.per_case_cap_fen))
    today = local_today()
    for project in db.session.scalars(ngos.active_projects_query()):
        if project.kind.value == "service" or project.household_min or project.household_max:
            continue
        if not open_on(ngos.project_rule(project), today):  # not started yet
            continue
        money = ngos.budget_remaining(project)
        if money > 0:
            sources.append(_project_source(project, money, 0, project.per_case_cap_fen))
    return sources
