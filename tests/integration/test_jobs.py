"""Background jobs: ``jobs run NAME``, the scheduler's configuration, and ``run_job``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text, update

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, OrgKind, Role
from marketplace.audit.models import AuditEvent
from marketplace.cases.models import Case
from marketplace.cases.states import CaseStatus
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.jobs import tasks
from marketplace.jobs.cli import register_cli
from marketplace.jobs.registry import JOBS, job, lock_key, run_job
from marketplace.jobs.scheduler import build_scheduler, run_scheduler, schedule_jobs
from tests.conftest import case_payload, make_user, token_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    register_cli(app)  # idempotent; marketplace.cli.register wires it in production
    return app.test_cli_runner()


def _published_case(client: Any) -> str:
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer))
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    assert client.post(f"/api/v1/cases/{ref}/submit", headers=sw).status_code == 200
    reviewed = client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    assert reviewed.json["status"] == "published"
    return ref


def _case(ref: str) -> Case:
    db.session.rollback()  # see what the job's own session committed
    return db.session.scalars(select(Case).where(Case.ref == ref)).one()


def _expire_events(ref: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "case.expire", AuditEvent.object_id == ref)
    )


# ---- jobs run NAME ------------------------------------------------------------------------


def test_jobs_run_expire_cases_is_idempotent(ctx: Any, client: Any, runner: Any) -> None:
    ref = _published_case(client)
    current = _published_case(client)
    db.session.execute(
        update(Case).where(Case.ref == ref).values(expires_at=utcnow() - timedelta(days=1))
    )
    db.session.commit()

    first = runner.invoke(args=["jobs", "run", "expire-cases"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == 'expire-cases: {"expired": 1}'
    expired = _case(ref)
    assert expired.status == CaseStatus.expired
    ended_at = expired.ended_at
    assert ended_at is not None
    assert _case(current).status == CaseStatus.published  # not past its period
    assert _expire_events(ref) == 1

    second = runner.invoke(args=["jobs", "run", "expire-cases"])
    assert second.exit_code == 0, second.output
    assert second.output.strip() == 'expire-cases: {"expired": 0}'
    again = _case(ref)
    assert again.status == CaseStatus.expired and again.ended_at == ended_at
    assert _case(current).status == CaseStatus.published
    assert _expire_events(ref) == 1


def test_jobs_run_unknown_name_lists_known_jobs(runner: Any) -> None:
    result = runner.invoke(args=["jobs", "run", "no-such-job"])
    assert result.exit_code == 2
    assert "no-such-job" in result.output
    for name in JOBS:
        assert name in result.output


def test_jobs_list_and_scheduler_help(runner: Any) -> None:
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    line = next(row for row in listed.output.splitlines() if row.startswith("expire-cases"))
    assert "hour='2'" in line and "minute='15'" in line and "next: " in line and "CST" in line
    assert {row.split("\t")[0] for row in listed.output.splitlines()} == set(JOBS)
    helped = runner.invoke(args=["scheduler", "--help"])
    assert helped.exit_code == 0 and "foreground" in helped.output


# ---- the scheduler ------------------------------------------------------------------------


def test_build_scheduler_registers_every_job_without_starting(app: Flask) -> None:
    scheduler = build_scheduler(app)
    assert not scheduler.running
    assert str(scheduler.timezone) == "Asia/Shanghai"
    jobs = scheduler.get_jobs()
    assert sorted(j.id for j in jobs) == sorted(JOBS)
    for scheduled in jobs:
        assert scheduled.id == scheduled.name
        assert scheduled.func is run_job and scheduled.args == (app, scheduled.id)
        assert scheduled.coalesce is True
        assert scheduled.max_instances == 1
        assert scheduled.misfire_grace_time >= 3600
    expire = scheduler.get_job("expire-cases")
    assert isinstance(expire.trigger, CronTrigger)
    assert str(expire.trigger.timezone) == "Asia/Shanghai"
    fields = {f.name: str(f) for f in expire.trigger.fields}
    assert fields["hour"] == "2" and fields["minute"] == "15"
    # building again gives a fresh scheduler with the same ids; nothing was started
    again = build_scheduler(app)
    assert sorted(j.id for j in again.get_jobs()) == sorted(JOBS)
    assert not scheduler.running and not again.running


def test_replace_existing_when_scheduling_twice(app: Flask) -> None:
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    scheduler.start(
        paused=True
    )  # jobs reach the store (where ids must be unique) only once started
    try:
        schedule_jobs(scheduler, app)
        schedule_jobs(scheduler, app)
        jobs = scheduler.get_jobs()
        assert sorted(j.id for j in jobs) == sorted(JOBS)
        assert all(j.next_run_time is not None for j in jobs)
    finally:
        scheduler.shutdown(wait=False)


def test_run_scheduler_stops_cleanly_on_sigterm(app: Flask) -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        run_scheduler(app)  # blocks until the SIGTERM, then returns without raising
    finally:
        timer.cancel()
    assert signal.getsignal(signal.SIGTERM) == before


def test_web_app_does_not_load_the_scheduler(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from marketplace import create_app\n"
        "app = create_app({'APP_ENV': 'testing', 'TESTING': True,"
        f" 'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path / 'web.sqlite'}',"
        " 'SECRET_KEY': 'x' * 32,"
        " 'PII_ENCRYPTION_KEY': 'Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMta2V5LTAwMDE=',"
        " 'PII_INDEX_KEY': 'k', 'STRIPE_WEBHOOK_SECRET': 'whsec_test'})\n"
        "app.test_client().get('/')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('apscheduler'))\n"
        "assert not loaded, loaded\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(  # noqa: S603 - fixed interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


# ---- run_job ------------------------------------------------------------------------------


@pytest.fixture
def failing_job() -> Iterator[str]:
    name = "test-failing-job"

    @job(name, "interval", hours=1)
    def _fail() -> None:
        accounts.get_or_create_org("回滚测试机构", OrgKind.ngo, "421002")  # flushed, not committed
        raise RuntimeError("boom")

    try:
        yield name
    finally:
        JOBS.pop(name, None)


def test_run_job_rolls_back_and_reraises(app: Flask, ctx: Any, failing_job: str) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        run_job(app, failing_job)
    db.session.rollback()
    assert (
        db.session.scalar(select(Organization).where(Organization.name == "回滚测试机构")) is None
    )


def test_run_job_unknown_name_raises_key_error_with_known_names(app: Flask) -> None:
    with pytest.raises(KeyError, match="expire-cases"):
        run_job(app, "no-such-job")


def test_run_job_returns_summary_and_duplicate_names_refused(app: Flask, ctx: Any) -> None:
    assert run_job(app, "expire-cases") == {"expired": 0}
    with pytest.raises(ValueError, match="already registered"):
        job("expire-cases", "cron", hour=3)(lambda: 0)
    with pytest.raises(ValueError, match="unsupported trigger"):
        job("other", "date")  # type: ignore[arg-type]
    assert JOBS["expire-cases"].func is tasks.expire_cases
    assert "other" not in JOBS


def test_lock_key_is_stable_and_fits_a_bigint() -> None:
    key = lock_key("expire-cases")
    assert key == lock_key("expire-cases") != lock_key("expire-pledges")
    assert 0 <= key < 2**63


def test_run_job_skips_while_another_process_holds_the_lock(app: Flask, ctx: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL only; SQLite's single writer serializes")
    with db.engine.connect() as other:  # stands in for a second scheduler or `jobs run`
        held = other.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key("expire-cases")}
        ).scalar_one()
        assert held
        assert run_job(app, "expire-cases") is None
        other.rollback()  # releases the lock
    assert run_job(app, "expire-cases") == {"expired": 0}
