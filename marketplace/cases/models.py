"""Cases: the public-facing record, its encrypted private part, payouts and need lines."""

from __future__ import annotations

import enum
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Organization, User
from marketplace.cases.reference import MAX_FEN, TITLE_MAX
from marketplace.cases.states import CaseStage, CaseStatus
from marketplace.cases.vault import EncryptedText
from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import Model, db


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=32, validate_strings=True)


class Case(Model):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("household_size BETWEEN 1 AND 30", name="household_size_range"),
        CheckConstraint("committed_fen >= 0", name="committed_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: opaque public reference, random (not sequential)
    ref: Mapped[str] = mapped_column(String(16), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    #: first-responder social worker (首问负责制)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the intake form's one-time token: submitting the same form twice finds this case again
    form_token: Mapped[str | None] = mapped_column(String(36), index=True, unique=True)
    status: Mapped[CaseStatus] = mapped_column(
        Enum(CaseStatus, name="case_status", native_enum=False, length=20, validate_strings=True),
        default=CaseStatus.draft,
        index=True,
    )
    #: county-level administrative division code (6 digits)
    region: Mapped[str] = mapped_column(String(6), index=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: ",medical,housing," — the categories in a form every database can filter with LIKE
    category_tags: Mapped[str] = mapped_column(String(300), default="", index=True)
    household_size: Mapped[int] = mapped_column(Integer)
    age_band: Mapped[str] = mapped_column(String(10))
    #: a short human title for donors (e.g. 独居老人的助听器), written by the social worker and
    #: refused when the anonymizer finds personal data in it; cases from before have none
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    #: the social worker's summary for the public, as typed (encrypted at rest: it may name the
    #: household; never search, filter or sort on it)
    summary: Mapped[str] = mapped_column(EncryptedText, default="")
    #: ``summary`` after the anonymizer: the only summary text the public sees
    public_summary: Mapped[str] = mapped_column(Text, default="")
    #: kinds the anonymizer removed, e.g. {"mobile": 1}; shown to the reviewer
    scrub_report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: money promised to the case: reserved by open checkouts plus received. A new pledge fits
    #: only while committed + amount <= residual (one conditional UPDATE on this row)
    committed_fen: Mapped[int] = mapped_column(Integer, default=0)
    #: maintained aggregate: residual need still open (for filters and sorting)
    open_fen: Mapped[int] = mapped_column(Integer, default=0, index=True)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    paperwork_deadline: Mapped[date | None] = mapped_column(Date)
    #: HMAC of the normalized resident ID number (duplicate-aid detection)
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: why the reviewer returned the case, as typed (encrypted at rest)
    return_reason: Mapped[str | None] = mapped_column(EncryptedText)
    #: why the case was withdrawn, as typed (encrypted at rest)
    withdraw_reason: Mapped[str | None] = mapped_column(EncryptedText)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: the money stage of a published case and when each stage was first reached
    stage: Mapped[CaseStage | None] = mapped_column(_enum(CaseStage, "case_stage"), index=True)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    funded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    disbursing_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: how it ended: resolved / partly / not_resolved, the note as typed (encrypted at rest)
    #: and the same note scrubbed for donors
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str] = mapped_column(EncryptedText, default="")
    public_outcome_note: Mapped[str] = mapped_column(Text, default="")

    organization: Mapped[Organization] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    private: Mapped[CasePrivate] = relationship(
        back_populates="case", uselist=False, cascade="all, delete-orphan"
    )
    payouts: Mapped[list[GovernmentPayout]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="GovernmentPayout.id"
    )
    need_lines: Mapped[list[NeedLine]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="NeedLine.position"
    )

    def __repr__(self) -> str:  # never include private values
        return f"<Case {self.ref} {self.status}>"


class CasePrivate(Model):
    """Private details, encrypted at rest; seen only by the case's organization (audited)."""

    __tablename__ = "case_private"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText)
    id_number: Mapped[str | None] = mapped_column(EncryptedText)
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    address: Mapped[str | None] = mapped_column(EncryptedText)
    narrative: Mapped[str | None] = mapped_column(EncryptedText)
    # JSON list of {"relation", "name"}, encrypted like the other private fields.
    household_members: Mapped[str | None] = mapped_column(EncryptedText)
    #: consent to publish an anonymized case (PIPL art. 25)
    consent_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_recorded_on: Mapped[date | None] = mapped_column(Date)
    consent_scope: Mapped[str | None] = mapped_column(String(64))
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(back_populates="private")
    consent_recorded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CasePrivate case={self.case_id}>"

    @property
    def members(self) -> list[dict[str, str]]:
        """The household members as a list of ``{"relation", "name"}`` (empty when none)."""
        return json.loads(self.household_members) if self.household_members else []

    @members.setter
    def members(self, value: list[dict[str, str]]) -> None:
        rows = [{"relation": m["relation"], "name": m["name"]} for m in value]
        self.household_members = json.dumps(rows, ensure_ascii=False) if rows else None


class GovernmentPayout(Model):
    __tablename__ = "government_payouts"
    __table_args__ = (
        CheckConstraint(f"amount_fen > 0 AND amount_fen <= {MAX_FEN}", name="amount_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(Integer)
    #: applied / approved / paid
    status: Mapped[str] = mapped_column(String(10))
    paid_on: Mapped[date | None] = mapped_column(Date)
    document_ref: Mapped[str | None] = mapped_column(String(100))

    case: Mapped[Case] = relationship(back_populates="payouts")


class NeedLine(Model):
    __tablename__ = "need_lines"
    __table_args__ = (
        CheckConstraint(
            f"amount_fen IS NULL OR (amount_fen > 0 AND amount_fen <= {MAX_FEN})",
            name="amount_range",
        ),
        CheckConstraint("units IS NULL OR units > 0", name="units_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: cash / in_kind / service
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(20))
    #: as typed, at most 500 characters (schemas and forms): encrypted at rest
    description: Mapped[str] = mapped_column(EncryptedText)
    public_description: Mapped[str] = mapped_column(String(600), default="")
    #: money needed (cash and in-kind lines); service lines may have none
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    #: number of units for service lines (e.g. 6 counselling sessions)
    units: Mapped[int | None] = mapped_column(Integer)
    unit_name: Mapped[str | None] = mapped_column(String(20))
    #: beneficiary or vendor
    payee_kind: Mapped[str] = mapped_column(String(12))
    #: open / met / cancelled
    status: Mapped[str] = mapped_column(String(10), default="open")

    case: Mapped[Case] = relationship(back_populates="need_lines")


class FollowUp(Model):
    """ "Was the crisis resolved?" asked 30 and 90 days after a case closes; donors see the
    answer (scrubbed) on the case page."""

    __tablename__ = "case_follow_ups"
    __table_args__ = (db.UniqueConstraint("case_id", "days", name="uq_follow_ups_case_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: resolved / partly / not_resolved
    resolved: Mapped[str | None] = mapped_column(String(16))
    #: the answer as typed (encrypted at rest) and scrubbed for donors
    note: Mapped[str] = mapped_column(EncryptedText, default="")
    public_note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship()


class PendingForm(Model):
    """A form kept when its POST arrived after the session (or its CSRF token) expired: the
    fields as typed, encrypted at rest like the case's private part, for the user who rendered
    the form only, until they come back to it (then deleted) or ``expires_at`` passes."""

    __tablename__ = "pending_forms"
    __table_args__ = (db.UniqueConstraint("user_id", "path", name="uq_pending_forms_user_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the page that shows the form again (e.g. /work/cases/new, a case page for a pledge)
    path: Mapped[str] = mapped_column(String(300))
    #: JSON {field name: [values]}, encrypted
    fields: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
