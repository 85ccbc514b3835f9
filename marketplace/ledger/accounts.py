"""Ledger accounts: found by code and created on first use, the account of a case, fund,
project or rule class pool, and the ceiling of what an account may receive (kept current by
the cases domain with :func:`set_ceiling`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger.codes import (
    CLEARING,
    FEES,
    WORLD_DONORS,
    WORLD_NGOS,
    WORLD_PAYEES,
    WORLD_REFUNDS,
)
from marketplace.ledger.core import AccountKind
from marketplace.ledger.models import LedgerAccount
from marketplace.ledger.refusals import LedgerRefused

_FIXED = {
    WORLD_DONORS: AccountKind.world,
    WORLD_PAYEES: AccountKind.world,
    WORLD_REFUNDS: AccountKind.world,
    WORLD_NGOS: AccountKind.world,
    CLEARING: AccountKind.clearing,
    FEES: AccountKind.fees,
}


def get_account(
    code: str,
    kind: AccountKind | None = None,
    case_id: int | None = None,
    ceiling_fen: int | None = None,
) -> LedgerAccount:
    """The account with this code, created on first use (fixed codes know their kind; a new
    account starts with ``ceiling_fen``). Read afresh, so the checks see current balances."""
    query = select(LedgerAccount).where(LedgerAccount.code == code)
    account = db.session.scalar(query.execution_options(populate_existing=True))
    if account is not None:
        return account
    kind = kind or _FIXED.get(code)
    if kind is None:
        raise LedgerRefused(_l("Unknown ledger account."), {"account": code})
    try:
        with db.session.begin_nested():
            account = LedgerAccount(
                code=code,
                kind=kind,
                case_id=case_id,
                balance_fen=0,
                received_fen=0,
                ceiling_fen=ceiling_fen,
            )
            db.session.add(account)
    except IntegrityError:  # created meanwhile by a concurrent transaction
        account = db.session.scalar(query)
        assert account is not None  # noqa: S101 - the unique violation proves it exists
    return account


def case_account(ref: str, case_id: int | None, ceiling_fen: int | None = None) -> LedgerAccount:
    """The account of the case with this reference. ``ceiling_fen``: what it may receive,
    given when the account is created (the cases domain keeps it current with
    :func:`set_ceiling`); a case account without a ceiling receives nothing."""
    return get_account(codes.case(ref), AccountKind.case, case_id, ceiling_fen)


def set_ceiling(code: str, ceiling_fen: int | None) -> None:
    """The most the account may receive from now on (a case's residual need). No account yet:
    nothing to do (the ceiling is given when it is created)."""
    db.session.execute(
        update(LedgerAccount).where(LedgerAccount.code == code).values(ceiling_fen=ceiling_fen)
    )


def fund_account(fund_id: int) -> LedgerAccount:
    return get_account(codes.fund(fund_id), AccountKind.fund)


def project_account(project_id: int) -> LedgerAccount:
    return get_account(codes.project(project_id), AccountKind.project)


def pool_account(rule_class_id: int) -> LedgerAccount:
    """The pool of one rule class: paid rule pledges with that rule, not yet placed."""
    return get_account(codes.pool(rule_class_id), AccountKind.pool)


def ceiling_of(account: LedgerAccount) -> int | None:
    """What the account may receive at most: a case account without a ceiling, nothing."""
    if account.kind == AccountKind.case:
        return account.ceiling_fen or 0
    return account.ceiling_fen
