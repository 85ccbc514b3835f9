"""Reading the ledger: an account's balance, the money in the pools, what a case received and
holds per need line, the entries that touch a case, what cases received and paid out (and a
part's share of that), the platform's totals (straight from account balances, never a
counter), and the journal as auditors browse it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy import case as case_when

from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger.codes import WORLD_DONORS, WORLD_PAYEES, WORLD_REFUNDS
from marketplace.ledger.core import AccountKind, Side
from marketplace.ledger.models import JournalEntry, LedgerAccount, Posting


def balance(code: str) -> int:
    value = db.session.scalar(select(LedgerAccount.balance_fen).where(LedgerAccount.code == code))
    return int(value or 0)


def received_by_line(case_id: int) -> dict[int | None, int]:
    """Money received for the case per need line (None: for the case as a whole)."""
    rows = db.session.execute(
        select(Posting.need_line_id, func.coalesce(func.sum(Posting.received_delta_fen), 0))
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .where(LedgerAccount.case_id == case_id)
        .group_by(Posting.need_line_id)
    ).all()
    return {line: int(total) for line, total in rows}


def held_by_line(case_id: int) -> dict[int | None, int]:
    """Money held for the case now, per need line (None: for the case as a whole): debits
    minus credits of the case account's postings."""
    signed = case_when((Posting.side == Side.debit, Posting.amount_fen), else_=-Posting.amount_fen)
    rows = db.session.execute(
        select(Posting.need_line_id, func.coalesce(func.sum(signed), 0))
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .where(LedgerAccount.case_id == case_id, LedgerAccount.kind == AccountKind.case)
        .group_by(Posting.need_line_id)
    ).all()
    return {line: int(total) for line, total in rows if total}


def case_entries(case_id: int) -> list[JournalEntry]:
    """Every journal entry that touches the case's account, in chain order."""
    touching = (
        select(Posting.entry_id)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .where(LedgerAccount.case_id == case_id)
    )
    return list(
        db.session.scalars(
            select(JournalEntry).where(JournalEntry.id.in_(touching)).order_by(JournalEntry.seq)
        )
    )


def pool_balance() -> int:
    """Money waiting in every rule class's pool together."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance_fen), 0)).where(
            LedgerAccount.kind == AccountKind.pool
        )
    )
    return int(total or 0)


def platform_totals() -> dict[str, int]:
    """Raised, held, paid out and refunded, straight from account balances (never a counter)."""
    rows = dict(
        db.session.execute(
            select(LedgerAccount.code, LedgerAccount.balance_fen).where(
                LedgerAccount.code.in_((WORLD_DONORS, WORLD_PAYEES, WORLD_REFUNDS))
            )
        ).all()
    )
    held = db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance_fen), 0)).where(
            LedgerAccount.kind.not_in((AccountKind.world, AccountKind.project))
        )
    )
    return {
        "raised_fen": -int(rows.get(WORLD_DONORS, 0)),
        "held_fen": int(held or 0),
        "disbursed_fen": int(rows.get(WORLD_PAYEES, 0)),
        "refunded_fen": int(rows.get(WORLD_REFUNDS, 0)),
    }


#: case ids per IN list (SQLite allows 32,766 parameters; PostgreSQL more)
_CHUNK = 5000


def case_payouts(case_ids: Iterable[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per case: money received (the case account's ``received_fen``) and paid out (its credits
    in the entries that pay ``world:payees``, net of corrections)."""
    received: dict[int, int] = {}
    paid_out: dict[int, int] = defaultdict(int)
    payees = db.session.scalar(select(LedgerAccount.id).where(LedgerAccount.code == WORLD_PAYEES))
    ids = sorted(set(case_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        accounts: dict[int, int] = {}  # account id -> case id
        for account_id, case_id, value in db.session.execute(
            select(LedgerAccount.id, LedgerAccount.case_id, LedgerAccount.received_fen).where(
                LedgerAccount.case_id.in_(chunk), LedgerAccount.kind == AccountKind.case
            )
        ):
            if case_id is None:  # never: the IN list selects case accounts
                continue
            accounts[account_id] = case_id
            received[case_id] = received.get(case_id, 0) + int(value)
        if payees is None or not accounts:
            continue
        pays = select(Posting.entry_id).where(Posting.account_id == payees)
        credits = func.sum(
            case_when((Posting.side == Side.credit, Posting.amount_fen), else_=-Posting.amount_fen)
        )
        for account_id, value in db.session.execute(
            select(Posting.account_id, credits)
            .where(Posting.account_id.in_(list(accounts)), Posting.entry_id.in_(pays))
            .group_by(Posting.account_id)
        ):
            paid_out[accounts[account_id]] += int(value or 0)
    return received, dict(paid_out)


def share(part: int, whole: int, paid: int) -> int:
    """``part``'s share of ``paid`` out of ``whole``, rounded down, never more than ``part``."""
    if whole <= 0 or part <= 0 or paid <= 0:
        return 0
    return min(part, part * min(paid, whole) // whole)


# ---- the journal as auditors browse it --------------------------------------------------------


def journal_query(
    kind: str | None = None,
    account: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    case_ids: Select[Any] | None = None,
) -> Select[JournalEntry]:
    """Journal entries, newest first, filtered by kind, by an account (its code, or a case
    reference for that case's account), by time (``since`` inclusive, ``until`` exclusive) and,
    for someone who may see only some cases, to entries touching those cases' accounts
    (``case_ids``: a select of case ids)."""
    query = select(JournalEntry).order_by(JournalEntry.seq.desc())
    if kind:
        query = query.where(JournalEntry.kind == kind)
    if account:
        wanted = or_(LedgerAccount.code == account, LedgerAccount.code == codes.case(account))
        query = query.where(JournalEntry.id.in_(_touching(wanted)))
    if case_ids is not None:
        query = query.where(JournalEntry.id.in_(_touching(LedgerAccount.case_id.in_(case_ids))))
    if since is not None:
        query = query.where(JournalEntry.created_at >= since)
    if until is not None:
        query = query.where(JournalEntry.created_at < until)
    return query


def _touching(condition: Any) -> Select[int]:
    return (
        select(Posting.entry_id)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .where(condition)
    )


def entry_by_seq(seq: int, case_ids: Select[Any] | None = None) -> JournalEntry | None:
    """The entry at this place in the chain (None beyond the chain, or outside ``case_ids``)."""
    if not 0 < seq < 2**31:
        return None
    query = select(JournalEntry).where(JournalEntry.seq == seq)
    if case_ids is not None:
        query = query.where(JournalEntry.id.in_(_touching(LedgerAccount.case_id.in_(case_ids))))
    return db.session.scalar(query)


def chain_neighbours(entry: JournalEntry) -> tuple[JournalEntry | None, JournalEntry | None]:
    """The entries just before and just after ``entry`` in the hash chain."""
    before = db.session.scalar(select(JournalEntry).where(JournalEntry.seq == entry.seq - 1))
    after = db.session.scalar(select(JournalEntry).where(JournalEntry.seq == entry.seq + 1))
    return before, after
