"""Ledger design overview (pure part: value objects and invariants; no Flask, no database).

Money lives in **accounts** (buckets). Every money event is one **journal entry** whose postings
move integer fen between accounts: a *debit* puts money into an account, a *credit* takes it out,
and the debits of an entry equal its credits (the entry balances, so the whole journal sums to
zero). Accounts of kind ``world`` stand for everything outside the custodian (donors paying in,
payees and refunds paid out) and are the only ones that may go negative; every other account —
Stripe clearing, funds held for a case, a company fund, the pool of unplaced rule pledges, fees —
must never go below zero.

Entries are immutable: a mistake is corrected by a reversing entry that points at the original.
Each entry stores the hash of the previous entry, so editing history breaks the chain and
``flask --app marketplace ledger verify`` reports it. The invariants below are plain functions
over value objects (as in beancount); ``marketplace.ledger.services.post_entry`` is the one write
path and runs them before anything is written.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field


class Side(enum.StrEnum):
    debit = "debit"  # money into the account
    credit = "credit"  # money out of the account


class AccountKind(enum.StrEnum):
    world = "world"  # outside the custodian; may go negative
    clearing = "clearing"  # paid at Stripe, not yet placed
    case = "case"  # held for one case
    fund = "fund"  # a company's public-welfare fund
    pool = "pool"  # unplaced rule pledges
    fees = "fees"  # payment fees
    project = "project"  # an NGO project's own budget (the money stays with the NGO)


NEGATIVE_ALLOWED = frozenset({AccountKind.world})


class EntryKind(enum.StrEnum):
    """What a journal entry records; the column stores these strings."""

    pledge_paid = "pledge_paid"  # a donor's gift paid in (to a case, a pool or clearing)
    fund_deposit = "fund_deposit"  # company staff paid into their company's fund
    match = "match"  # a company fund matches a gift
    allocation = "allocation"  # pooled money placed on a case (plan or expired rule pledge)
    fund_grant = "fund_grant"  # a company fund's grant through a plan
    project_budget = "project_budget"  # an NGO books its own budget for a project
    project_commitment = "project_commitment"  # a project's budget committed through a plan
    refund = "refund"  # money back to a donor
    reallocation = "reallocation"  # money moved from one case to another
    disbursement = "disbursement"  # paid out to a payee
    reversal = "reversal"  # the mirror image of an earlier entry


#: credits out of a case account in these entries give money back (no longer counts as received)
RETURNING_KINDS = frozenset({EntryKind.refund, EntryKind.reallocation})


class SourceKind(enum.StrEnum):
    """The kind of document that caused an entry (``journal_entries.source_type``)."""

    pledge = "pledge"
    plan_item = "plan_item"
    disbursement = "disbursement"
    project = "project"
    journal_entry = "journal_entry"  # a reversal: the entry it reverses


@dataclass(frozen=True)
class SourceRef:
    """The source document of an entry: its kind and its row id."""

    kind: SourceKind
    id: int


@dataclass(frozen=True)
class PostingDraft:
    account: str  # account code, e.g. "case:JJN-7KQ2M9XD"
    side: Side
    amount_fen: int
    need_line_id: int | None = None

    @property
    def signed(self) -> int:
        return self.amount_fen if self.side == Side.debit else -self.amount_fen


@dataclass(frozen=True)
class EntryDraft:
    kind: EntryKind
    memo: str
    postings: tuple[PostingDraft, ...]
    reverses_seq: int | None = None
    ref: str | None = None  # external reference (payment id, pledge id), shown to auditors
    meta: Mapping[str, object] = field(default_factory=dict)
    #: what caused the entry (typed; transparency reads it)
    source: SourceRef | None = None


class InvariantViolation(ValueError):
    """A ledger rule would be broken. ``code`` names the rule; ``account`` the account, if one."""

    def __init__(self, code: str, message: str, account: str | None = None, limit: int = 0):
        super().__init__(message)
        self.code = code
        self.account = account
        #: for ``overfunded``: the ceiling that would be passed
        self.limit = limit


# ---- invariants on one entry ----------------------------------------------------------------


def check_positive_amounts(entry: EntryDraft) -> None:
    for p in entry.postings:
        if not isinstance(p.amount_fen, int) or isinstance(p.amount_fen, bool):
            raise InvariantViolation("integer_fen", f"amount must be integer fen: {p.amount_fen!r}")
        if p.amount_fen <= 0:
            raise InvariantViolation(
                "positive_amount", f"posting amount must be > 0 on {p.account}"
            )


def check_two_or_more_postings(entry: EntryDraft) -> None:
    if len(entry.postings) < 2:
        raise InvariantViolation("two_postings", "an entry needs two or more postings")


def check_balanced(entry: EntryDraft) -> None:
    total = sum(p.signed for p in entry.postings)
    if total != 0:
        raise InvariantViolation("unbalanced", f"entry does not balance: off by {total} fen")


ENTRY_CHECKS: tuple[Callable[[EntryDraft], None], ...] = (
    check_two_or_more_postings,
    check_positive_amounts,
    check_balanced,
)


def check_entry(entry: EntryDraft) -> None:
    """Run every single-entry invariant; raise the first violation."""
    for check in ENTRY_CHECKS:
        check(entry)


# ---- invariants on balances -------------------------------------------------------------------


def check_no_forbidden_negative(
    balances: Mapping[str, int], kinds: Mapping[str, AccountKind]
) -> None:
    for code, balance in balances.items():
        if balance < 0 and kinds[code] not in NEGATIVE_ALLOWED:
            raise InvariantViolation(
                "negative_balance", f"{code} would go negative ({balance})", code
            )


def check_global_zero(balances: Mapping[str, int]) -> None:
    total = sum(balances.values())
    if total != 0:
        raise InvariantViolation("global_sum", f"the journal does not sum to zero ({total})")


def check_case_not_overfunded(received: Mapping[str, int], ceilings: Mapping[str, int]) -> None:
    """Money received by a case (net of refunds and reversals) never exceeds its account's
    ceiling, the case's residual need (set by the cases domain; none set means 0)."""
    for code, amount in received.items():
        limit = ceilings.get(code, 0)
        if amount > limit:
            raise InvariantViolation(
                "overfunded", f"{code} would receive {amount} fen, need is {limit}", code, limit
            )


def balance_deltas(postings: Iterable[PostingDraft]) -> dict[str, int]:
    deltas: dict[str, int] = {}
    for p in postings:
        deltas[p.account] = deltas.get(p.account, 0) + p.signed
    return deltas


# ---- tamper evidence --------------------------------------------------------------------------

GENESIS = "0" * 64


def entry_hash(
    prev_hash: str,
    seq: int,
    kind: str,
    memo: str,
    created_at: str,
    postings: Iterable[tuple[str, str, int, int | None]],
) -> str:
    """SHA-256 over the previous hash and a canonical form of the entry."""
    payload = {
        "prev": prev_hash,
        "seq": seq,
        "kind": kind,
        "memo": memo,
        "at": created_at,
        "postings": sorted(
            [list(p) for p in postings], key=lambda p: (p[0], p[1], p[2], p[3] or 0)
        ),
    }
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
