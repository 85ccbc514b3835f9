"""Company public-welfare funds (爱心企业公益基金) and matching gifts (配捐).

A fund holds money the company paid in (ledger account ``fund:<id>``). Its optional match offer
adds ``ratio`` yuan for every eligible yuan an individual gives to a case the fund's rules cover,
within a cap per gift, a cap per case and the fund's balance, until an end date. Against match
farming (many tiny gifts, as 99公益日 saw): gifts below a minimum are not matched, and each donor
has a daily cap of matched money per fund.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.cases.models import Case
from marketplace.cases.services import (
    account_code,
    applicant,
    refresh_figures,
    reserve_funding,
    unreserved_fen,
)
from marketplace.db_types import local_today, utcnow
from marketplace.donors.models import CompanyFund, FundMatch, Pledge
from marketplace.errors import NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side, SourceKind, SourceRef
from marketplace.utils import get_row
from matching.rules import Rule, fits


def create_fund(actor: User, data: dict[str, Any]) -> CompanyFund:
    """Create a fund for the actor's company (validated ``FundSchema`` data)."""
    if actor.role != Role.company_staff or actor.organization is None:
        raise PermissionDenied(_l("Only company staff can run a company fund."))
    if data.get("match_ratio") and not data.get("match_ends_on"):
        raise ValidationFailed(
            _l("A match offer needs an end date."), {"match_ends_on": ["required"]}
        )
    fund = CompanyFund(organization_id=actor.organization_id, created_by_id=actor.id, **data)
    db.session.add(fund)
    db.session.flush()
    return fund


def company_funds(actor: User) -> list[CompanyFund]:
    if actor.organization_id is None:
        return []
    return list(
        db.session.scalars(
            select(CompanyFund).where(CompanyFund.organization_id == actor.organization_id)
        )
    )


def get_fund(fund_id: int) -> CompanyFund:
    fund = get_row(CompanyFund, fund_id)
    if fund is None:
        raise NotFound(_l("No such fund."))
    return fund


def fund_balance(fund: CompanyFund) -> int:
    return ledger.balance(codes.fund(fund.id))


def fund_rule(fund: CompanyFund) -> Rule:
    """The fund's conditions for the eligibility rule (:func:`matching.rules.misfits`):
    categories and region prefix."""
    return Rule(
        categories=tuple(fund.categories or ()),
        regions=(fund.region,) if fund.region else (),
    )


def covers(fund: CompanyFund, case: Case) -> bool:
    """The fund's rules (categories, region prefix) admit the case (its hardship categories)."""
    return fits(fund_rule(fund), applicant(case, categories="case"))


def match_offers(case: Case, today: date | None = None) -> list[CompanyFund]:
    """Active match offers that cover this case (shown on the case page)."""
    today = today or local_today()
    funds = db.session.scalars(
        select(CompanyFund).where(
            CompanyFund.active.is_(True),
            CompanyFund.match_ratio > 0,
            CompanyFund.match_ends_on >= today,
        )
    ).all()
    return [f for f in funds if covers(f, case) and fund_balance(f) > 0]


def apply_matches(pledge: Pledge, case: Case, now: datetime | None = None) -> int:
    """After an individual's gift to ``case`` is paid: add every eligible match. Returns fen."""
    if pledge.donor.role != Role.donor or pledge.fund_id is not None:
        return 0
    total = 0
    now = now or utcnow()
    for fund in match_offers(case, now.date()):
        amount = _match_amount(fund, pledge, case, now)
        if amount <= 0 or not reserve_funding(case, amount):
            continue
        ledger.post_entry(
            EntryDraft(
                kind=EntryKind.match,
                memo=f"fund {fund.id} matches pledge {pledge.id}",
                ref=f"pledge:{pledge.id}",
                source=SourceRef(SourceKind.pledge, pledge.id),
                postings=(
                    PostingDraft(ledger.fund_account(fund.id).code, Side.credit, amount),
                    PostingDraft(account_code(case), Side.debit, amount),
                ),
            )
        )
        db.session.add(
            FundMatch(
                fund_id=fund.id,
                pledge_id=pledge.id,
                case_id=case.id,
                donor_id=pledge.donor_id,
                amount_fen=amount,
                created_at=now,
            )
        )
        total += amount
    if total:
        refresh_figures(case)
    db.session.flush()
    return total


def _match_amount(fund: CompanyFund, pledge: Pledge, case: Case, now: datetime) -> int:
    if pledge.amount_fen < (fund.match_min_gift_fen or 0):
        return 0
    wanted = pledge.amount_fen * fund.match_ratio // 100  # ratio in percent: 100 = 1:1
    limits = [wanted, fund_balance(fund)]
    if fund.match_cap_per_gift_fen:
        limits.append(fund.match_cap_per_gift_fen)
    if fund.match_cap_per_case_fen:
        limits.append(fund.match_cap_per_case_fen - _matched(fund, case_id=case.id))
    if fund.match_daily_cap_per_donor_fen:
        since = now - timedelta(days=1)
        limits.append(
            fund.match_daily_cap_per_donor_fen
            - _matched(fund, donor_id=pledge.donor_id, since=since)
        )
    limits.append(unreserved_fen(case))
    return max(min(limits), 0)


def _matched(fund: CompanyFund, **where: Any) -> int:
    query = select(func.coalesce(func.sum(FundMatch.amount_fen), 0)).where(
        FundMatch.fund_id == fund.id
    )
    if "case_id" in where:
        query = query.where(FundMatch.case_id == where["case_id"])
    if "donor_id" in where:
        query = query.where(FundMatch.donor_id == where["donor_id"])
    if "since" in where:
        query = query.where(FundMatch.created_at >= where["since"])
    return int(db.session.scalar(query) or 0)


def matched_total(fund: CompanyFund) -> int:
    return _matched(fund)


def offer_text(fund: CompanyFund) -> str:
    return str(
        _l(
            "For every 1 yuan you give, %(company)s adds %(ratio)s yuan",
            company=fund.organization.name,
            ratio=f"{fund.match_ratio / 100:g}",
        )
    )
