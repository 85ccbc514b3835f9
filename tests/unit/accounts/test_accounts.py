"""Accounts: password rules and hashing, sessions, tokens, CLI."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from marketplace.accounts import services
from marketplace.accounts.models import ApiToken, OrgKind, Role, User
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from tests.conftest import PASSWORD, csrf_from, login, make_user


def test_short_password_refused(ctx: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.create_user("a@example.org", "short-pass1", Role.donor)


def test_password_hash_is_argon2id(ctx: Any) -> None:
    user = make_user(Role.donor)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert services.authenticate(user.email, PASSWORD) == user
    assert services.authenticate(user.email, PASSWORD + "x") is None
    assert services.authenticate("nobody@example.org", PASSWORD) is None


def test_duplicate_email_and_role_org_fit(ctx: Any) -> None:
    user = make_user(Role.donor)
    with pytest.raises(Conflict):
        services.create_user(user.email.upper(), PASSWORD, Role.donor)
    company = services.get_or_create_org("某公司", OrgKind.company)
    with pytest.raises(ValidationFailed):
        services.create_user("sw@example.org", PASSWORD, Role.social_worker, company)


def test_tokens_are_stored_hashed(ctx: Any) -> None:
    user = make_user(Role.social_worker)
    token = services.create_token(user)
    stored = db.session.scalars(select(ApiToken)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert services.user_for_token(token) == user
    assert services.user_for_token(token + "x") is None


def test_session_changes_at_login_and_dies_at_logout(ctx: Any, client: Any, app: Any) -> None:
    user = make_user(Role.social_worker)
    client.get("/login")
    before = client.get_cookie("session")
    response = login(client, user.email)
    assert response.status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and (before is None or cookie.value != before.value)
    assert cookie.http_only and cookie.same_site == "Lax"
    assert client.get("/work").status_code == 200
    stolen = cookie.value
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/work").text)})
    # replaying the old cookie no longer works: the server rotated the session token
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/work").status_code == 302


def test_wrong_password_message(client: Any, ctx: Any) -> None:
    user = make_user(Role.donor)
    response = login(client, user.email, "wrong-password-123")
    assert response.status_code == 200
    assert "Wrong email or password" in response.text or "密码错误" in response.text


def test_register_donor(client: Any, ctx: Any) -> None:
    page = client.get("/register")
    response = client.post(
        "/register",
        data={
            "display_name": "热心市民",
            "email": "new.donor@example.org",
            "password": "a-long-enough-password",
            "confirm": "a-long-enough-password",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.donor@example.org"))
    assert user is not None and user.role == Role.donor


def test_cli_users_and_tokens(ctx: Any) -> None:
    runner = ctx.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cli@example.org",
            "--role",
            "social_worker",
            "--password",
            PASSWORD,
            "--org",
            "公安县民政局",
            "--org-kind",
            "civil_affairs",
        ]
    )
    assert result.exit_code == 0, result.output
    weak = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "donor", "--password", "short"]
    )
    assert weak.exit_code != 0
    token = runner.invoke(args=["tokens", "create", "cli@example.org"]).output.strip()
    assert token.startswith("jjn_")
    db.session.rollback()
    assert services.user_for_token(token).email == "cli@example.org"


def test_language_switch_and_user_setting(client: Any, ctx: Any) -> None:
    page = client.get("/cases", headers={"Accept-Language": "zh-CN"})
    assert "个案" in page.text
    client.post(
        "/language", data={"language": "en", "next": "/cases", "csrf_token": csrf_from(page.text)}
    )
    assert (
        "Cases waiting for help" in client.get("/cases", headers={"Accept-Language": "zh-CN"}).text
    )
    # a user's own setting wins over the browser
    user = make_user(Role.donor)
    user.locale = "zh_CN"
    db.session.commit()
    login(client, user.email)
    assert "待帮扶" in client.get("/cases", headers={"Accept-Language": "en"}).text


def test_open_redirect_refused(client: Any) -> None:
    page = client.get("/cases")
    response = client.post(
        "/language",
        data={
            "language": "en",
            "next": "https://evil.example/",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.headers["Location"] == "/"


_ROLE_ORG_PAIRS = [(Role.donor, None)] + [
    (role, kind)
    for kind, roles in sorted(services.ROLES_BY_ORG_KIND.items())
    for role in sorted(roles)
]


@pytest.mark.parametrize(("role", "kind"), _ROLE_ORG_PAIRS, ids=lambda v: str(v))
def test_every_role_lands_on_a_page_it_may_see(
    client: Any, ctx: Any, role: Role, kind: OrgKind | None
) -> None:
    """Issue 12 bug 6: a custodian reviewer landed on a 403 page at every login."""
    user = make_user(role, kind)
    response = login(client, user.email)
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200
