"""In-app notifications: every domain announces events through ``notify`` (in its own
transaction); the bell and the notifications page read them."""

from __future__ import annotations

from sqlalchemy import select, update

from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.notifications.models import Notification


def notify(user_id: int, text: str, link: str | None = None, key: str | None = None) -> None:
    """Add a notification (in the caller's transaction); a repeated ``key`` is ignored."""
    if key and db.session.scalar(select(Notification.id).where(Notification.key == key)):
        return
    db.session.add(Notification(user_id=user_id, text=text[:500], link=link, key=key))


def unread(user_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc())
        )
    )


def recent(user_id: int, limit: int = 100) -> list[Notification]:
    """The user's latest notifications, read or not, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc())
            .limit(limit)
        )
    )


def mark_all_read(user_id: int) -> None:
    """Mark every unread notification of the user read (in the caller's transaction)."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
