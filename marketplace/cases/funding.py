"""A case's need in money and the bookings against it: the residual need after government, what
the ledger says was received, the maintained ``open_fen``, the case's ledger account and its
ceiling, and the one "never overfund" rule of the business side (``reserve_funding``).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update

from marketplace.cases.models import Case
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger


def government_paid_fen(case: Case) -> int:
    return sum(p.amount_fen for p in case.payouts if p.status == "paid")


def residual_fen(case: Case) -> int:
    """Need left after government: open cash and in-kind need lines."""
    return sum(
        line.amount_fen or 0
        for line in case.need_lines
        if line.kind in ("cash", "in_kind") and line.status == "open"
    )


def funded_by_line(case: Case) -> dict[int | None, int]:
    """Money received per need line, from the ledger (key None: given to the case as a whole)."""
    if case.id is None:
        return {}
    return ledger.received_by_line(case.id)


def refresh_figures(case: Case) -> None:
    """Update the maintained aggregate ``open_fen`` after need lines or funding change."""
    case.open_fen = max(residual_fen(case) - sum(funded_by_line(case).values()), 0)
    if case.stage is not None:
        from marketplace.cases.lifecycle import note_funding

        note_funding(case)


def account_code(case: Case) -> str:
    """The code of the case's ledger account, opened on first use with the case's residual need
    as its ceiling: the ledger refuses money beyond it."""
    return ledger.case_account(case.ref, case.id, ceiling_fen=residual_fen(case)).code


def sync_ceiling(case: Case) -> None:
    """Tell the ledger the case's residual need after it may have changed (need lines written,
    publication). Every service that changes need lines calls it."""
    if case.id is not None:
        ledger.set_ceiling(codes.case(case.ref), residual_fen(case))


# ---- funding capacity: the one "never overfund" rule of the business side -----------------


def unreserved_fen(case: Case) -> int:
    """What may still be booked on the case: residual need minus ``committed_fen`` (money
    received plus open reservations). The read-only twin of :func:`reserve_funding`, for
    callers that size an amount before booking it."""
    return max(residual_fen(case) - case.committed_fen, 0)


def reserve_funding(case: Case, amount_fen: int) -> bool:
    """Book ``amount_fen`` of the case's need for money on its way; False (nothing booked)
    when that would pass the residual need.

    The only place that decides "would this overfund the case" before money moves: a case
    pledge's checkout, a late payment, a fallback to a similar case, a company match, a plan
    item and an expired rule pledge all book here first. One conditional UPDATE on the case
    row (``committed_fen + amount <= residual``), so two donors cannot both take the last
    500 yuan, on SQLite as on PostgreSQL. Paying turns a booking into money received (the
    commitment stays); :func:`release_funding` gives it back.

    The ledger keeps its own, independent guard: a case's ledger account carries a ceiling
    (the need, set by this domain) and refuses any posting that would make the money received
    pass it. A reservation books capacity *before* money arrives and tells a donor at once;
    the ledger ceiling is the backstop on money actually received, which holds even for a
    caller that did not reserve. Since reserved >= received, a booked amount is refused by the
    ledger only when the need shrank meanwhile; the caller then releases the booking.
    """
    done = cast(
        CursorResult[Any],
        db.session.execute(
            update(Case)
            .where(Case.id == case.id, Case.committed_fen + amount_fen <= residual_fen(case))
            .values(committed_fen=Case.committed_fen + amount_fen)
        ),
    ).rowcount
    db.session.expire(case, ["committed_fen"])
    return done == 1


def release_funding(case_id: int | None, amount_fen: int) -> None:
    """Give a booking back (an unpaid checkout, a refund, a payment the ledger refused)."""
    if case_id is None:
        return
    db.session.execute(
        update(Case)
        .where(Case.id == case_id, Case.committed_fen >= amount_fen)
        .values(committed_fen=Case.committed_fen - amount_fen)
    )
