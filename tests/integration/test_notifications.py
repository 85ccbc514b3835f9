"""The notifications page: a user's own messages; "mark all as read" clears the bell."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notify, unread
from tests.conftest import csrf_from, login, make_user


def test_page_lists_own_notifications_and_marks_them_read(ctx: Any, client: Any) -> None:
    me, other = make_user(Role.social_worker), make_user(Role.social_worker)
    notify(me.id, "第一条消息", "/work", key="n1")
    notify(me.id, "第一条消息", "/work", key="n1")  # a repeated key is ignored
    notify(me.id, "第二条消息")
    notify(other.id, "别人的消息")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 3
    login(client, me.email)
    page = client.get("/notifications")
    assert page.status_code == 200
    assert "第一条消息" in page.text and "第二条消息" in page.text
    assert "别人的消息" not in page.text
    assert 'class="count-badge">2<' in page.text  # the bell counts the unread ones
    assert 'aria-label="通知:2 条未读"' in page.text  # and says so to a screen reader
    english = client.get("/notifications", headers={"Accept-Language": "en"})
    assert 'aria-label="Notifications: 2 unread"' in english.text

    assert client.post("/notifications", data={}).status_code == 400  # no CSRF token
    assert len(unread(me.id)) == 2
    done = client.post("/notifications", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/notifications")
    assert unread(me.id) == [] and len(unread(other.id)) == 1
    after = client.get("/notifications").text
    assert "count-badge" not in after and 'aria-label="通知"' in after


def test_page_needs_a_signed_in_user(client: Any) -> None:
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
