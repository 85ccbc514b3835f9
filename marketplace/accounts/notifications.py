"""In-app notifications (new plan proposals, overdue referrals...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: already translated for the user when written; never private case data
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300))
    #: de-duplicates notifications from jobs that run more than once
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
