"""The ledger's one write path: :func:`post_entry` checks the invariants of ``core``, moves
balances with conditional UPDATEs, advances the hash chain's head and appends the journal entry;
:func:`reverse_entry` corrects an entry with its mirror image.

Everything here runs in the caller's transaction: the caller commits once, so a money event and
the state change that caused it are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, Executable, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.ledger.accounts import ceiling_of, get_account
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
    check_no_forbidden_negative,
    entry_hash,
)
from marketplace.ledger.models import JournalEntry, LedgerAccount, LedgerHead, Posting
from marketplace.ledger.refusals import LedgerRefused, not_enough, overfunded, refusal

#: the entry kinds the ledger knows
ENTRY_KINDS = frozenset(EntryKind)


def _changed(stmt: Executable) -> int:
    """Rows an UPDATE changed."""
    return cast(CursorResult[Any], db.session.execute(stmt)).rowcount


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
    ceilings = {code: ceiling_of(accounts[code]) for code in moved}
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
    if draft.kind not in ENTRY_KINDS:
        raise LedgerRefused(f"unknown entry kind {draft.kind!r}", {"rule": "entry_kind"})
    try:
        check_entry(draft)
        accounts = {p.account: get_account(p.account) for p in draft.postings}
        received = received_deltas or _received_deltas(draft, accounts)
        _check_result(draft, accounts, received)
    except InvariantViolation as exc:
        raise refusal(exc) from exc
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
        raise not_enough(account.code)
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
        raise overfunded(account.code, ceiling_of(account) or 0)
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
    digest = entry_hash(
        prev, seq, kind, draft.memo, created_at.isoformat(), hash_rows(draft.postings)
    )
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


def hash_rows(postings: Iterable[PostingDraft]) -> list[tuple[str, str, int, int | None]]:
    """The postings as the entry hash reads them (also when :func:`verify` recomputes it)."""
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
