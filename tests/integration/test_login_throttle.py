"""Sign-in throttling (issue 10, point 3): per client IP and per account, only failures count,
429 with a translated message at the limit, one audit row per lock; shared between gunicorn
workers through Redis."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select

from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db, limiter
from tests.conftest import PASSWORD, IsolatedClient, csrf_from, make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limited_app(app: Flask) -> Iterator[Flask]:
    """The test app's database with rate limits on (in-memory storage, one process)."""
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}
    config.update(
        APP_ENV="testing",
        TESTING=True,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        PII_ENCRYPTION_KEY=app.config["PII_ENCRYPTION_KEY"],
        PII_INDEX_KEY=app.config["PII_INDEX_KEY"],
        STRIPE_WEBHOOK_SECRET=app.config["STRIPE_WEBHOOK_SECRET"],
    )
    limited = create_app(config)
    limited.test_client_class = IsolatedClient
    with limited.app_context():
        limiter.reset()
    yield limited
    with limited.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def _attempt(client: Any, email: str, password: str, ip: str, language: str = "en") -> Any:
    headers = {"Accept-Language": language}
    page = client.get("/login", environ_base={"REMOTE_ADDR": ip}, headers=headers)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": ip},
        headers=headers,
    )


def _locks(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.locked"))
        )


def test_one_account_is_locked_after_ten_failures_from_many_ips(limited_app: Flask) -> None:
    with limited_app.app_context():
        user = make_user(Role.donor, email="target@example.org")
        user_id = user.id
    client = limited_app.test_client()
    statuses = [
        _attempt(client, "target@example.org", "wrong-password-123", f"10.0.0.{i}").status_code
        for i in range(1, 13)
    ]
    assert statuses[:10] == [200] * 10  # the form again, with "wrong email or password"
    assert statuses[10:] == [429, 429]
    locked = _attempt(client, "TARGET@example.org", PASSWORD, "10.0.1.1")  # right password
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers
    assert "Too many failed sign-in attempts" in locked.text
    locks = _locks(limited_app)
    assert len(locks) == 1  # one row per lock, not per refused request
    assert locks[0].data["scope"] == "account"
    assert locks[0].data["user_id"] == user_id
    assert "target@" not in str(locks[0].data) and "target@" not in locks[0].object_id
    # another account from the same addresses is not affected
    with limited_app.app_context():
        make_user(Role.donor, email="other@example.org")
    assert _attempt(client, "other@example.org", PASSWORD, "10.0.0.1").status_code == 302


def test_successful_sign_ins_do_not_count(limited_app: Flask) -> None:
    with limited_app.app_context():
        make_user(Role.donor, email="often@example.org")
    client = limited_app.test_client()
    same_ip = {"REMOTE_ADDR": "10.0.2.1"}  # session protection ties the session to it
    for _ in range(15):
        assert _attempt(client, "often@example.org", PASSWORD, "10.0.2.1").status_code == 302
        settings = client.get("/settings", environ_base=same_ip)
        assert settings.status_code == 200
        client.post("/logout", data={"csrf_token": csrf_from(settings.text)}, environ_base=same_ip)
        assert client.get("/settings", environ_base=same_ip).status_code == 302  # signed out


def test_one_ip_is_limited_across_accounts(limited_app: Flask) -> None:
    client = limited_app.test_client()
    statuses = [
        _attempt(client, f"nobody{i}@example.org", "wrong-password-123", "10.9.9.9").status_code
        for i in range(22)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20:] == [429, 429]
    assert [lock.data["scope"] for lock in _locks(limited_app)] == ["ip"]
    # another address still gets the form
    assert _attempt(client, "nobody@example.org", "x" * 12, "10.9.9.10").status_code == 200


def test_lock_message_is_translated(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for i in range(10):
        _attempt(client, "zh@example.org", "wrong-password-123", f"10.3.0.{i}", "zh-CN")
    response = _attempt(client, "zh@example.org", "x" * 12, "10.3.1.1", "zh-CN")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.text


# ------------------------------------------------------------------ gunicorn, 4 workers, Redis


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    tmp = tmp_path_factory.mktemp("throttle")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAYMENT", "STRIPE"))}
    env.update(
        APP_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp / 'g.sqlite'}",
        SECRET_KEY="g" * 48,
        PII_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        PII_INDEX_KEY="i" * 48,
        STRIPE_WEBHOOK_SECRET="whsec_" + "w" * 32,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=f"jjn-test-{uuid.uuid4().hex[:8]}",
        TRUSTED_PROXIES="1",
        LOG_LEVEL="WARNING",
    )
    flask = [sys.executable, "-m", "flask", "--app", "marketplace"]
    for args in (
        ["db", "upgrade"],
        ["users", "create", "victim@example.org", "--role", "donor", "--password", PASSWORD],
    ):
        subprocess.run([*flask, *args], env=env, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "marketplace:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    import requests

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not answer /healthz within 120 s")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _http_attempts(url: str, email_for: Any, ip_for: Any, count: int) -> list[int]:
    import requests

    statuses = []
    for i in range(count):
        session = requests.Session()  # a new visitor each time (new cookie, other worker)
        headers = {"X-Forwarded-For": ip_for(i)}
        page = session.get(url + "/login", headers=headers, timeout=60)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert token, page.status_code
        response = session.post(
            url + "/login",
            data={"email": email_for(i), "password": "wrong-password-1", "csrf_token": token[1]},
            headers=headers,
            allow_redirects=False,
            timeout=60,
        )
        statuses.append(response.status_code)
    return statuses


def test_gunicorn_four_workers_limit_one_ip(gunicorn_url: str) -> None:
    statuses = _http_attempts(
        gunicorn_url, lambda i: f"guess{i}@example.org", lambda i: "198.51.100.7", 30
    )
    assert statuses[:20] == [200] * 20
    assert statuses[20:] == [429] * 10


def test_gunicorn_four_workers_limit_one_account_from_many_ips(gunicorn_url: str) -> None:
    statuses = _http_attempts(
        gunicorn_url, lambda i: "victim@example.org", lambda i: f"203.0.113.{i + 1}", 30
    )
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429] * 20
