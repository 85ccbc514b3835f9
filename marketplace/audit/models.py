"""Audit log: who did what to which object, and every view of private data.

The lowest domain package: it knows users only by id (``actor_id``), so every other package
may write audit events without an import cycle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import Model


class AuditEvent(Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: e.g. "case.create", "case.submit", "case.private.view"
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    #: non-private facts only (statuses, reasons, counts) — never private field values
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
