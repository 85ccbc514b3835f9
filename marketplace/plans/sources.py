"""Needs and sources as the ``matching`` engine sees them: a case's open need lines with what is
still missing, every source that could serve the case (per-case caps are what is left after
earlier gifts from the same source), the money sources of the global allocation, and the
scoring weights.

Sources: rule classes with money in their pool (``class:<id>``), company funds (``fund:<id>``,
general grants within their per-case cap) and NGO projects (``project:<id>``: money from their
ledger-recorded budget, or service units within this month's capacity); see
:mod:`marketplace.plans.catalog` for how pools and projects are read quickly.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace.cases.models import Case, NeedLine
from marketplace.cases.services import unreserved_fen
from marketplace.db_types import local_today
from marketplace.donors.models import CompanyFund
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import Side
from marketplace.ngos import services as ngos
from marketplace.plans import catalog
from matching.rules import open_on
from matching.types import Need, Source, Weights


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
    """Units each service line's live referrals hold (the statuses ``ngos.referrals`` counts)."""
    from marketplace.ngos.models import Referral
    from marketplace.ngos.referrals import LIVE_REFERRAL_STATUSES

    rows = db.session.execute(
        select(Referral.need_line_id, func.sum(Referral.units))
        .where(Referral.case_id == case.id, Referral.status.in_(LIVE_REFERRAL_STATUSES))
        .group_by(Referral.need_line_id)
    ).all()
    return {line: int(units) for line, units in rows}


def candidate_sources(case: Case) -> list[Source]:
    """Every source that could serve this case, as engine ``Source`` values (per-case caps are
    what is left after earlier gifts from the same source); see :mod:`marketplace.plans.catalog`
    for how they are read quickly."""
    given = given_to_case(case)
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
            cap = cap_left(fund.per_case_cap_fen, given.get(codes.fund(fund.id), 0))
            sources.append(_fund_source(fund, balance, cap))
    sources.extend(catalog.project_sources(case, given, current))
    return sources


def given_to_case(case: Case) -> dict[str, int]:
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


def cap_left(cap: int | None, given: int) -> int | None:
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


def project_source(
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


# ---- the money sources of the global allocation ----------------------------------------------


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
            sources.append(project_source(project, money, 0, project.per_case_cap_fen))
    return sources
