"""Pledges: money promised to a case (or a rule), reserved while the donor pays."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Organization, User
from marketplace.cases.models import Case, NeedLine
from marketplace.cases.reference import MAX_FEN
from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import Model
from marketplace.state_machine import Transitions


class PledgeStatus(enum.StrEnum):
    pending = "pending"  # checkout open; the amount is reserved on the case until reserved_until
    paid = "paid"  # money received and placed (case, pool or fallback)
    expired = "expired"  # checkout expired unpaid; reservation released
    cancelled = "cancelled"  # donor cancelled before paying
    failed = "failed"  # asynchronous payment failed
    refunded = "refunded"  # money returned to the donor


PLEDGE_TRANSITIONS: Transitions[PledgeStatus] = Transitions(
    {
        PledgeStatus.pending: {
            PledgeStatus.paid,
            PledgeStatus.expired,
            PledgeStatus.cancelled,
            PledgeStatus.failed,
        },
        # a payment that arrives after the checkout ended is still taken (it may follow the
        # donor's fallback)
        PledgeStatus.expired: {PledgeStatus.paid},
        PledgeStatus.cancelled: {PledgeStatus.paid},
        PledgeStatus.failed: {PledgeStatus.paid},
        PledgeStatus.paid: {PledgeStatus.refunded},
        PledgeStatus.refunded: set(),
    }
)

OPEN_POOL = "status = 'paid' AND placed_fen < amount_fen AND rule_class_id IS NOT NULL"


class Fallback(enum.StrEnum):
    similar = "similar"  # move to the most similar open need
    refund = "refund"  # give the money back


class RuleClass(Model):
    """Rule pledges with the same rule (categories, region prefix, age band) form one class.

    The matching engine sees one source per class, holding the class's pool account
    (``pool:<id>`` in the ledger, whose balance is the money of the class still unplaced); a
    plan takes a class's money from its pledges oldest first. Rows are only ever added.
    """

    __tablename__ = "rule_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: canonical form of the rule, e.g. ``education,medical|4210|60+``
    key: Mapped[str] = mapped_column(String(200), unique=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(6), default="")
    age_band: Mapped[str | None] = mapped_column(String(10))


class Pledge(Model):
    __tablename__ = "pledges"
    __table_args__ = (
        CheckConstraint(f"amount_fen >= 100 AND amount_fen <= {MAX_FEN}", name="amount_range"),
        CheckConstraint(
            "case_id IS NOT NULL OR rule IS NOT NULL OR fund_id IS NOT NULL", name="target"
        ),
        # the pledges of a rule class whose money still waits in the pool, oldest first
        Index(
            "ix_pledges_open_pool",
            "rule_class_id",
            "id",
            sqlite_where=text(OPEN_POOL),
            postgresql_where=text(OPEN_POOL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: set when a company's staff pledges for the company
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    need_line_id: Mapped[int | None] = mapped_column(ForeignKey("need_lines.id"))
    #: a company paying money into its own fund
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("company_funds.id"))
    #: rule pledges: {"categories": [...], "region": "4210", "age_band": "60-69" | None}
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rule_class_id: Mapped[int | None] = mapped_column(ForeignKey("rule_classes.id"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[PledgeStatus] = mapped_column(
        Enum(PledgeStatus, name="pledge_status", native_enum=False, length=16),
        default=PledgeStatus.pending,
        index=True,
    )
    #: shown publicly: the donor's name, or 爱心人士 when anonymous
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    fallback: Mapped[Fallback] = mapped_column(
        Enum(Fallback, name="pledge_fallback", native_enum=False, length=16),
        default=Fallback.similar,
    )
    reserved_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: rule pledges: when unplaced money follows the fallback
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gateway: Mapped[str] = mapped_column(String(16), default="fake")
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    payment_intent: Mapped[str | None] = mapped_column(String(255))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: rule pledges: how much of the amount plans have placed on cases so far
    placed_fen: Mapped[int] = mapped_column(Integer, default=0)
    #: what a refund gives back (a rule pledge partly placed before it expired: the rest)
    refunded_fen: Mapped[int | None] = mapped_column(Integer)
    #: the gateway's refund id once a refund recorded in the ledger was sent (outbox pattern)
    refund_id: Mapped[str | None] = mapped_column(String(255))
    #: where the money went when it could not go where the donor asked (shown to the donor)
    notice: Mapped[str | None] = mapped_column(String(500))
    #: the case that finally received the money (differs from case_id after a fallback)
    placed_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    donor: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship(foreign_keys=[case_id])
    placed_case: Mapped[Case | None] = relationship(foreign_keys=[placed_case_id])
    need_line: Mapped[NeedLine | None] = relationship()


class CompanyFund(Model):
    """A company's public-welfare fund: rules for what it supports, and an optional match."""

    __tablename__ = "company_funds"
    __table_args__ = (
        CheckConstraint("match_ratio >= 0 AND match_ratio <= 1000", name="ratio_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: what the company means to put in over time (the money itself is the ledger balance)
    budget_fen: Mapped[int] = mapped_column(Integer)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: region code prefix the fund supports ("" = anywhere)
    region: Mapped[str] = mapped_column(String(6), default="")
    per_case_cap_fen: Mapped[int | None] = mapped_column(Integer)
    #: match in percent of the gift: 100 = 1:1, 50 = 1:0.5, 0 = no match offer
    match_ratio: Mapped[int] = mapped_column(Integer, default=0)
    match_cap_per_gift_fen: Mapped[int | None] = mapped_column(Integer)
    match_cap_per_case_fen: Mapped[int | None] = mapped_column(Integer)
    #: gifts below this are not matched (against farming the match with tiny gifts)
    match_min_gift_fen: Mapped[int] = mapped_column(Integer, default=1000)
    match_daily_cap_per_donor_fen: Mapped[int | None] = mapped_column(Integer)
    match_ends_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()


class FundMatch(Model):
    """One matching gift: which fund matched which pledge on which case (caps are sums of these)."""

    __tablename__ = "fund_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("company_funds.id"), index=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
