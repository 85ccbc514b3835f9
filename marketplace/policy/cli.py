"""``flask policy import FILE`` (CSV or XLSX, every row or none), ``flask policy show REGION``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.policy import importing, services

policy_cli = AppGroup(
    "policy", help="The local policy tables (低保/特困 standards, 临时救助 bands)."
)


@policy_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_policies(file: Path) -> None:
    """Import policy versions from a CSV or XLSX file: every row or none (the row errors are
    printed and nothing is written). Columns: see marketplace/policy/importing.py."""
    try:
        count = importing.import_file(file)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        for problem in exc.details.get("rows", []):
            click.echo(f"row {problem['row']}: {problem['field']}: {problem['message']}", err=True)
        if not exc.details.get("rows"):
            click.echo(f"{exc.message} {exc.details or ''}".strip(), err=True)
        click.echo(f"{exc.message} Nothing was imported.", err=True)
        raise SystemExit(1) from exc
    click.echo(f"imported {count} policy versions")


@policy_cli.command("show")
@click.argument("region")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def show_policy(region: str, on: object) -> None:
    """Print the version in force for REGION (2, 4 or 6 digits) on --on (default today)."""
    day = on.date() if on is not None else services.china_today()  # type: ignore[attr-defined]
    try:
        version = services.policy_in_force(region, day)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} {exc.details or ''}".strip()) from exc
    if version is None:
        raise click.ClickException(f"no policy in force for {region} on {day.isoformat()}")
    data = {
        "version": version.version,
        "region": version.region_prefix,
        "effective_from": version.effective_from.isoformat(),
        "effective_to": version.effective_to.isoformat() if version.effective_to else None,
        "dibao_standard_fen": version.dibao_fen,
        "tekun_standard_fen": version.tekun_fen,
        "temporary_bands": version.bands,
        "small_sum_limit_fen": version.small_sum_limit_fen,
        "paperwork_deadline_days": version.paperwork_days,
    }
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
