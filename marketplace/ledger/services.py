"""The ledger's one write path (``post_entry``), corrections, queries and verification.

See ``marketplace/ledger/core.py`` for the design overview. Everything here runs in the caller's
transaction: the caller commits once, so a money event and the state change that caused it are
stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, Executable, func, or_, select, update
from sqlalchemy import case as case_when
from sqlalchemy.exc import IntegrityError

from marketplace.db_types import utcnow
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger.codes import CLEARING as CLEARING
from marketplace.ledger.codes import FEES as FEES
from marketplace.ledger.codes import WORLD_DONORS as WORLD_DONORS
from marketplace.ledger.codes import WORLD_NGOS as WORLD_NGOS
from marketplace.ledger.codes import WORLD_PAYEES as WORLD_PAYEES
from marketplace.ledger.codes import WORLD_REFUNDS as WORLD_REFUNDS
from marketplace.ledger.core import (
    GENESIS,
    NEGATIVE_ALLOWED,
    RETURNING_KINDS,
    AccountKind,
    EntryDraft,
    EntryKind,
    InvariantViolation,
    PostingDraft,
    Side,
    SourceKind,
    SourceRef,
    balance_deltas,
    check_case_not_overfunded,
    check_entry,
    check_global_zero,
    check_no_forbidden_negative,
    entry_hash,
)
from marketplace.ledger.models import JournalEntry, LedgerAccount, LedgerHead, Posting

_FIXED = {
    WORLD_DONORS: AccountKind.world,
    WORLD_PAYEES: AccountKind.world,
    WORLD_REFUNDS: AccountKind.world,
    WORLD_NGOS: AccountKind.world,
    CLEARING: AccountKind.clearing,
    FEES: AccountKind.fees,
}


_KINDS = frozenset(EntryKind)


class LedgerRefused(Conflict):
    """``post_entry`` refused an entry because an invariant would break."""

    code = "ledger_refused"


def _changed(stmt: Executable) -> int:
    """Rows an UPDATE changed."""
    return cast(CursorResult[Any], db.session.execute(stmt)).rowcount


# ---- accounts ---------------------------------------------------------------------------------


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


def pool_balance() -> int:
    """Money waiting in every rule class's pool together."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance_fen), 0)).where(
            LedgerAccount.kind == AccountKind.pool
        )
    )
    return int(total or 0)


# ---- the one write path -----------------------------------------------------------------------


def _received_deltas(draft: EntryDraft, accounts: dict[str, LedgerAccount]) -> list[int]:
    deltas = []
    for p in draft.postings:
        delta = 0
        if accounts[p.account].kind == AccountKind.case and draft.kind != EntryKind.reversal:
            if p.side == Side.debit:
                delta = p.amount_fen
            elif draft.kind in RETURNING_KINDS:
                delta = -p.amount_fen
        deltas.append(delta)
    return deltas


def _ceiling(account: LedgerAccount) -> int | None:
    """What the account may receive at most: a case account without a ceiling, nothing."""
    if account.kind == AccountKind.case:
        return account.ceiling_fen or 0
    return account.ceiling_fen


def _not_enough(code: str) -> LedgerRefused:
    return LedgerRefused(
        _l("Not enough money in %(account)s.", account=code),
        {"rule": "negative_balance", "account": code},
    )


def _overfunded(code: str, ceiling: int) -> LedgerRefused:
    return LedgerRefused(
        _l("This would give the case more than it still needs."),
        {"rule": "overfunded", "account": code, "need_fen": ceiling},
    )


def _refusal(exc: InvariantViolation) -> LedgerRefused:
    if exc.code == "negative_balance" and exc.account is not None:
        return _not_enough(exc.account)
    if exc.code == "overfunded" and exc.account is not None:
        return _overfunded(exc.account, exc.limit)
    return LedgerRefused(str(exc), {"rule": exc.code})


def _check_result(
    draft: EntryDraft, accounts: dict[str, LedgerAccount], received: list[int]
) -> None:
    """The balance invariants of ``core`` over what the entry would leave: no account but the
    world's goes negative, and no account receives more than its ceiling."""
    deltas = balance_deltas(draft.postings)
    check_no_forbidden_negative(
        {code: accounts[code].balance_fen + delta for code, delta in deltas.items()},
        {code: accounts[code].kind for code in deltas},
    )
    moved: dict[str, int] = {}
    for posting, delta in zip(draft.postings, received, strict=True):
        if delta:
            moved[posting.account] = moved.get(posting.account, 0) + delta
    ceilings = {code: _ceiling(accounts[code]) for code in moved}
    check_case_not_overfunded(
        {
            code: accounts[code].received_fen + moved[code]
            for code in moved
            if ceilings[code] is not None
        },
        {code: limit for code, limit in ceilings.items() if limit is not None},
    )


def post_entry(
    draft: EntryDraft,
    actor_id: int | None = None,
    received_deltas: list[int] | None = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Check every invariant of ``core`` (the entry balances with two or more positive integer
    postings; no account but the world's would go negative; no account would receive more than
    its ceiling), then write one journal entry and its postings.

    Balances are then moved with conditional UPDATEs (``... WHERE balance + delta >= 0``) so that
    two transactions cannot overdraw an account or overfund a case even on SQLite, where row
    locks do not exist; the chain head is advanced the same way, so the hash chain cannot fork.
    It all happens inside a savepoint: a refused entry leaves the caller's transaction as it was.
    On PostgreSQL the database itself refuses, at commit, an entry whose postings do not balance.

    Raises:
        LedgerRefused: an unknown kind, unbalanced, non-positive or non-integer amounts, an
            account would go negative, a case would receive more than its account's ceiling
            (its residual need), or a concurrent write.
    """
    if draft.kind not in _KINDS:
        raise LedgerRefused(f"unknown entry kind {draft.kind!r}", {"rule": "entry_kind"})
    try:
        check_entry(draft)
        accounts = {p.account: get_account(p.account) for p in draft.postings}
        received = received_deltas or _received_deltas(draft, accounts)
        _check_result(draft, accounts, received)
    except InvariantViolation as exc:
        raise _refusal(exc) from exc
    with db.session.begin_nested():  # a refusal leaves nothing behind in the caller's transaction
        for code, delta in balance_deltas(draft.postings).items():
            _move_balance(accounts[code], delta)
        for posting, delta in zip(draft.postings, received, strict=True):
            if delta:
                _move_received(accounts[posting.account], delta)
        return _append(draft, accounts, received, actor_id, reverses)


def _move_balance(account: LedgerAccount, delta: int) -> None:
    stmt = (
        update(LedgerAccount)
        .where(LedgerAccount.id == account.id)
        .values(balance_fen=LedgerAccount.balance_fen + delta)
    )
    if account.kind not in NEGATIVE_ALLOWED:
        stmt = stmt.where(LedgerAccount.balance_fen + delta >= 0)
    if _changed(stmt) != 1:
        raise _not_enough(account.code)
    db.session.expire(account, ["balance_fen"])


def _move_received(account: LedgerAccount, delta: int) -> None:
    """The concurrency guard of the ceiling: the check and the change are one statement."""
    after = LedgerAccount.received_fen + delta
    if account.kind == AccountKind.case:
        within = after <= func.coalesce(LedgerAccount.ceiling_fen, 0)
    else:
        within = or_(LedgerAccount.ceiling_fen.is_(None), after <= LedgerAccount.ceiling_fen)
    stmt = (
        update(LedgerAccount)
        .where(LedgerAccount.id == account.id, after >= 0, within)
        .values(received_fen=after)
    )
    if _changed(stmt) != 1:
        raise _overfunded(account.code, _ceiling(account) or 0)
    db.session.expire(account, ["received_fen"])


def _head() -> LedgerHead:
    head = db.session.scalar(select(LedgerHead).where(LedgerHead.id == 1).with_for_update())
    if head is None:
        try:
            with db.session.begin_nested():
                db.session.add(LedgerHead(id=1, seq=0, hash=GENESIS))
        except IntegrityError:
            pass
        head = db.session.scalar(select(LedgerHead).where(LedgerHead.id == 1).with_for_update())
    assert head is not None  # noqa: S101
    return head


def _append(
    draft: EntryDraft,
    accounts: dict[str, LedgerAccount],
    received: list[int],
    actor_id: int | None,
    reverses: JournalEntry | None,
) -> JournalEntry:
    head = _head()
    seq, prev = head.seq + 1, head.hash
    created_at = utcnow()
    kind = EntryKind(draft.kind).value
    digest = entry_hash(prev, seq, kind, draft.memo, created_at.isoformat(), _rows(draft.postings))
    advanced = _changed(
        update(LedgerHead)
        .where(LedgerHead.id == 1, LedgerHead.seq == head.seq)
        .values(seq=seq, hash=digest)
    )
    if advanced != 1:
        raise LedgerRefused(_l("Another payment was recorded at the same moment. Try again."))
    db.session.expire(head)
    entry = JournalEntry(
        seq=seq,
        kind=kind,
        memo=draft.memo,
        ref=draft.ref,
        source_type=draft.source.kind if draft.source else None,
        source_id=draft.source.id if draft.source else None,
        created_at=created_at,
        created_by_id=actor_id,
        reverses_id=reverses.id if reverses else None,
        meta=dict(draft.meta),
        prev_hash=prev,
        hash=digest,
        postings=[
            Posting(
                account_id=accounts[p.account].id,
                side=p.side,
                amount_fen=p.amount_fen,
                need_line_id=p.need_line_id,
                received_delta_fen=delta,
            )
            for p, delta in zip(draft.postings, received, strict=True)
        ],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _rows(postings: Iterable[PostingDraft]) -> list[tuple[str, str, int, int | None]]:
    return [(p.account, p.side.value, p.amount_fen, p.need_line_id) for p in postings]


def reverse_entry(entry: JournalEntry, actor_id: int | None, memo: str) -> JournalEntry:
    """Correct an entry with its mirror image; the original stays as it was."""
    if db.session.scalar(select(JournalEntry.id).where(JournalEntry.reverses_id == entry.id)):
        raise LedgerRefused(_l("This entry has already been reversed."))
    if entry.kind == EntryKind.reversal:
        raise LedgerRefused(_l("A reversal cannot itself be reversed; post a new entry."))
    draft = EntryDraft(
        kind=EntryKind.reversal,
        memo=memo,
        ref=f"reverses:{entry.seq}",
        source=SourceRef(SourceKind.journal_entry, entry.id),
        postings=tuple(
            PostingDraft(
                p.account.code,
                Side.credit if p.side == Side.debit else Side.debit,
                p.amount_fen,
                p.need_line_id,
            )
            for p in entry.postings
        ),
        reverses_seq=entry.seq,
    )
    received = [-p.received_delta_fen for p in entry.postings]
    return post_entry(draft, actor_id, received_deltas=received, reverses=entry)


# ---- queries ----------------------------------------------------------------------------------


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


# ---- verification -----------------------------------------------------------------------------


def verify() -> list[str]:
    """Recompute the hash chain and, with the checks of ``core``, every invariant from the
    postings. Returns the problems."""
    problems: list[str] = []
    balances: dict[int, int] = {}
    received: dict[int, int] = {}
    accounts = {a.id: a for a in db.session.scalars(select(LedgerAccount))}
    prev, expected_seq = GENESIS, 1
    for entry in db.session.scalars(select(JournalEntry).order_by(JournalEntry.seq)):
        problems += _verify_entry(entry, prev, expected_seq, accounts)
        for p in entry.postings:
            signed = p.amount_fen if p.side == Side.debit else -p.amount_fen
            balances[p.account_id] = balances.get(p.account_id, 0) + signed
            received[p.account_id] = received.get(p.account_id, 0) + p.received_delta_fen
        prev, expected_seq = entry.hash, entry.seq + 1
    head = db.session.get(LedgerHead, 1)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        problems.append(f"chain head {head.seq} does not match the last entry {expected_seq - 1}")
    problems += _verify_balances(accounts, balances, received)
    return problems


def _verify_entry(
    entry: JournalEntry, prev: str, expected_seq: int, accounts: dict[int, LedgerAccount]
) -> list[str]:
    problems = []
    if entry.seq != expected_seq:
        problems.append(f"entry {entry.seq}: expected sequence number {expected_seq}")
    if entry.prev_hash != prev:
        problems.append(f"entry {entry.seq}: previous hash does not match the chain")
    postings = tuple(
        PostingDraft(accounts[p.account_id].code, p.side, p.amount_fen, p.need_line_id)
        for p in entry.postings
    )
    digest = entry_hash(
        entry.prev_hash,
        entry.seq,
        entry.kind,
        entry.memo,
        entry.created_at.isoformat(),
        _rows(postings),
    )
    if digest != entry.hash:
        problems.append(f"entry {entry.seq}: contents do not match its hash (tampered?)")
    if entry.kind not in _KINDS:
        problems.append(f"entry {entry.seq}: unknown kind {entry.kind!r}")
        return problems
    try:
        check_entry(EntryDraft(EntryKind(entry.kind), entry.memo, postings))
    except InvariantViolation as exc:
        problems.append(f"entry {entry.seq}: {exc}")
    return problems


def _verify_balances(
    accounts: dict[int, LedgerAccount], balances: dict[int, int], received: dict[int, int]
) -> list[str]:
    checks: list[Callable[[], None]] = [
        partial(check_global_zero, {str(a): v for a, v in balances.items()})
    ]
    problems = []
    for account in accounts.values():
        code, computed, got = account.code, balances.get(account.id, 0), received.get(account.id, 0)
        if computed != account.balance_fen:
            problems.append(f"{code}: stored balance {account.balance_fen} != postings {computed}")
        if got != account.received_fen:
            problems.append(f"{code}: stored received {account.received_fen} != postings {got}")
        checks.append(partial(check_no_forbidden_negative, {code: computed}, {code: account.kind}))
        ceiling = _ceiling(account)
        if ceiling is not None:
            checks.append(partial(check_case_not_overfunded, {code: got}, {code: ceiling}))
    for check in checks:
        try:
            check()
        except InvariantViolation as exc:
            problems.append(str(exc))
    return problems


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
