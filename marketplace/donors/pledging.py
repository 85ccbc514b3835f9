"""Making pledges (to a case, to a rule, into a company fund) and the case reservation a pledge
holds until it is paid.

A case pledge reserves its amount on the case while the donor pays, through the cases domain
(:func:`~marketplace.cases.services.reserve_funding`: one conditional UPDATE on the case row),
so two donors cannot both take the last 500 yuan. Expiry, cancellation and failure give the
reservation back; paying it is :mod:`marketplace.donors.settlement`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.cases.models import Case
from marketplace.cases.services import release_funding, reserve_funding
from marketplace.cases.states import CaseStatus
from marketplace.db_types import utcnow
from marketplace.donors.models import PLEDGE_TRANSITIONS, Fallback, Pledge, PledgeStatus
from marketplace.donors.queries import available_fen
from marketplace.donors.rule_pledges import rule_class_for
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.money import MAX_FEN
from marketplace.state_machine import compare_and_set

MIN_PLEDGE_FEN = 100  # 1 yuan
PLEDGING_ROLES = (Role.donor, Role.company_staff)


def setting(name: str, default: int) -> int:
    """An integer setting of the app (minutes, days), or ``default`` outside an app context."""
    return int(current_app.config.get(name, default)) if has_app_context() else default


def create_case_pledge(
    donor: User,
    case: Case,
    amount_fen: int,
    *,
    need_line_id: int | None = None,
    anonymous: bool = True,
    fallback: Fallback = Fallback.similar,
    now: datetime | None = None,
) -> Pledge:
    """Reserve ``amount_fen`` on a published case for the donor's checkout.

    Raises:
        PermissionDenied: the user is not a donor or company staff.
        Conflict: the case is not published, or less than the amount is still open.
        ValidationFailed: amount below 1 yuan, or a need line of another case.
    """
    _check_pledger(donor, amount_fen)
    if case.status != CaseStatus.published:
        raise Conflict(_l("This case is not open for pledges."), code="case_closed")
    line = None
    if need_line_id is not None:
        line = next((n for n in case.need_lines if n.id == need_line_id), None)
        if line is None or line.kind == "service":
            raise ValidationFailed(
                _l("Choose a money need of this case."), {"need_line_id": ["invalid"]}
            )
    available = available_fen(case, line)
    if amount_fen > available:
        raise Conflict(
            _l("Only %(amount)s is still open on this case.", amount=_yuan(available)),
            {"available_fen": available},
            code="exceeds_open_amount",
        )
    if not reserve_funding(case, amount_fen):
        raise Conflict(
            _l("Someone else just pledged the rest of this case."), code="exceeds_open_amount"
        )
    now = now or utcnow()
    pledge = Pledge(
        donor_id=donor.id,
        organization_id=donor.organization_id if donor.role == Role.company_staff else None,
        case_id=case.id,
        need_line_id=line.id if line else None,
        amount_fen=amount_fen,
        status=PledgeStatus.pending,
        anonymous=anonymous,
        fallback=fallback,
        reserved_until=now + timedelta(minutes=setting("PLEDGE_RESERVATION_MINUTES", 30)),
    )
    db.session.add(pledge)
    db.session.flush()
    return pledge


def create_rule_pledge(
    donor: User,
    rule: dict[str, Any],
    amount_fen: int,
    *,
    anonymous: bool = True,
    fallback: Fallback = Fallback.similar,
    now: datetime | None = None,
) -> Pledge:
    """A pledge to a rule (categories, region prefix, age band) that matching places later."""
    _check_pledger(donor, amount_fen)
    if not rule.get("categories"):
        raise ValidationFailed(_l("Choose at least one category."), {"rule": ["categories"]})
    now = now or utcnow()
    pledge = Pledge(
        donor_id=donor.id,
        organization_id=donor.organization_id if donor.role == Role.company_staff else None,
        rule=rule,
        rule_class_id=rule_class_for(rule).id,
        amount_fen=amount_fen,
        status=PledgeStatus.pending,
        anonymous=anonymous,
        fallback=fallback,
        reserved_until=now + timedelta(minutes=setting("PLEDGE_RESERVATION_MINUTES", 30)),
        expires_at=now + timedelta(days=setting("RULE_PLEDGE_DAYS", 90)),
    )
    db.session.add(pledge)
    db.session.flush()
    return pledge


def _check_pledger(donor: User, amount_fen: int) -> None:
    if donor is None or donor.role not in PLEDGING_ROLES or not donor.active:
        raise PermissionDenied(_l("Only donors and company staff can pledge."))
    if amount_fen < MIN_PLEDGE_FEN:
        raise ValidationFailed(_l("The smallest gift is 1 yuan."), {"amount_fen": ["too small"]})
    if amount_fen > MAX_FEN:  # the fund deposit form reaches here without a schema
        raise ValidationFailed(
            _l("Amounts run from 1 fen to 10,000,000 yuan."), {"amount_fen": ["too large"]}
        )


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def _release(pledge: Pledge) -> None:
    """An unpaid pledge gives its reservation back."""
    release_funding(pledge.case_id, pledge.amount_fen)


def attach_checkout(pledge: Pledge, session_id: str, gateway: str) -> None:
    pledge.checkout_session_id = session_id
    pledge.gateway = gateway
    db.session.flush()


def cancel_pledge(actor: User, pledge: Pledge) -> bool:
    if pledge.donor_id != actor.id:
        raise NotFound(_l("No such pledge."))
    if compare_and_set(pledge, PLEDGE_TRANSITIONS, PledgeStatus.cancelled):
        _release(pledge)
        return True
    return False


def release_reservation(pledge: Pledge, status: PledgeStatus = PledgeStatus.expired) -> bool:
    """Checkout expired or failed: release the reservation once."""
    if compare_and_set(pledge, PLEDGE_TRANSITIONS, status, from_=(PledgeStatus.pending,)):
        _release(pledge)
        return True
    return False


def release_expired_reservations(now: datetime | None = None) -> int:
    """Job: pending pledges whose reservation ran out become expired. Idempotent."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(Pledge.id).where(Pledge.status == PledgeStatus.pending, Pledge.reserved_until <= now)
    ).all()
    return sum(release_reservation(db.session.get(Pledge, i)) for i in ids)


def create_pledge(donor: User, data: dict[str, Any]) -> Pledge:
    """Create a case or rule pledge from validated ``PledgeCreateSchema`` data."""
    from marketplace.cases.services import get_case

    options = {"anonymous": data["anonymous"], "fallback": Fallback(data["fallback"])}
    if data.get("case_ref"):
        case = get_case(data["case_ref"])
        return create_case_pledge(
            donor, case, data["amount_fen"], need_line_id=data.get("need_line_id"), **options
        )
    return create_rule_pledge(donor, dict(data["rule"]), data["amount_fen"], **options)


def create_fund_pledge(actor: User, fund_id: int, amount_fen: int) -> Pledge:
    """Company staff pay money into their company's fund (through the same checkout)."""
    from marketplace.donors.funds import get_fund

    fund = get_fund(fund_id)
    if actor.role != Role.company_staff or actor.organization_id != fund.organization_id:
        raise PermissionDenied(_l("Only this company's staff can pay into its fund."))
    _check_pledger(actor, amount_fen)
    pledge = Pledge(
        donor_id=actor.id,
        organization_id=actor.organization_id,
        fund_id=fund.id,
        amount_fen=amount_fen,
        status=PledgeStatus.pending,
        anonymous=False,
        reserved_until=utcnow() + timedelta(minutes=setting("PLEDGE_RESERVATION_MINUTES", 30)),
    )
    db.session.add(pledge)
    db.session.flush()
    return pledge
