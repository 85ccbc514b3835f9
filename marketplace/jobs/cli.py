"""``flask scheduler`` and ``flask jobs run NAME`` / ``flask jobs list`` (API.md, command line).

APScheduler and the job modules are imported inside the commands, so registering these commands
in ``create_app`` loads and starts nothing in web workers.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

jobs_cli = AppGroup("jobs", help="Run or list the background jobs.")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the APScheduler process in the foreground (one per deployment; Ctrl-C stops it)."""
    from marketplace.jobs.scheduler import run_scheduler

    click.echo("scheduler running; Ctrl-C to stop")
    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]


@jobs_cli.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run job NAME once, now (idempotent), and print its summary."""
    from marketplace.jobs import tasks  # noqa: F401 - registers the jobs
    from marketplace.jobs.registry import JOBS, run_job

    if name not in JOBS:
        known = ", ".join(sorted(JOBS))
        raise click.UsageError(f"unknown job {name!r}; known jobs: {known}")
    result = run_job(current_app._get_current_object(), name)  # type: ignore[attr-defined]
    if result is None:
        click.echo(f"{name}: skipped, already running in another process")
    else:
        click.echo(f"{name}: {_summary(result)}")


@jobs_cli.command("list")
def list_command() -> None:
    """List the jobs with their trigger and next run time (Asia/Shanghai)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from marketplace.jobs import tasks  # noqa: F401 - registers the jobs
    from marketplace.jobs.registry import JOBS
    from marketplace.jobs.scheduler import TIMEZONE

    triggers = {"cron": CronTrigger, "interval": IntervalTrigger}
    for name in sorted(JOBS):
        entry = JOBS[name]
        trigger = triggers[entry.trigger](timezone=TIMEZONE, **entry.trigger_args)
        now = datetime.now(trigger.timezone)
        upcoming = trigger.get_next_fire_time(None, now)
        when = upcoming.strftime("%Y-%m-%d %H:%M %Z") if upcoming else "never"
        click.echo(f"{name}\t{trigger}\tnext: {when}\t{entry.description}".rstrip())


def _summary(result: Any) -> str:
    try:
        return json.dumps(result, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(result)


def register_cli(app: Flask) -> None:
    """Add ``scheduler`` and ``jobs`` to ``flask``; safe to call more than once."""
    app.cli.add_command(scheduler_command)
    app.cli.add_command(jobs_cli)
