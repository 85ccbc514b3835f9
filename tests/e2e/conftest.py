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
# screenshots of the browser flows; the every-page shots go to PAGE_SHOTS (both gitignored)
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "flows"


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


DEMO_PASSWORD = "demo-password-2026"
# tests/e2e/artifacts/ (gitignored): the screenshots of every page, rewritten on each run
PAGE_SHOTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def demo_site(app: Flask) -> Iterator[dict[str, Any]]:
    """The full demo data set loaded once for a whole test module, plus last month's report.

    Yields sample arguments for the pages' URL rules (a case ref, a pledge id, ...). A module
    using it must override ``_clean_database`` (the per-test emptying, tests/conftest.py) with
    a no-op; the tables are emptied here when the module is done, so nothing leaks into other
    tests.
    """
    from tests.conftest import _empty_tables

    with app.app_context():
        _empty_tables()  # the per-test emptying is off in this module
        from marketplace.demo import load_demo
        from marketplace.reports import services as reports

        load_demo()
        month = reports.previous_month()  # a month is reported once it has ended
        reports.generate(month)
        db.session.commit()
        samples = _demo_samples()
        samples["month"] = month.strftime("%Y-%m")
        db.session.remove()
    try:
        yield samples
    finally:
        with app.app_context():
            db.session.rollback()
            _empty_tables()
            db.session.remove()


def _demo_samples() -> dict[str, Any]:
    """One of each thing a page's URL names, taken from the demo data (sw.shashi's office)."""
    from sqlalchemy import func, select

    from marketplace.accounts.models import User
    from marketplace.cases.models import Case
    from marketplace.cases.states import CaseStatus
    from marketplace.disbursements.models import Disbursement
    from marketplace.donors.models import CompanyFund, Pledge
    from marketplace.ledger.models import JournalEntry
    from marketplace.ngos.models import Referral

    def user(email: str) -> User:
        found = db.session.scalar(select(User).where(User.email == email))
        assert found is not None, email
        return found

    office = user("sw.shashi@demo.jjn.cn").organization_id

    def case_ref(status: CaseStatus) -> str:
        ref = db.session.scalar(
            select(Case.ref)
            .where(Case.organization_id == office, Case.status == status)
            .order_by(Case.id)
        )
        assert ref, status
        return ref

    paid_out = db.session.scalars(
        select(Disbursement)
        .join(Case, Disbursement.case_id == Case.id)
        .where(Case.organization_id == office)
        .order_by(Disbursement.id)
    ).all()
    assert paid_out, "the demo has payouts in sw.shashi's office"
    pledge = db.session.scalar(
        select(Pledge.id)
        .where(Pledge.donor_id == user("donor@demo.jjn.cn").id, Pledge.case_id.is_not(None))
        .order_by(Pledge.id)
    )
    samples = {
        "case_ref": case_ref(CaseStatus.published),
        "draft_ref": case_ref(CaseStatus.draft),
        "submitted_ref": case_ref(CaseStatus.submitted),
        "money_ref": paid_out[0].case.ref,
        "disbursement_id": paid_out[0].id,  # on the same case
        "pledge_id": pledge,
        "fund_id": db.session.scalar(select(CompanyFund.id).order_by(CompanyFund.id)),
        "referral_id": db.session.scalar(select(Referral.id).order_by(Referral.id)),
        "company_id": user("csr.changjiang@demo.jjn.cn").organization_id,
        "ngo_id": user("ngo.harbor@demo.jjn.cn").organization_id,
        # an entry in the middle of the chain (it has a previous and a next entry)
        "entry_seq": db.session.scalar(select(func.max(JournalEntry.seq))) // 2,
        "user_id": user("sw.shashi@demo.jjn.cn").id,
    }
    assert all(v is not None for v in samples.values()), samples
    return samples
