"""A registry of named, idempotent jobs and ``run_job``, the one way to run them.

Every job is a function without arguments that returns a small summary (a dict or an int). It
must be idempotent: safe to run twice, or from two processes at once. It should ``flush`` and not
``commit``: ``run_job`` commits once at the end (which also releases the PostgreSQL lock below).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import Flask
from sqlalchemy import text

from marketplace.extensions import db

log = logging.getLogger("marketplace.jobs")

Trigger = Literal["interval", "cron"]
JobFunc = Callable[[], Any]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    trigger: Trigger
    trigger_args: dict[str, Any] = field(default_factory=dict)
    description: str = ""


JOBS: dict[str, Job] = {}


def job(name: str, trigger: Trigger, **trigger_args: Any) -> Callable[[JobFunc], JobFunc]:
    """Register the decorated function as job ``name``.

    ``trigger`` is an APScheduler 3 trigger alias and ``trigger_args`` its arguments, e.g.
    ``@job("expire-cases", "cron", hour=2, minute=15)``; cron times are in the scheduler's time
    zone (Asia/Shanghai) unless ``timezone=`` is given.
    """
    if trigger not in ("interval", "cron"):
        raise ValueError(f"unsupported trigger {trigger!r} for job {name!r}")

    def decorator(func: JobFunc) -> JobFunc:
        existing = JOBS.get(name)
        if existing is not None and _origin(existing.func) != _origin(func):
            raise ValueError(f"job {name!r} is already registered")  # reloads may re-register
        doc = (func.__doc__ or "").strip()
        summary = doc.splitlines()[0] if doc else ""
        JOBS[name] = Job(name, func, trigger, dict(trigger_args), summary)
        return func

    return decorator


def _origin(func: JobFunc) -> tuple[str, str]:
    return func.__module__, func.__qualname__


def get_job(name: str) -> Job:
    """The job called ``name``; KeyError listing the known names otherwise."""
    try:
        return JOBS[name]
    except KeyError:
        known = ", ".join(sorted(JOBS)) or "(none)"
        raise KeyError(f"unknown job {name!r}; known jobs: {known}") from None


def lock_key(name: str) -> int:
    """A stable, non-negative 63-bit key for PostgreSQL advisory locks (fits a bigint)."""
    digest = hashlib.sha256(f"marketplace.jobs:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def run_job(app: Flask, name: str) -> Any:
    """Run job ``name`` once in its own app context and transaction; return its summary.

    Commits on success; rolls back and re-raises on error. On PostgreSQL a transaction-scoped
    advisory lock keyed on the job name makes a second, concurrent run (another scheduler, or
    ``jobs run`` while the scheduler runs it) skip and return None. SQLite takes no lock: its
    single writer serializes, and jobs are idempotent anyway.
    """
    entry = get_job(name)
    with app.app_context():
        started = time.perf_counter()
        try:
            if db.engine.dialect.name == "postgresql":
                acquired = db.session.execute(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)}
                ).scalar_one()
                if not acquired:
                    db.session.rollback()
                    log.info("job already running elsewhere; skipped", extra={"job": name})
                    return None
            log.info("job started", extra={"job": name})
            result = entry.func()
            db.session.commit()
        except BaseException as exc:
            db.session.rollback()
            # the type only: exception messages (e.g. SQL parameters) may carry private data
            log.error(
                "job failed",
                extra={
                    "job": name,
                    "error": type(exc).__name__,
                    "ms": _elapsed_ms(started),
                },
            )
            raise
        finally:
            db.session.remove()
        log.info("job finished", extra={"job": name, "ms": _elapsed_ms(started)})
        return result


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
