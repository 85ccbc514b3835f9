"""The scheduler process: APScheduler 3 ``BlockingScheduler``, run by ``flask scheduler``.

One process only, never inside web workers (APScheduler's FAQ: a job store cannot be shared
between processes). Jobs live in a MemoryJobStore and are re-added at every start with explicit
ids and ``replace_existing``: the database is the source of truth and every job is idempotent,
so a run missed while the process was down is simply done at the next one (or by ``jobs run``).
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from marketplace.jobs import tasks  # noqa: F401 - registers the jobs
from marketplace.jobs.registry import JOBS, run_job

log = logging.getLogger("marketplace.jobs")

TIMEZONE = "Asia/Shanghai"
JOB_DEFAULTS: dict[str, Any] = {
    "coalesce": True,  # several missed runs collapse into one
    "max_instances": 1,  # never overlap a job with itself in this process
    "misfire_grace_time": 3600,  # the default (1 s) would drop daily runs after a short stall
}


def schedule_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    """Add every registered job; ids are the job names, so adding twice replaces.

    The defaults are also passed per job: APScheduler applies ``job_defaults`` only when a job
    reaches its store (at ``start()``). A job cannot override them (duplicate keyword: TypeError).
    """
    for name, entry in JOBS.items():
        scheduler.add_job(
            run_job,
            args=[app, name],
            id=name,
            name=name,
            replace_existing=True,
            trigger=entry.trigger,
            **JOB_DEFAULTS,
            **entry.trigger_args,
        )


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A configured, not started, scheduler holding every registered job."""
    scheduler = BlockingScheduler(
        timezone=TIMEZONE,
        jobstores={"default": MemoryJobStore()},
        job_defaults=dict(JOB_DEFAULTS),
    )
    schedule_jobs(scheduler, app)
    return scheduler


def run_scheduler(app: Flask) -> None:
    """Build the scheduler and block running it until interrupted (Ctrl-C, SIGTERM)."""
    scheduler = build_scheduler(app)
    for entry in JOBS.values():
        args = ", ".join(f"{k}={v}" for k, v in entry.trigger_args.items())
        log.info("job scheduled", extra={"job": entry.name, "trigger": f"{entry.trigger}[{args}]"})
    log.info("scheduler starting", extra={"jobs": len(JOBS), "timezone": TIMEZONE})
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopping")
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _exit_on_sigterm(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)  # turns a service manager's SIGTERM into the clean shutdown above
