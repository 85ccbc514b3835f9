"""Verifying the ledger: recompute the hash chain and, with the checks of ``core``, every
invariant from the postings (``flask --app marketplace ledger verify``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.ledger.accounts import ceiling_of
from marketplace.ledger.core import (
    GENESIS,
    EntryDraft,
    EntryKind,
    InvariantViolation,
    PostingDraft,
    Side,
    check_case_not_overfunded,
    check_entry,
    check_global_zero,
    check_no_forbidden_negative,
    entry_hash,
)
from marketplace.ledger.models import JournalEntry, LedgerAccount, LedgerHead
from marketplace.ledger.posting import ENTRY_KINDS, hash_rows


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify_report` found: the problems, the first entry that breaks the chain or
    an invariant (None when no single entry does), and how many entries were checked."""

    entries: int
    problems: list[str] = field(default_factory=list)
    first_broken_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


_ENTRY_PROBLEM = re.compile(r"entry (\d+):")


def verify() -> list[str]:
    """Recompute the hash chain and, with the checks of ``core``, every invariant from the
    postings. Returns the problems."""
    return verify_report().problems


def verify_report() -> VerifyReport:
    """:func:`verify` with the number of entries and the first broken entry."""
    problems: list[str] = []
    first_broken: int | None = None
    count = 0
    balances: dict[int, int] = {}
    received: dict[int, int] = {}
    accounts = {a.id: a for a in db.session.scalars(select(LedgerAccount))}
    prev, expected_seq = GENESIS, 1
    for entry in db.session.scalars(select(JournalEntry).order_by(JournalEntry.seq)):
        count += 1
        found = _verify_entry(entry, prev, expected_seq, accounts)
        if found and first_broken is None:
            first_broken = entry.seq
        problems += found
        for p in entry.postings:
            signed = p.amount_fen if p.side == Side.debit else -p.amount_fen
            balances[p.account_id] = balances.get(p.account_id, 0) + signed
            received[p.account_id] = received.get(p.account_id, 0) + p.received_delta_fen
        prev, expected_seq = entry.hash, entry.seq + 1
    head = db.session.get(LedgerHead, 1)
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, prev):
        problems.append(f"chain head {head.seq} does not match the last entry {expected_seq - 1}")
    problems += _verify_balances(accounts, balances, received)
    if first_broken is None:
        seqs = [int(m.group(1)) for p in problems if (m := _ENTRY_PROBLEM.match(p))]
        first_broken = min(seqs) if seqs else None
    return VerifyReport(count, problems, first_broken)


def _drafts(
    entry: JournalEntry, accounts: Mapping[int, LedgerAccount] | None = None
) -> tuple[PostingDraft, ...]:
    """The entry's postings as they were hashed. ``accounts`` (by id) saves loading each
    posting's account when a caller walks the whole chain."""
    return tuple(
        PostingDraft(
            (accounts[p.account_id] if accounts is not None else p.account).code,
            p.side,
            p.amount_fen,
            p.need_line_id,
        )
        for p in entry.postings
    )


def _hash_of(entry: JournalEntry, postings: tuple[PostingDraft, ...]) -> str:
    return entry_hash(
        entry.prev_hash,
        entry.seq,
        entry.kind,
        entry.memo,
        entry.created_at.isoformat(),
        hash_rows(postings),
    )


def recomputed_hash(entry: JournalEntry) -> str:
    """The entry's hash computed again from what is stored (equal to ``entry.hash`` unless the
    entry was changed after it was written)."""
    return _hash_of(entry, _drafts(entry))


def _verify_entry(
    entry: JournalEntry, prev: str, expected_seq: int, accounts: dict[int, LedgerAccount]
) -> list[str]:
    problems = []
    if entry.seq != expected_seq:
        problems.append(f"entry {entry.seq}: expected sequence number {expected_seq}")
    if entry.prev_hash != prev:
        problems.append(f"entry {entry.seq}: previous hash does not match the chain")
    postings = _drafts(entry, accounts)
    if _hash_of(entry, postings) != entry.hash:
        problems.append(f"entry {entry.seq}: contents do not match its hash (tampered?)")
    if entry.kind not in ENTRY_KINDS:
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
        ceiling = ceiling_of(account)
        if ceiling is not None:
            checks.append(partial(check_case_not_overfunded, {code: got}, {code: ceiling}))
    for check in checks:
        try:
            check()
        except InvariantViolation as exc:
            problems.append(str(exc))
    return problems
