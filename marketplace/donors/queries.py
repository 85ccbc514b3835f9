"""What donors and the public read about pledges: the amount a new pledge may still take, a
donor's own pledges, and the gifts a case shows (by name, or as 爱心人士)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.cases.models import Case, NeedLine
from marketplace.cases.services import unreserved_fen
from marketplace.donors.models import Pledge, PledgeStatus
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.ledger import services as ledger

ANONYMOUS_NAME = "爱心人士"


def available_fen(case: Case, line: NeedLine | None = None) -> int:
    """What a new pledge may still take: need left after money received and open reservations."""
    if line is not None:
        got = ledger.received_by_line(case.id).get(line.id, 0)
        reserved = sum(
            p.amount_fen
            for p in db.session.scalars(
                select(Pledge).where(
                    Pledge.need_line_id == line.id, Pledge.status == PledgeStatus.pending
                )
            )
        )
        line_open = max((line.amount_fen or 0) - got - reserved, 0)
        return min(line_open, unreserved_fen(case))
    return unreserved_fen(case)


def get_pledge(pledge_id: int) -> Pledge:
    if not 0 < pledge_id < 2**31:  # beyond any id; also beyond what the databases can compare
        raise NotFound(_l("No such pledge."))
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        raise NotFound(_l("No such pledge."))
    return pledge


def donor_pledges(donor: User) -> list[Pledge]:
    return list(
        db.session.scalars(
            select(Pledge).where(Pledge.donor_id == donor.id).order_by(Pledge.created_at.desc())
        )
    )


def public_name(pledge: Pledge) -> str:
    return ANONYMOUS_NAME if pledge.anonymous else (pledge.donor.display_name or ANONYMOUS_NAME)


def pledge_view(pledge: Pledge) -> dict[str, Any]:
    """The donor's own view of a pledge (dump with ``PledgeOutSchema``)."""
    return {
        "id": pledge.id,
        "status": pledge.status.value,
        "amount_fen": pledge.amount_fen,
        "case_ref": pledge.case.ref if pledge.case else None,
        "placed_case_ref": pledge.placed_case.ref if pledge.placed_case else None,
        "need_line_id": pledge.need_line_id,
        "rule": pledge.rule,
        "anonymous": pledge.anonymous,
        "fallback": pledge.fallback.value,
        "reserved_until": pledge.reserved_until,
        "expires_at": pledge.expires_at,
        "paid_at": pledge.paid_at,
        "notice": pledge.notice,
        "created_at": pledge.created_at,
    }


def pledge_description(pledge: Pledge) -> str:
    if pledge.fund_id is not None:
        return str(_l("Payment into company fund %(id)s", id=pledge.fund_id))
    if pledge.case is not None:
        return str(_l("Gift to case %(ref)s", ref=pledge.case.ref))
    return str(
        _l("Gift to a rule: %(categories)s", categories=", ".join(pledge.rule["categories"]))
    )


def public_gifts(case: Case) -> list[dict[str, Any]]:
    """Paid gifts placed on the case, as the public may see them: name or 爱心人士, amount, date."""
    pledges = db.session.scalars(
        select(Pledge)
        .where(Pledge.placed_case_id == case.id, Pledge.status == PledgeStatus.paid)
        .order_by(Pledge.paid_at.desc())
    ).all()
    return [
        {"name": public_name(p), "amount_fen": p.amount_fen, "paid_at": p.paid_at} for p in pledges
    ]
