"""NGO projects (money or services with eligibility rules) and referrals (转介) of service needs."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Organization, User
from marketplace.cases.models import Case, NeedLine
from marketplace.cases.vault import EncryptedText
from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import Model
from marketplace.state_machine import Transitions


class ProjectKind(enum.StrEnum):
    money = "money"
    service = "service"
    both = "both"


class ProjectStatus(enum.StrEnum):
    active = "active"
    paused = "paused"
    closed = "closed"


class Project(Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("budget_fen IS NULL OR budget_fen >= 0", name="budget_not_negative"),
        CheckConstraint("monthly_units IS NULL OR monthly_units >= 0", name="units_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ProjectKind] = mapped_column(
        Enum(ProjectKind, name="project_kind", native_enum=False, length=10)
    )
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: region code prefixes served ([] = anywhere)
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: eligible age bands ([] = any)
    age_bands: Mapped[list[str]] = mapped_column(JSON, default=list)
    household_min: Mapped[int | None] = mapped_column(Integer)
    household_max: Mapped[int | None] = mapped_column(Integer)
    per_case_cap_fen: Mapped[int | None] = mapped_column(Integer)
    #: money the NGO commits from its own funds over the project's life (stays with the NGO)
    budget_fen: Mapped[int | None] = mapped_column(Integer)
    #: service capacity per month, in units such as counselling sessions or care hours
    monthly_units: Mapped[int | None] = mapped_column(Integer)
    unit_name: Mapped[str | None] = mapped_column(String(20))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ProjectStatus] = mapped_column(
        Enum(ProjectStatus, name="project_status", native_enum=False, length=10),
        default=ProjectStatus.active,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: changes whenever the project is edited (the plan builder's catalog cache watches it)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    organization: Mapped[Organization] = relationship()


class ReferralStatus(enum.StrEnum):
    pending = "pending"  # waiting for the NGO's answer until due_at
    accepted = "accepted"
    declined = "declined"
    overdue = "overdue"  # no answer in time: the case owner is alerted
    delivered = "delivered"


REFERRAL_TRANSITIONS: Transitions[ReferralStatus] = Transitions(
    {
        ReferralStatus.pending: {
            ReferralStatus.accepted,
            ReferralStatus.declined,
            ReferralStatus.overdue,
        },
        ReferralStatus.accepted: {ReferralStatus.delivered},  # once every unit is delivered
        ReferralStatus.declined: set(),
        ReferralStatus.overdue: set(),  # the NGO can no longer answer
        ReferralStatus.delivered: set(),
    }
)


class Referral(Model):
    """A service need referred to a project; the NGO answers within a time limit (default 72 h)."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("units > 0", name="units_positive"),
        # a case's referrals by status (units referred per need line): without it SQLite's
        # planner may prefer the status index and scan every referral
        Index("ix_referrals_case_status", "case_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    need_line_id: Mapped[int] = mapped_column(ForeignKey("need_lines.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    units: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReferralStatus] = mapped_column(
        Enum(ReferralStatus, name="referral_status", native_enum=False, length=10),
        default=ReferralStatus.pending,
        index=True,
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the NGO's note when it declines, as typed (at most 500 characters); encrypted at rest
    decline_reason: Mapped[str | None] = mapped_column(EncryptedText)
    #: the social worker released the contact details this NGO needs (audited)
    contact_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_units: Mapped[int] = mapped_column(Integer, default=0)
    #: changes with every status change (the plan builder's cache of track records watches it)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    case: Mapped[Case] = relationship()
    need_line: Mapped[NeedLine] = relationship()
    project: Mapped[Project] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
