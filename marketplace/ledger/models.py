"""Ledger tables: accounts, immutable journal entries and their postings, the chain head."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import Model
from marketplace.ledger.core import AccountKind, Side, SourceKind

#: running totals of whole accounts: 64-bit (SQLite's INTEGER already is)
MONEY_TOTAL = BigInteger().with_variant(Integer, "sqlite")


class LedgerAccount(Model):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint("kind = 'world' OR balance_fen >= 0", name="not_negative"),
        CheckConstraint("received_fen >= 0", name="received_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: built by :mod:`marketplace.ledger.codes`
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[AccountKind] = mapped_column(
        Enum(AccountKind, name="ledger_account_kind", native_enum=False, length=16), index=True
    )
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: maintained from postings by ``post_entry`` (debits minus credits); verify recomputes it
    balance_fen: Mapped[int] = mapped_column(MONEY_TOTAL, default=0)
    #: case accounts: money received for the case, net of refunds and reversals
    received_fen: Mapped[int] = mapped_column(MONEY_TOTAL, default=0)
    #: case accounts: the most ``received_fen`` may reach (the case's residual need, set by the
    #: cases domain); ``post_entry`` refuses more. None on a case account counts as 0.
    ceiling_fen: Mapped[int | None] = mapped_column(MONEY_TOTAL)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JournalEntry(Model):
    """Immutable. On PostgreSQL a trigger refuses UPDATE and DELETE."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_source", "source_type", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: position in the hash chain, 1, 2, 3 … without gaps
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    memo: Mapped[str] = mapped_column(String(500), default="")
    ref: Mapped[str | None] = mapped_column(String(100), index=True)
    #: the document that caused the entry (a pledge, a plan item, a disbursement, a project, or
    #: for a reversal the entry it reverses) and its id
    source_type: Mapped[SourceKind | None] = mapped_column(
        Enum(SourceKind, name="journal_source_kind", native_enum=False, length=16)
    )
    source_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the entry this one reverses (each entry can be reversed once)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="entry", order_by="Posting.id", cascade="all"
    )


class Posting(Model):
    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("side IN ('debit', 'credit')", name="side_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    side: Mapped[Side] = mapped_column(Enum(Side, name="posting_side", native_enum=False, length=8))
    amount_fen: Mapped[int] = mapped_column(Integer)
    need_line_id: Mapped[int | None] = mapped_column(ForeignKey("need_lines.id"), index=True)
    #: effect on the account's ``received_fen`` (case accounts), kept for verification
    received_delta_fen: Mapped[int] = mapped_column(Integer, default=0)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship()


class LedgerHead(Model):
    """One row: the chain's last sequence number and hash. Locked while an entry is written."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
