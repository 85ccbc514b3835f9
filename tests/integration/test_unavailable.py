"""Failure is explicit (issue 10, point 8): while the database cannot be reached every request
answers 503 with Retry-After (HTML page or JSON ``service_unavailable``), never 500; /healthz
stays 200 (liveness) and /readyz says 503; once the database is back, requests succeed again
without a restart."""

from __future__ import annotations

import os
import select
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
PAGES = ["/", "/cases", "/transparency", "/transparency/districts"]
API = ["/api/v1/cases", "/api/v1/transparency/summary"]


def _app(app: Flask, url: str) -> Flask:
    config = {
        k: app.config[k]
        for k in ("SECRET_KEY", "PII_ENCRYPTION_KEY", "PII_INDEX_KEY", "STRIPE_WEBHOOK_SECRET")
    }
    config.update(APP_ENV="testing", TESTING=True, SQLALCHEMY_DATABASE_URI=url)
    return create_app(config)


def _assert_unavailable(client: Any) -> None:
    for path in PAGES:
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.status_code == 503, (path, response.status_code)
        assert response.headers["Retry-After"] == "30"
        assert "briefly unavailable" in response.text
    for path in API:
        response = client.get(path)
        assert response.status_code == 503, (path, response.status_code)
        assert response.headers["Retry-After"] == "30"
        assert response.get_json()["error"] == "service_unavailable"
    token = {"Authorization": "Bearer not-checkable-now"}
    assert client.get("/api/v1/cases/mine", headers=token).status_code == 503
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"] == "unavailable"


def _assert_available(client: Any) -> None:
    for path in [*PAGES, *API]:
        assert client.get(path).status_code == 200, path
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_sqlite_file_that_cannot_be_opened_then_appears(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    flaky = _app(app, f"sqlite:///{folder / 'db.sqlite'}")
    client = flaky.test_client()
    _assert_unavailable(client)
    folder.mkdir()  # the "database comes back": same app, no restart
    with flaky.app_context():
        upgrade(directory=MIGRATIONS)
    _assert_available(client)
    with flaky.app_context():
        db.engine.dispose()


class _Proxy:
    """A TCP proxy in front of PostgreSQL that can be stopped (closing every connection) and
    started again on the same port, as a database restart looks to the app."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(50)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        self._stop.clear()
        self._sockets = [listener]
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        thread.start()
        self._threads = [thread]

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            pump = threading.Thread(target=self._pump, args=(client, upstream), daemon=True)
            pump.start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([a, b], [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return
        finally:
            a.close()
            b.close()

    def stop(self) -> None:
        self._stop.set()
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)


@pytest.fixture
def proxied_app(app: Flask) -> Iterator[tuple[Flask, _Proxy]]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    real = make_url(url)
    proxy = _Proxy((real.host or "127.0.0.1", real.port or 5432))
    proxy.start()
    flaky = _app(app, real.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    yield flaky, proxy
    proxy.stop()
    with flaky.app_context():
        db.engine.dispose()


def test_postgresql_stopped_and_restarted_under_requests(
    proxied_app: tuple[Flask, _Proxy],
) -> None:
    flaky, proxy = proxied_app
    client = flaky.test_client()
    _assert_available(client)  # pooled connections now exist
    proxy.stop()
    _assert_unavailable(client)
    proxy.start()  # same port
    _assert_available(client)
