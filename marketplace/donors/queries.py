"""What donors and the public read about pledges: the amount a new pledge may still take, a
donor's own pledges and their dashboard (totals, and per gift the case, its progress, what was
passed on to the household and how it ended), and the gifts a case shows (by name, or as
爱心人士)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.cases.models import Case, FollowUp, NeedLine
from marketplace.cases.services import display_title, funded_by_line, residual_fen, unreserved_fen
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
        return str(
            _l(
                "Gift to %(title)s (case %(ref)s)",
                title=display_title(pledge.case),
                ref=pledge.case.ref,
            )
        )
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


# ---- the donor's dashboard ------------------------------------------------------------------

#: statuses of a pledge whose money the donor paid
_MONEY_IN = (PledgeStatus.paid, PledgeStatus.refunded)
#: statuses of a pledge that still counts as given (paid, or waiting to be paid)
_GIVEN = (PledgeStatus.pending, *_MONEY_IN)


def _refunded(pledge: Pledge) -> int:
    if pledge.status != PledgeStatus.refunded:
        return 0
    return pledge.refunded_fen if pledge.refunded_fen is not None else pledge.amount_fen


def placed_fen(pledge: Pledge) -> int:
    """The part of a paid pledge that went to a case (a rule pledge: what plans placed; a case
    gift: its amount less any refund); 0 for fund deposits and unpaid pledges."""
    if pledge.status not in _MONEY_IN or pledge.placed_case_id is None or pledge.fund_id:
        return 0
    if pledge.rule is not None and pledge.case_id is None:
        return pledge.placed_fen
    return max(pledge.amount_fen - _refunded(pledge), 0)


def _passed_on(pledges: list[Pledge]) -> dict[int, int]:
    """Per pledge: its share of what its case paid out to households and vendors (the case's
    payouts split over the money it received, as the transparency pages attribute them)."""
    received, paid_out = ledger.case_payouts(
        p.placed_case_id for p in pledges if p.placed_case_id is not None
    )
    return {
        p.id: ledger.share(
            placed_fen(p), received.get(p.placed_case_id, 0), paid_out.get(p.placed_case_id, 0)
        )
        for p in pledges
        if p.placed_case_id is not None
    }


def passed_on_fen(pledge: Pledge) -> int:
    """One pledge's share of what its case paid out (see :func:`_passed_on`)."""
    return _passed_on([pledge]).get(pledge.id, 0)


def donor_totals(donor: User) -> dict[str, int]:
    """What the donor gave (paid or still being paid), paid, saw passed on to households on
    their behalf, and got back as refunds, in fen."""
    paid = list(
        db.session.scalars(
            select(Pledge).where(Pledge.donor_id == donor.id, Pledge.status.in_(_MONEY_IN))
        )
    )
    given = db.session.scalar(
        select(func.coalesce(func.sum(Pledge.amount_fen), 0)).where(
            Pledge.donor_id == donor.id, Pledge.status.in_(_GIVEN)
        )
    )
    return {
        "given_fen": int(given or 0),
        "paid_fen": sum(p.amount_fen for p in paid),
        "passed_on_fen": sum(_passed_on(paid).values()),
        "refunded_fen": sum(_refunded(p) for p in paid),
        "gifts": len(paid),
    }


def _payouts(case: Case) -> list[dict[str, Any]]:
    """The case's payouts (entries paying ``world:payees``), net of corrections: date, amount,
    and the need line's public words when the payout was for one line."""
    lines = {line.id: line.public_description for line in case.need_lines}
    rows = []
    for entry in ledger.case_entries(case.id):
        if entry.kind != "disbursement":
            continue
        line_id = next((p.need_line_id for p in entry.postings if p.need_line_id), None)
        rows.append(
            {
                "date": entry.created_at,
                "amount_fen": entry.postings[0].amount_fen,
                "need": lines.get(line_id, "") if line_id is not None else "",
            }
        )
    return rows


def _outcome(case: Case) -> dict[str, Any] | None:
    """How a closed case ended and its answered follow-ups (scrubbed words only)."""
    if case.outcome is None:
        return None
    follow_ups = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.case_id == case.id, FollowUp.answered_at.is_not(None))
        .order_by(FollowUp.days)
    )
    return {
        "outcome": case.outcome,
        "note": case.public_outcome_note,
        "closed_at": case.closed_at,
        "follow_ups": [
            {"days": f.days, "resolved": f.resolved, "note": f.public_note} for f in follow_ups
        ],
    }


def gift_view(pledge: Pledge, passed_on: int = 0) -> dict[str, Any]:
    """One gift on the donor's dashboard: the case by its title, its progress, what of the gift
    was passed on, where the case's money went, and how the case ended."""
    case = pledge.placed_case or pledge.case
    view: dict[str, Any] = {
        "pledge": pledge,
        "case": None,
        "passed_on_fen": passed_on,
        "refunded_fen": _refunded(pledge),
        "placed_fen": placed_fen(pledge),
    }
    if case is not None:
        view["case"] = {
            "ref": case.ref,
            "title": display_title(case),
            "moved": pledge.placed_case_id is not None and pledge.placed_case_id != pledge.case_id,
            "funded_fen": sum(funded_by_line(case).values()),
            "needed_fen": residual_fen(case),
            "status": case.status.value,
            "stage": case.stage.value if case.stage else None,
            "payouts": _payouts(case) if pledge.status in _MONEY_IN else [],
            "outcome": _outcome(case),
        }
    return view


def donor_dashboard(donor: User, page: int = 1, per_page: int = 10) -> dict[str, Any]:
    """The donor's dashboard: totals over every pledge and one page of gifts, newest first."""
    pagination = db.paginate(
        select(Pledge)
        .where(Pledge.donor_id == donor.id)
        .order_by(Pledge.created_at.desc(), Pledge.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    pledges = list(pagination.items)
    passed_on = _passed_on(pledges)
    return {
        "totals": donor_totals(donor),
        "gifts": [gift_view(p, passed_on.get(p.id, 0)) for p in pledges],
        "page": {
            "page": page,
            "pages": pagination.pages,
            "total": pagination.total or 0,
            "per_page": per_page,
        },
    }
