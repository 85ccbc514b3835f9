"""Who administers whom, and which auditors see everything (fail closed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from marketplace.accounts import permissions
from marketplace.accounts.models import OrgKind, Role


def _user(uid: int, role: Role, kind: OrgKind | None, org_id: int = 1, active: bool = True) -> Any:
    org = SimpleNamespace(id=org_id, kind=kind) if kind else None
    return SimpleNamespace(
        id=uid,
        role=role,
        organization=org,
        organization_id=org.id if org else None,
        active=active,
        is_authenticated=True,
    )


PLATFORM_ADMIN = _user(1, Role.admin, OrgKind.platform, org_id=9)
OFFICE_ADMIN = _user(2, Role.admin, OrgKind.civil_affairs)
WORKER = _user(3, Role.social_worker, OrgKind.civil_affairs)
FELLOW_ADMIN = _user(4, Role.admin, OrgKind.civil_affairs)
STRANGER = _user(5, Role.social_worker, OrgKind.civil_affairs, org_id=2)


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (PLATFORM_ADMIN, WORKER, True),
        (PLATFORM_ADMIN, OFFICE_ADMIN, True),
        (PLATFORM_ADMIN, PLATFORM_ADMIN, False),  # never oneself
        (OFFICE_ADMIN, WORKER, True),
        (OFFICE_ADMIN, FELLOW_ADMIN, False),
        (OFFICE_ADMIN, STRANGER, False),
        (OFFICE_ADMIN, OFFICE_ADMIN, False),
        (WORKER, STRANGER, False),
        (_user(6, Role.admin, OrgKind.platform, org_id=9, active=False), WORKER, False),
        (_user(7, Role.admin, None), WORKER, False),
        (PLATFORM_ADMIN, None, False),
    ],
)
def test_who_manages_whom(actor: Any, target: Any, allowed: bool) -> None:
    assert permissions.can_manage_user(actor, target) is allowed


def test_only_platform_admins_make_admins_or_verify_organizations() -> None:
    assert permissions.can_grant_role(PLATFORM_ADMIN, Role.admin)
    assert not permissions.can_grant_role(OFFICE_ADMIN, Role.admin)
    assert permissions.can_grant_role(OFFICE_ADMIN, Role.reviewer)
    assert not permissions.can_grant_role(WORKER, Role.reviewer)
    assert permissions.can_verify_organizations(PLATFORM_ADMIN)
    assert not permissions.can_verify_organizations(OFFICE_ADMIN)
    assert permissions.can_verify_organizations(_user(8, Role.reviewer, OrgKind.civil_affairs))


@pytest.mark.parametrize(
    ("kind", "auditor", "global_auditor"),
    [
        (OrgKind.platform, True, True),
        (OrgKind.custodian, True, True),
        (OrgKind.civil_affairs, True, False),
        (None, False, False),
    ],
)
def test_auditors(kind: OrgKind | None, auditor: bool, global_auditor: bool) -> None:
    user = _user(10, Role.auditor, kind)
    assert permissions.is_auditor(user) is auditor
    assert permissions.is_global_auditor(user) is global_auditor
    assert not permissions.is_auditor(
        _user(11, Role.auditor, kind or OrgKind.platform, active=False)
    )
    assert not permissions.is_auditor(_user(12, Role.reviewer, kind or OrgKind.platform))
