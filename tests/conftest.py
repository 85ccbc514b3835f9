"""Shared fixtures: one app and one migrated database per test run (SQLite file by default,
``TEST_DATABASE_URL`` for PostgreSQL); tables are emptied after every test."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from marketplace import create_app
from marketplace.accounts import services as accounts
from marketplace.accounts.models import OrgKind, Role, User
from marketplace.extensions import db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Argon2id with minimal cost in tests only (production keeps argon2-cffi's defaults)."""
    from argon2 import PasswordHasher

    original = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts._hasher = original


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("instance")
    os.environ.pop("DATABASE_URL", None)
    application = create_app(
        {
            "APP_ENV": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "PII_ENCRYPTION_KEY": "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMta2V5LTAwMDE=",
            "PII_INDEX_KEY": "test-index-key",
            "STRIPE_WEBHOOK_SECRET": "whsec_test",
        }
    )
    application.instance_path = str(instance)
    with application.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    return application


def _empty_tables() -> None:
    if db.engine.dialect.name == "postgresql":  # the journal's immutability trigger allows this
        db.session.execute(text("SET LOCAL jjn.allow_ledger_purge = 'on'"))
    db.session.execute(
        text("UPDATE organizations SET verified_by_id = NULL")
    )  # users <-> orgs cycle
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    yield
    with app.app_context():
        db.session.rollback()
        _empty_tables()
        db.session.remove()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context for calling services directly."""
    with app.app_context():
        yield app
        db.session.rollback()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (own ``g`` and session), as in production,
    even while a test holds an app context open; afterwards the test's session starts a fresh
    transaction so it sees what the request committed."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # browsers do not follow a redirect answered with a 4xx (issue 12 bug 2)
        assert not (400 <= response.status_code < 500 and "Location" in response.headers), (
            response.status_code,
            response.headers["Location"],
        )
        if has_app_context() and db.session.registry.has():
            db.session.rollback()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


_ORG_NAMES = {
    OrgKind.civil_affairs: "沙市区民政局",
    OrgKind.platform: "平台运营中心",
    OrgKind.ngo: "阳光社工服务中心",
    OrgKind.company: "荆楚爱心企业",
    OrgKind.custodian: "荆州市慈善总会",
}


def make_user(
    role: Role | str,
    org_kind: OrgKind | str | None = OrgKind.civil_affairs,
    org_name: str | None = None,
    email: str | None = None,
) -> User:
    """Create a user (and organization) inside the current app context and commit."""
    role = Role(role)
    org = None
    if org_kind is not None and role != Role.donor:
        kind = OrgKind(org_kind)
        org = accounts.get_or_create_org(org_name or _ORG_NAMES[kind], kind, "421002")
    n = db.session.execute(text("SELECT count(*) FROM users")).scalar_one()
    user = accounts.create_user(email or f"{role.value}{n}@example.org", PASSWORD, role, org)
    db.session.commit()
    return user


def token_for(user: User) -> dict[str, str]:
    token = accounts.create_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
    )


def case_payload(**overrides: Any) -> dict[str, Any]:
    """A valid POST /api/v1/cases body with planted private values."""
    body: dict[str, Any] = {
        "private": {
            "name": "王秀英",
            "id_number": "42100219800101100X",
            "phone": "13912345678",
            "address": "沙市区解放路88号3栋201室",
            "narrative": "丈夫王建华因病住院,家中两个孩子。",
        },
        "consent": {
            "publish": True,
            "recorded_on": "2026-11-01",
            "scope": "anonymized_publication",
        },
        "region": "421002",
        "categories": ["medical"],
        "household_size": 4,
        "age_band": "45-59",
        "summary": "患者王秀英住院治疗,联系电话13912345678,医疗救助后仍有自付缺口。",
        "emergency": False,
        "government_payouts": [
            {
                "scheme": "medical",
                "amount_fen": 2_000_000,
                "status": "paid",
                "paid_on": "2026-10-20",
            },
            {
                "scheme": "temporary",
                "amount_fen": 500_000,
                "status": "paid",
                "paid_on": "2026-10-25",
            },
        ],
        "need_lines": [
            {
                "kind": "cash",
                "category": "medical",
                "description": "住院自付费用,直接支付医院",
                "amount_fen": 3_800_000,
                "payee_kind": "vendor",
            },
            {
                "kind": "service",
                "category": "psychological",
                "description": "家属心理疏导",
                "units": 6,
                "unit_name": "次",
                "payee_kind": "beneficiary",
            },
        ],
    }
    body.update(overrides)
    return body


def company_fund_page(client: FlaskClient) -> tuple[Any, str]:
    """A company (荆楚爱心企业) with a ¥50,000 fund, its staff signed in on the fund's page.
    Returns the fund and the page's HTML (for its CSRF token)."""
    from marketplace.donors import funds

    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    fund = funds.create_fund(staff, {"name": "助学基金", "budget_fen": 5_000_000})
    db.session.commit()
    login(client, staff.email)
    return fund, client.get(f"/company/funds/{fund.id}").text
