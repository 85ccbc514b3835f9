"""Command line (API.md): users create, tokens create, demo, pii rotate, policy import/show."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.accounts import services as account_services
from marketplace.accounts.models import OrgKind, Role, User
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.policy import importing
from marketplace.policy import services as policy_services

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")
pii_cli = AppGroup("pii", help="Private data vault maintenance.")
ledger_cli = AppGroup("ledger", help="The double-entry ledger.")


@ledger_cli.command("verify")
def verify_ledger() -> None:
    """Recompute the hash chain and every invariant; exit non-zero on any break."""
    from marketplace.ledger.models import JournalEntry
    from marketplace.ledger.services import verify

    problems = verify()
    count = db.session.scalar(select(db.func.count()).select_from(JournalEntry))
    if problems:
        for problem in problems:
            click.echo(f"BROKEN: {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"ledger OK: {count} entries, chain and invariants hold")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--password", required=True, help="12 characters or more")
@click.option("--org", "org_name", default=None, help="organization name (created if missing)")
@click.option("--org-kind", default=None, type=click.Choice([k.value for k in OrgKind]))
@click.option("--region", default=None, help="county code of a new organization")
def create_user(
    email: str,
    role: str,
    password: str,
    org_name: str | None,
    org_kind: str | None,
    region: str | None,
) -> None:
    """Create a user (and the organization if it does not exist)."""
    try:
        org = None
        if org_name:
            kind = OrgKind(org_kind) if org_kind else _default_kind(Role(role))
            org = account_services.get_or_create_org(org_name, kind, region)
        user = account_services.create_user(email, password, Role(role), org)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.message} {exc.details or ''}".strip()) from exc
    click.echo(f"created user {user.id} {user.email} ({user.role.value})")


def _default_kind(role: Role) -> OrgKind:
    return {
        Role.ngo_staff: OrgKind.ngo,
        Role.company_staff: OrgKind.company,
        Role.auditor: OrgKind.platform,
        Role.admin: OrgKind.platform,
    }.get(role, OrgKind.civil_affairs)


@tokens_cli.command("create")
@click.argument("email")
def create_token(email: str) -> None:
    """Print a new API token for the user (shown once, stored hashed)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    token = account_services.create_token(user)
    db.session.commit()
    click.echo(token)


@pii_cli.command("rotate")
def rotate_key() -> None:
    """Re-encrypt every private field under the first key of PII_ENCRYPTION_KEY."""
    from marketplace.cases.rotation import rotate_private_data

    count = rotate_private_data()
    db.session.commit()
    click.echo(f"re-encrypted {count} private records")


@click.command("demo")
def demo() -> None:
    """Load the demo data set (idempotent)."""
    from marketplace.demo import load_demo

    summary = load_demo()
    db.session.commit()
    click.echo(summary)


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
        found = len(exc.details.get("rows", [])) or 1
        click.echo(f"{found} problem(s) found; nothing was imported.", err=True)
        raise SystemExit(1) from exc
    click.echo(f"imported {count} policy versions")


@policy_cli.command("show")
@click.argument("region")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def show_policy(region: str, on: object) -> None:
    """Print the version in force for REGION (2, 4 or 6 digits) on --on (default today)."""
    day = on.date() if on is not None else policy_services.china_today()  # type: ignore[attr-defined]
    try:
        version = policy_services.policy_in_force(region, day)
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


def register(app: Flask) -> None:
    from marketplace.jobs.cli import register_cli

    for command in (users_cli, tokens_cli, pii_cli, ledger_cli, policy_cli, demo):
        app.cli.add_command(command)
    register_cli(app)
