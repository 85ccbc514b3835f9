"""Disbursements (money out of a case's held funds, four eyes) and their receipts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.cases.models import Case, NeedLine
from marketplace.cases.vault import EncryptedText
from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import Model
from marketplace.state_machine import Transitions


class DisbursementStatus(enum.StrEnum):
    requested = "requested"  # waiting for a custodian reviewer
    paid = "paid"  # approved and executed through the ledger (funds held -> paid out)
    rejected = "rejected"  # a reviewer refused it, with a reason


DISBURSEMENT_TRANSITIONS: Transitions[DisbursementStatus] = Transitions(
    {
        DisbursementStatus.requested: {DisbursementStatus.paid, DisbursementStatus.rejected},
        DisbursementStatus.paid: set(),
        DisbursementStatus.rejected: set(),
    }
)


class PayeeKind(enum.StrEnum):
    vendor = "vendor"  # hospital, school, landlord, pharmacy: paid directly (preferred)
    beneficiary = "beneficiary"  # the household itself; never named in public


class Disbursement(Model):
    __tablename__ = "disbursements"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    need_line_id: Mapped[int] = mapped_column(ForeignKey("need_lines.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    payee_kind: Mapped[PayeeKind] = mapped_column(
        Enum(PayeeKind, name="payee_kind", native_enum=False, length=12)
    )
    #: a vendor's name (public) or the beneficiary's (private): encrypted at rest either way
    payee_name: Mapped[str] = mapped_column(EncryptedText)
    #: as typed (at most 300 characters, schemas and forms); encrypted at rest, never public
    purpose: Mapped[str] = mapped_column(EncryptedText)
    invoice_ref: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[DisbursementStatus] = mapped_column(
        Enum(DisbursementStatus, name="disbursement_status", native_enum=False, length=12),
        default=DisbursementStatus.requested,
        index=True,
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: why a reviewer rejected it, as typed (at most 500 characters); encrypted at rest
    reason: Mapped[str] = mapped_column(EncryptedText, default="")
    #: the journal entry that paid it out
    entry_seq: Mapped[int | None] = mapped_column(Integer, unique=True)

    case: Mapped[Case] = relationship()
    need_line: Mapped[NeedLine] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    receipts: Mapped[list[Receipt]] = relationship(
        back_populates="disbursement", order_by="Receipt.id"
    )


class ReceiptVariant(enum.StrEnum):
    original = "original"  # auditors and the case's organization
    redacted = "redacted"  # what donors to the case may see


class Receipt(Model):
    """An invoice or proof of payment, stored outside the web root under a random name."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    disbursement_id: Mapped[int] = mapped_column(ForeignKey("disbursements.id"), index=True)
    variant: Mapped[ReceiptVariant] = mapped_column(
        Enum(ReceiptVariant, name="receipt_variant", native_enum=False, length=10)
    )
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    disbursement: Mapped[Disbursement] = relationship(back_populates="receipts")
