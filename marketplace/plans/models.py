"""One case, one plan: versions of a plan and their items (money from a source, or a service)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.cases.models import Case, NeedLine
from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import Model, db
from marketplace.state_machine import Transitions


class PlanStatus(enum.StrEnum):
    proposed = "proposed"  # by the allocate job; the social worker decides
    draft = "draft"  # built or edited by the social worker
    accepted = "accepted"  # committed through the ledger; at most one per case
    superseded = "superseded"  # a newer version replaced it before acceptance
    rejected = "rejected"


PLAN_TRANSITIONS: Transitions[PlanStatus] = Transitions(
    {
        # editing an open plan makes (or keeps) it a draft
        PlanStatus.proposed: {PlanStatus.draft, PlanStatus.accepted, PlanStatus.superseded},
        PlanStatus.draft: {PlanStatus.draft, PlanStatus.accepted, PlanStatus.superseded},
        PlanStatus.accepted: set(),
        PlanStatus.superseded: set(),
        PlanStatus.rejected: set(),  # no service sets it today
    }
)


class SourceKind(enum.StrEnum):
    pool = "pool"  # a paid rule pledge waiting in the pool
    fund = "fund"  # a company fund
    project = "project"  # an NGO project: money from its budget, or service units


class Plan(Model):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[PlanStatus] = mapped_column(
        Enum(PlanStatus, name="plan_status", native_enum=False, length=12), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: what was still missing when the plan was built: {need_line_id: fen or units}
    missing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship()
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanItem.id"
    )

    __table_args__ = (db.UniqueConstraint("case_id", "version", name="uq_plans_case_version"),)


class PlanItem(Model):
    __tablename__ = "plan_items"
    __table_args__ = (
        CheckConstraint(
            "amount_fen >= 0 AND units >= 0 AND amount_fen + units > 0", name="positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    need_line_id: Mapped[int] = mapped_column(ForeignKey("need_lines.id"))
    source_kind: Mapped[SourceKind] = mapped_column(
        Enum(SourceKind, name="plan_source_kind", native_enum=False, length=10)
    )
    #: pledge id (pool), fund id or project id
    source_id: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    units: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    #: the factors behind the score, for people: [{"name", "value", "weight", "label_zh", ...}]
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: shown publicly: "爱心人士", a company's or an NGO's name
    public_name: Mapped[str] = mapped_column(String(200), default="")

    plan: Mapped[Plan] = relationship(back_populates="items")
    need_line: Mapped[NeedLine] = relationship()
