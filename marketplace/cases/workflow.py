"""The publication workflow of a case: submission (with what still blocks it), review by someone
who did not submit it (publish or return), withdrawal, expiry of published cases past their
publication period.

Services take the acting user as an argument, change state, ``flush()`` and raise domain errors;
the caller (view, API handler, job) commits once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases.funding import sync_ceiling
from marketplace.cases.intake import refresh_public_text
from marketplace.cases.models import Case
from marketplace.cases.states import TRANSITIONS, CaseStage, CaseStatus, check_transition, move
from marketplace.db_types import local_today, utcnow
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.state_machine import compare_and_set


def _setting(name: str, default: int) -> int:
    """Deadlines come from configuration (EMERGENCY_PAPERWORK_DAYS, CASE_PUBLICATION_DAYS)."""
    return int(current_app.config.get(name, default)) if has_app_context() else default


def submission_problems(case: Case) -> list[Any]:
    """Why the case cannot be submitted yet (empty list when it can)."""
    problems: list[Any] = []
    unpaid = [p for p in case.payouts if p.status != "paid"]
    if unpaid and not case.emergency:
        problems.append(
            _l(
                "%(n)d government payout(s) are not paid yet. Submit once government has paid, "
                "or mark the case as an emergency (help first, paperwork after).",
                n=len(unpaid),
            )
        )
    if not (case.private and case.private.consent_publish):
        problems.append(_l("Record the household's consent to publish before submitting."))
    if not case.need_lines:
        problems.append(_l("Add at least one need line."))
    if not (case.summary or "").strip():
        problems.append(_l("Write a short public summary."))
    return problems


def submit_case(actor: User, case: Case, today: date | None = None) -> Case:
    """Ask for publication.

    Raises:
        Conflict: a government payout is unpaid (and the case is not an emergency), consent or
            need lines are missing, or the case is not in a state that can be submitted.
    """
    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    check_transition(case.status, CaseStatus.submitted)
    problems = submission_problems(case)
    if problems:
        raise Conflict(problems[0], {"problems": [str(p) for p in problems]}, code="cannot_submit")
    refresh_public_text(case)
    move(case, CaseStatus.submitted)
    case.submitted_at = utcnow()
    case.submitted_by_id = actor.id
    case.return_reason = None
    if case.emergency and any(p.status != "paid" for p in case.payouts):
        days = _setting("EMERGENCY_PAPERWORK_DAYS", 15)
        case.paperwork_deadline = (today or local_today()) + timedelta(days=days)
    db.session.flush()
    record(actor, "case.submit", "case", case.ref, emergency=case.emergency)
    return case


def review_case(actor: User, case: Case, decision: str, reason: str | None = None) -> Case:
    """Approve (publish) or return a submitted case. A reviewer never reviews their own case."""
    permissions.require(permissions.can_review_cases(actor))
    if case.submitted_by_id == actor.id or case.owner_id == actor.id:
        raise permissions.PermissionDenied(_l("You cannot review a case you submitted."))
    permissions.require(permissions.can_review_case(actor, case), hide=True)
    target = CaseStatus.published if decision == "approve" else CaseStatus.returned
    check_transition(case.status, target)
    if target == CaseStatus.published and not case.private.consent_publish:
        raise Conflict(_l("There is no recorded consent to publish."))
    now = utcnow()
    move(case, target)
    case.reviewed_at = now
    case.reviewed_by_id = actor.id
    if target == CaseStatus.published:
        refresh_public_text(case)
        case.published_at = now
        case.stage = CaseStage.published
        case.expires_at = now + timedelta(days=_setting("CASE_PUBLICATION_DAYS", 90))
        sync_ceiling(case)
    else:
        case.return_reason = (reason or "").strip()
    db.session.flush()
    # the reason may name the household: it stays in the (encrypted) case row, not in the audit
    record(actor, f"case.{decision}", "case", case.ref, reason=bool(case.return_reason))
    return case


def withdraw_case(actor: User, case: Case, reason: str) -> Case:
    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    if not reason.strip():
        raise ValidationFailed(_l("Say why the case is withdrawn."), {"reason": ["required"]})
    check_transition(case.status, CaseStatus.withdrawn)
    move(case, CaseStatus.withdrawn)
    case.ended_at = utcnow()
    case.withdraw_reason = reason.strip()[:500]
    db.session.flush()
    record(actor, "case.withdraw", "case", case.ref)
    return case


def expire_cases(now: datetime | None = None) -> int:
    """Expire published cases past their publication period. Idempotent; returns how many."""
    now = now or utcnow()
    cases = db.session.scalars(
        select(Case).where(
            Case.status == CaseStatus.published,
            Case.expires_at <= now,
            # a case with money on its way or held is finished by closing, not by expiry
            or_(Case.stage.is_(None), Case.stage == CaseStage.published),
        )
    ).all()
    expired = 0
    for case in cases:
        if not compare_and_set(case, TRANSITIONS, CaseStatus.expired):
            continue  # closed or withdrawn meanwhile
        case.ended_at = now
        record(None, "case.expire", "case", case.ref)
        expired += 1
    db.session.flush()
    return expired
