"""Browser test fixtures: the shared ``app`` served over HTTP, and Debian's chromium for Playwright.

The ``app`` fixture (tests/conftest.py) is session-scoped and its tables are emptied after every
test, so each test loads the data it needs itself (see ``load_demo_data``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace.extensions import db

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


class _QuietHandler(WSGIRequestHandler):
    """Keep werkzeug from printing one line per request; errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """Serve the shared app on a free port in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """Playwright's base URL (``page.goto("/cases")``) is the live server.

    Defining it here also replaces pytest-playwright's fallback ``base_url`` fixture (used when
    pytest-base-url is not installed), which is an instance method of a plugin object: pytest 9.2
    deprecates that, and ``filterwarnings = error`` turns the warning into a setup error.
    """
    return live_server


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()} (path={getattr(record, 'path', '?')})"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append(text)


@pytest.fixture
def server_errors() -> Iterator[list[str]]:
    """Errors (with tracebacks) logged while serving, e.g. the cause of a 500 page.

    The app's ``marketplace`` logger does not propagate, so pytest's log capture misses them.
    """
    handler = _Collect()
    # "werkzeug" logs what escapes the app's own error handlers ("Error on request").
    loggers = [logging.getLogger("marketplace"), logging.getLogger("werkzeug")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@pytest.fixture
def load_demo_data(app: Flask) -> Any:
    """Call to load the demo organizations, users and a few cases into the (empty) database."""

    def load(n_cases: int = 6) -> None:
        from marketplace.demo import load_demo

        with app.app_context():
            load_demo(n_cases=n_cases)
            db.session.commit()
            db.session.remove()

    return load


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A Chinese browser by default (the app's audience); a test can override the locale with
    # @pytest.mark.browser_context_args(locale=...).
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 900},
    }
