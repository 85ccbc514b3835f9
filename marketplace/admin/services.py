"""What the auditor and admin screens need beyond one package's services: an auditor's scope
(every case, or the cases of their own organization), the ledger verification recorded in the
audit log, and verifying an organization by the rule of its kind."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from marketplace.accounts import permissions
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, OrgKind, User
from marketplace.audit.models import AuditEvent
from marketplace.audit.queries import PRIVATE_VIEW_ACTIONS, STAFF_ACTIONS, last_event
from marketplace.audit.services import record
from marketplace.cases.models import Case
from marketplace.ledger import services as ledger
from marketplace.ngos import services as ngos

#: problems kept with a verification's audit event (they name entries and account codes only)
KEPT_PROBLEMS = 5


def require_auditor(actor: User) -> None:
    permissions.require(permissions.is_auditor(actor))


def case_ids_in_scope(actor: User) -> Select[Any] | None:
    """None for an auditor who sees every case (platform, custodian); else a select of the ids
    of the cases of the auditor's organization."""
    require_auditor(actor)
    if permissions.is_global_auditor(actor):
        return None
    return select(Case.id).where(Case.organization_id == actor.organization_id)


def case_refs_in_scope(actor: User) -> Select[Any] | None:
    """As :func:`case_ids_in_scope`, with case references (the audit log names cases so)."""
    require_auditor(actor)
    if permissions.is_global_auditor(actor):
        return None
    return select(Case.ref).where(Case.organization_id == actor.organization_id)


def log_actions(actor: User) -> tuple[str, ...]:
    """The actions an auditor may browse: views of private data, and for a platform or
    custodian auditor also what administrators and auditors did."""
    require_auditor(actor)
    if permissions.is_global_auditor(actor):
        return PRIVATE_VIEW_ACTIONS + STAFF_ACTIONS
    return PRIVATE_VIEW_ACTIONS


def run_ledger_verification(actor: User) -> ledger.VerifyReport:
    """Recompute the hash chain and every invariant; the run and its result go into the audit
    log (who, when, ok or the first broken entry)."""
    permissions.require(permissions.is_global_auditor(actor))
    report = ledger.verify_report()
    record(
        actor,
        "ledger.verify",
        "ledger",
        "journal",
        ok=report.ok,
        entries=report.entries,
        problems=len(report.problems),
        first_broken_seq=report.first_broken_seq,
        first_problems=report.problems[:KEPT_PROBLEMS],
    )
    return report


def last_verification() -> AuditEvent | None:
    return last_event("ledger.verify")


def verify_organization(actor: User, org: Organization) -> Organization:
    """Verify by the rule of the organization's kind: an NGO by its unified social credit code
    (the reviewers' rule in ngos), any other kind on a platform admin's word."""
    if org.kind == OrgKind.ngo:
        return ngos.verify_organization(actor, org)
    return accounts.vouch_for_organization(actor, org)
