"""Writing the audit log (in the caller's transaction)."""

from __future__ import annotations

from typing import Any, Protocol

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db


class Actor(Protocol):
    """Whoever acts: a user row (only its id is recorded)."""

    @property
    def id(self) -> int: ...


def record(
    actor: Actor | None, action: str, object_type: str, object_id: str | int, **data: Any
) -> AuditEvent:
    """Add an audit event. ``data`` must hold no private values."""
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=data,
    )
    db.session.add(event)
    return event
