"""Permission matrix: every case route x every role x own/other organization.

Expected outcomes are derived from the rules, not from the code under test:
- public routes answer everyone;
- creating a case: social workers of a case-owning organization;
- reading/changing a case's internals: the case's own organization (social worker to change,
  reviewer/admin to read), a platform reviewer may read and review; everyone else gets 401
  (no token), 403 or 404 (existence of a non-public case is private).
"""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.accounts.models import OrgKind, Role
from tests.conftest import case_payload, make_user, token_for

#: (role, org kind, same organization as the case?)
ACTORS: list[tuple[str, Role | None, OrgKind | None, bool]] = [
    ("anonymous", None, None, False),
    ("donor", Role.donor, None, False),
    ("sw_own", Role.social_worker, OrgKind.civil_affairs, True),
    ("sw_other", Role.social_worker, OrgKind.civil_affairs, False),
    ("reviewer_own", Role.reviewer, OrgKind.civil_affairs, True),
    ("reviewer_other", Role.reviewer, OrgKind.civil_affairs, False),
    ("reviewer_platform", Role.reviewer, OrgKind.platform, False),
    ("ngo_staff", Role.ngo_staff, OrgKind.ngo, False),
    ("company_staff", Role.company_staff, OrgKind.company, False),
    ("auditor", Role.auditor, OrgKind.platform, False),
    ("admin_own", Role.admin, OrgKind.civil_affairs, True),
    ("custodian_reviewer", Role.reviewer, OrgKind.custodian, False),
]

OK = {200, 201}


def _allowed(route: str, name: str) -> bool:
    if route in ("list", "public_detail"):
        return True
    if route == "create":
        return name in ("sw_own", "sw_other")
    if route in ("patch", "submit", "withdraw"):
        return name == "sw_own"
    if route == "manage":
        return name in ("sw_own", "reviewer_own", "admin_own", "reviewer_platform")
    if route == "private":
        return name in ("sw_own", "reviewer_own", "admin_own")
    if route == "review":
        return name in ("reviewer_own", "reviewer_platform")
    raise AssertionError(route)


def _make_actor(name: str, role: Role | None, kind: OrgKind | None, same: bool) -> dict[str, str]:
    if role is None:
        return {}
    org_name = "沙市区民政局" if same else f"{name}-org"
    if kind == OrgKind.platform:
        org_name = "平台运营中心"
    return token_for(make_user(role, kind, org_name))


@pytest.mark.parametrize(("name", "role", "kind", "same"), ACTORS, ids=[a[0] for a in ACTORS])
def test_case_routes_by_role(
    ctx: Any, client: Any, name: str, role: Any, kind: Any, same: bool
) -> None:
    owner = token_for(make_user(Role.social_worker, OrgKind.civil_affairs, "沙市区民政局"))
    submitter_reviewer = token_for(make_user(Role.reviewer, OrgKind.platform, "平台运营中心"))
    actor = _make_actor(name, role, kind, same)

    def new_case(state: str) -> str:
        ref = client.post("/api/v1/cases", json=case_payload(), headers=owner).json["ref"]
        if state in ("submitted", "published"):
            client.post(f"/api/v1/cases/{ref}/submit", headers=owner)
        if state == "published":
            r = client.post(
                f"/api/v1/cases/{ref}/review",
                json={"decision": "approve"},
                headers=submitter_reviewer,
            )
            assert r.status_code == 200
        return ref

    draft, submitted, published = new_case("draft"), new_case("submitted"), new_case("published")
    calls = {
        "list": ("get", "/api/v1/cases", None),
        "public_detail": ("get", f"/api/v1/cases/{published}", None),
        "create": ("post", "/api/v1/cases", case_payload()),
        "patch": ("patch", f"/api/v1/cases/{draft}", {"summary": "新的摘要"}),
        "manage": ("get", f"/api/v1/cases/{draft}/manage", None),
        "private": ("get", f"/api/v1/cases/{draft}/private", None),
        "submit": ("post", f"/api/v1/cases/{draft}/submit", None),
        "review": ("post", f"/api/v1/cases/{submitted}/review", {"decision": "approve"}),
        "withdraw": ("post", f"/api/v1/cases/{published}/withdraw", {"reason": "家庭情况好转"}),
    }
    for route, (method, url, body) in calls.items():
        response = getattr(client, method)(url, json=body, headers=actor)
        if _allowed(route, name):
            assert response.status_code in OK, (route, name, response.status_code, response.json)
        else:
            expected = {401} if not actor else {403, 404}
            assert response.status_code in expected, (route, name, response.status_code)
            assert response.json["error"] in ("unauthorized", "forbidden", "not_found")


@pytest.mark.parametrize(
    ("name", "role", "kind", "same"),
    [
        a
        for a in ACTORS
        if a[0]
        in (
            "anonymous",
            "donor",
            "sw_own",
            "sw_other",
            "reviewer_own",
            "reviewer_other",
            "reviewer_platform",
            "ngo_staff",
        )
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_html_case_routes_by_role(
    app: Any, ctx: Any, name: str, role: Any, kind: Any, same: bool
) -> None:
    from tests.conftest import IsolatedClient, login

    owner_user = make_user(Role.social_worker, OrgKind.civil_affairs, "沙市区民政局")
    owner = token_for(owner_user)
    app.test_client_class = IsolatedClient
    api = app.test_client()
    ref = api.post("/api/v1/cases", json=case_payload(), headers=owner).json["ref"]
    api.post(f"/api/v1/cases/{ref}/submit", headers=owner)
    browser = app.test_client()
    if role is not None:
        org_name = (
            "沙市区民政局"
            if same
            else ("平台运营中心" if kind == OrgKind.platform else f"{name}-org")
        )
        user = make_user(role, kind, org_name)
        assert login(browser, user.email).status_code == 302
    pages = {
        "dashboard": "/work",
        "new": "/work/cases/new",
        "manage": f"/work/cases/{ref}",
        "edit": f"/work/cases/{ref}/edit",
        "review_queue": "/review",
        "review": f"/review/{ref}",
        "public_detail": f"/cases/{ref}",  # submitted, not yet public
    }
    allowed = {
        "dashboard": name in ("sw_own", "sw_other"),
        "new": name in ("sw_own", "sw_other"),
        "manage": name in ("sw_own", "reviewer_own", "reviewer_platform"),
        # a submitted case is not editable: the owner is redirected back to the case
        "edit": False,
        "review_queue": name in ("reviewer_own", "reviewer_other", "reviewer_platform"),
        "review": name in ("reviewer_own", "reviewer_platform"),
        "public_detail": name in ("sw_own", "reviewer_own", "reviewer_platform"),
    }
    for page, url in pages.items():
        status = browser.get(url).status_code
        if role is None:
            expected_denied = {302, 404}  # login redirect, or not public
        else:
            expected_denied = {302, 403, 404} if page == "edit" else {403, 404}
        if allowed[page]:
            assert status == 200, (page, name, status)
        else:
            assert status in expected_denied, (page, name, status)
