"""The admin's screens: organizations and their verification, users (create, change role,
deactivate and reactivate), API tokens (shown once, revoked); every action confirmed first and
audited; who may do what (a platform admin everything, an office's admin its own people)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import ApiToken, Organization, OrgKind, Role, User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from tests.conftest import PASSWORD, csrf_from, login, make_user

NEW_PASSWORD = "temporary-password-2026"


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _post_confirmed(client: Any, path: str, data: dict[str, str]) -> Any:
    """Post an action, check that it first asks for confirmation, then confirm it."""
    page = client.get("/settings")
    token = csrf_from(page.text)
    asked = client.post(path, data={**data, "csrf_token": token})
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.text, asked.text
    return client.post(path, data={**data, "csrf_token": token, "confirmed": "yes"})


@pytest.fixture
def admin(ctx: Any) -> User:
    return make_user(Role.admin, OrgKind.platform)


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.social_worker, OrgKind.civil_affairs),
        (Role.reviewer, OrgKind.platform),
        (Role.auditor, OrgKind.platform),
        (Role.ngo_staff, OrgKind.ngo),
        (Role.company_staff, OrgKind.company),
        (Role.donor, None),
    ],
)
def test_other_roles_are_refused(ctx: Any, client: Any, role: Role, kind: Any) -> None:
    target = make_user(Role.social_worker)
    user = make_user(role, kind)
    login(client, user.email)
    for path in (
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{target.id}",
        "/admin/organizations",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_from(client.get("/settings").text)
    for path, data in [
        (f"/admin/users/{target.id}/active", {"active": "no"}),
        (f"/admin/users/{target.id}/role", {"role": "reviewer"}),
        (f"/admin/users/{target.id}/tokens", {}),
    ]:
        response = client.post(path, data={**data, "csrf_token": token, "confirmed": "yes"})
        assert response.status_code == 403, path
    db.session.refresh(target)
    assert target.active and target.role == Role.social_worker


def test_admins_land_on_users_and_see_the_menu(admin: User, client: Any) -> None:
    landed = login(client, admin.email)
    assert landed.headers["Location"].endswith("/admin/users")
    page = client.get("/admin/users")
    assert 'href="/admin/users"' in page.text and 'href="/admin/organizations"' in page.text


def test_users_list_filters_and_pages(admin: User, client: Any) -> None:
    for n in range(26):
        make_user(Role.social_worker, email=f"sw{n:02d}@example.org")
    ngo = make_user(Role.ngo_staff, OrgKind.ngo, email="ngo@example.org")
    gone = make_user(Role.reviewer, email="gone@example.org")
    gone.active = False
    db.session.commit()
    login(client, admin.email)
    first = client.get("/admin/users")
    assert len(re.findall(r'href="/admin/users/\d+"', first.text)) == 25
    assert 'rel="next"' in first.text
    second = client.get("/admin/users?page=2")
    assert len(re.findall(r'href="/admin/users/\d+"', second.text)) == 4  # 29 accounts, 25 a page
    by_role = client.get("/admin/users?role=ngo_staff")
    assert "ngo@example.org" in by_role.text and "sw00@" not in by_role.text
    by_org = client.get(f"/admin/users?organization={ngo.organization_id}")
    assert "ngo@example.org" in by_org.text and "sw00@" not in by_org.text
    inactive = client.get("/admin/users?active=no")
    assert "gone@example.org" in inactive.text and "sw00@" not in inactive.text
    for bad in ("role=king", "organization=999999", "active=maybe", "organization=abc"):
        response = client.get(f"/admin/users?{bad}")
        assert response.status_code == 422 and 'class="field-error"' in response.text, bad
    assert 'class="empty"' in client.get("/admin/users?role=company_staff").text


def test_organizations_list_filters_and_verification(admin: User, client: Any) -> None:
    make_user(Role.social_worker)  # a civil-affairs office (verified when created)
    ngo_staff = make_user(Role.ngo_staff, OrgKind.ngo)
    ngo = ngo_staff.organization
    accounts.record_registration(ngo, "91420100MA4K2XYZ6P")
    db.session.commit()
    login(client, admin.email)
    page = client.get("/admin/organizations", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and ngo.name in page.text and "91420100MA4K2XYZ6P" in page.text
    waiting = client.get("/admin/organizations?status=unverified")
    assert ngo.name in waiting.text and "沙市区民政局" not in waiting.text
    only_ngos = client.get("/admin/organizations?kind=ngo")
    assert ngo.name in only_ngos.text and "沙市区民政局" not in only_ngos.text
    assert client.get("/admin/organizations?kind=bank").status_code == 422

    done = _post_confirmed(
        client, f"/admin/organizations/{ngo.id}/verification", {"verified": "yes"}
    )
    assert done.status_code == 303
    db.session.refresh(ngo)
    assert ngo.verified and ngo.verified_by_id == admin.id
    assert [e.object_id for e in _events("org.verify")] == [str(ngo.id)]

    done = _post_confirmed(
        client, f"/admin/organizations/{ngo.id}/verification", {"verified": "no"}
    )
    db.session.refresh(ngo)
    assert not ngo.verified and [e.actor_id for e in _events("org.unverify")] == [admin.id]
    assert (
        client.post(
            "/admin/organizations/999999/verification",
            data={"verified": "yes", "csrf_token": csrf_from(page.text), "confirmed": "yes"},
        ).status_code
        == 404
    )


def test_an_ngo_without_a_registration_number_is_not_verified(admin: User, client: Any) -> None:
    ngo = make_user(Role.ngo_staff, OrgKind.ngo).organization
    login(client, admin.email)
    done = _post_confirmed(
        client, f"/admin/organizations/{ngo.id}/verification", {"verified": "yes"}
    )
    assert done.status_code == 303
    db.session.refresh(ngo)
    assert not ngo.verified and _events("org.verify") == []
    shown = client.get(done.headers["Location"])
    assert "该机构尚未提供登记代码。" in shown.text and "flash-error" in shown.text


def test_an_admin_creates_a_user_who_can_sign_in(admin: User, client: Any) -> None:
    office = make_user(Role.social_worker).organization
    login(client, admin.email)
    page = client.get("/admin/users/new")
    form = {
        "csrf_token": csrf_from(page.text),
        "email": "New.Worker@Example.org",
        "display_name": "新社工",
        "role": "social_worker",
        "organization": str(office.id),
        "password": NEW_PASSWORD,
    }
    created = client.post("/admin/users/new", data=form)
    assert created.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "new.worker@example.org"))
    assert user.role == Role.social_worker and user.organization_id == office.id
    event = _events("user.create")[0]
    assert event.actor_id == admin.id and event.object_id == str(user.id)
    assert NEW_PASSWORD not in str(event.data) and "example.org" not in str(event.data)

    again = client.post("/admin/users/new", data=form)
    assert (
        again.status_code == 422
        and "already exists" in client.get("/admin/users/new").text
        or again.status_code == 422
    )
    bad = client.post(
        "/admin/users/new", data={**form, "email": "x@example.org", "role": "ngo_staff"}
    )
    assert bad.status_code == 422 and 'class="field-error"' in bad.text
    short = client.post(
        "/admin/users/new", data={**form, "email": "y@example.org", "password": "short"}
    )
    assert short.status_code == 422 and 'class="field-error"' in short.text

    client.post("/logout", data={"csrf_token": csrf_from(client.get("/settings").text)})
    assert (
        login(client, "new.worker@example.org", NEW_PASSWORD).headers["Location"].endswith("/work")
    )


def test_changing_a_role_is_confirmed_and_audited(admin: User, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, admin.email)
    done = _post_confirmed(client, f"/admin/users/{worker.id}/role", {"role": "reviewer"})
    assert done.status_code == 303
    db.session.refresh(worker)
    assert worker.role == Role.reviewer
    event = _events("user.role")[0]
    assert event.data == {"before": "social_worker", "after": "reviewer"}
    page = client.get(f"/admin/users/{worker.id}")
    refused = client.post(
        f"/admin/users/{worker.id}/role",
        data={"role": "company_staff", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 422 and 'class="field-error"' in refused.text


def test_deactivation_ends_sessions_and_tokens_and_nobody_deactivates_themself(
    admin: User, client: Any, app: Any
) -> None:
    worker = make_user(Role.social_worker)
    other = app.test_client()
    login(other, worker.email)
    assert other.get("/work").status_code == 200
    token = accounts.create_token(worker)
    db.session.commit()
    assert (
        client.get("/api/v1/cases/mine", headers={"Authorization": f"Bearer {token}"}).status_code
        != 401
    )

    login(client, admin.email)
    done = _post_confirmed(client, f"/admin/users/{worker.id}/active", {"active": "no"})
    assert done.status_code == 303
    db.session.refresh(worker)
    assert not worker.active
    assert other.get("/work").status_code == 302  # the open session stopped working
    assert (
        client.get("/api/v1/cases/mine", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert [e.object_id for e in _events("user.deactivate")] == [str(worker.id)]
    assert login(other, worker.email).status_code == 200  # cannot sign in again

    _post_confirmed(client, f"/admin/users/{worker.id}/active", {"active": "yes"})
    db.session.refresh(worker)
    assert worker.active and len(_events("user.reactivate")) == 1
    assert login(other, worker.email).status_code == 302

    own = client.get(f"/admin/users/{admin.id}")
    assert own.status_code == 200 and f"/admin/users/{admin.id}/active" not in own.text
    refused = client.post(
        f"/admin/users/{admin.id}/active",
        data={"active": "no", "csrf_token": csrf_from(own.text), "confirmed": "yes"},
    )
    assert refused.status_code == 303
    db.session.refresh(admin)
    assert admin.active and client.get("/admin/users").status_code == 200


def test_a_token_is_shown_once_works_and_is_revoked(admin: User, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, admin.email)
    created = _post_confirmed(client, f"/admin/users/{worker.id}/tokens", {})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    token = re.search(r'id="new-token">([^<]+)<', created.text).group(1)
    assert token.startswith("jjn_")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases/mine", headers=headers).status_code == 200
    page = client.get(f"/admin/users/{worker.id}")
    assert token not in page.text and token[:8] in page.text  # only its prefix, ever again
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == worker.id))
    event = _events("token.create")[0]
    assert event.data == {"prefix": token[:8]} and token not in str(event.data)

    done = _post_confirmed(client, f"/admin/tokens/{row.id}/revoke", {})
    assert done.status_code == 303
    assert client.get("/api/v1/cases/mine", headers=headers).status_code == 401
    assert len(_events("token.revoke")) == 1
    assert (
        client.post(
            "/admin/tokens/999999/revoke", data={"csrf_token": csrf_from(page.text)}
        ).status_code
        == 404
    )


def test_an_office_admin_manages_only_its_own_non_admin_people(ctx: Any, client: Any) -> None:
    office_admin = make_user(Role.admin)  # the civil-affairs office of make_user
    colleague = make_user(Role.social_worker)
    fellow_admin = make_user(Role.admin)
    stranger = make_user(Role.social_worker, org_name="荆州区民政局")
    login(client, office_admin.email)
    listing = client.get("/admin/users")
    assert colleague.email in listing.text and stranger.email not in listing.text
    assert client.get("/admin/organizations").status_code == 403
    assert client.get(f"/admin/users/{stranger.id}").status_code == 404
    token = csrf_from(listing.text)
    refused = client.post(
        f"/admin/users/{fellow_admin.id}/active",
        data={"active": "no", "csrf_token": token, "confirmed": "yes"},
    )
    assert refused.status_code == 303
    db.session.refresh(fellow_admin)
    assert fellow_admin.active
    promote = client.post(
        f"/admin/users/{colleague.id}/role",
        data={"role": "admin", "csrf_token": token, "confirmed": "yes"},
    )
    assert promote.status_code == 422
    done = _post_confirmed(client, f"/admin/users/{colleague.id}/role", {"role": "reviewer"})
    assert done.status_code == 303
    db.session.refresh(colleague)
    assert colleague.role == Role.reviewer
    new = client.get("/admin/users/new")
    assert f'value="{stranger.organization_id}"' not in new.text and 'value="admin"' not in new.text
    created = client.post(
        "/admin/users/new",
        data={
            "csrf_token": csrf_from(new.text),
            "email": "elsewhere@example.org",
            "role": "social_worker",
            "organization": str(stranger.organization_id),
            "password": PASSWORD,
        },
    )
    assert created.status_code == 422
    assert db.session.scalar(select(User).where(User.email == "elsewhere@example.org")) is None


def test_the_screens_render_in_chinese(admin: User, client: Any) -> None:
    login(client, admin.email)
    users = client.get("/admin/users")
    assert "新建账号" in users.text and "用户" in users.text
    orgs = client.get("/admin/organizations")
    assert "机构" in orgs.text
    assert db.session.scalar(select(Organization.id)) is not None
