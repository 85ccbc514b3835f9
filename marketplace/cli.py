"""Command line (API.md): users create, tokens create, demo, pii rotate, policy import/show."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.accounts import services as account_services
from marketplace.accounts.models import OrgKind, Role, User
from marketplace.errors import DomainError
from marketplace.extensions import db

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


def register(app: Flask) -> None:
    from marketplace.jobs.cli import register_cli
    from marketplace.policy.cli import policy_cli

    for command in (users_cli, tokens_cli, pii_cli, ledger_cli, demo):
        app.cli.add_command(command)
    app.cli.add_command(policy_cli)
    register_cli(app)
