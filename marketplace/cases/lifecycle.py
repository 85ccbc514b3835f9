"""The money stages of a published case, closing with an outcome, and follow-ups.

``advance(case, stage)`` moves a case forward only (published -> planned -> funded ->
disbursing -> closed) and stamps the time a stage is first reached; the transparency figures
(median hours to funded, to first payout) read those stamps. Closing needs every held yuan paid
out (or moved on) and no payout waiting; it records the outcome and schedules the 30- and
90-day follow-ups ("was the crisis resolved?"). Notes are kept as typed (encrypted at rest) and
scrubbed in their own clear column, the only one donors see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases import anonymize
from marketplace.cases.funding import residual_fen
from marketplace.cases.intake import private_terms
from marketplace.cases.models import Case, FollowUp
from marketplace.cases.states import STAGE_ORDER, CaseStage, CaseStatus, check_transition, move
from marketplace.db_types import local_today, utcnow
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.notifications.services import notify

OUTCOMES = ("resolved", "partly", "not_resolved")
#: checks other domains add (``add_close_guard``) before a case may close; each raises Conflict.
#: Domains above cases (disbursements) register here so that cases imports none of them.
_CLOSE_GUARDS: dict[str, Callable[[Case], None]] = {}
FOLLOW_UP_DAYS = (30, 90)
_STAMP = {
    CaseStage.planned: "planned_at",
    CaseStage.funded: "funded_at",
    CaseStage.disbursing: "disbursing_at",
    CaseStage.closed: "closed_at",
}


def advance(case: Case, stage: CaseStage, now: datetime | None = None) -> None:
    """Move the case to ``stage`` unless it is already there or further; stamp the time."""
    now = now or utcnow()
    stamp = _STAMP.get(stage)
    if stamp and getattr(case, stamp) is None:
        setattr(case, stamp, now)
    current = case.stage or CaseStage.published
    if STAGE_ORDER.index(stage) > STAGE_ORDER.index(current):
        case.stage = stage


def note_funding(case: Case) -> None:
    """Called after the case's figures change: a published case whose need after government
    is all received is funded."""
    if case.status == CaseStatus.published and case.open_fen == 0 and residual_fen(case) > 0:
        advance(case, CaseStage.funded)


def add_close_guard(guard: Callable[[Case], None]) -> Callable[[Case], None]:
    """Register a check run by ``close_case`` (keyed by qualified name: registering twice is
    harmless)."""
    _CLOSE_GUARDS[f"{guard.__module__}.{guard.__qualname__}"] = guard
    return guard


def close_case(actor: User, case: Case, outcome: str, note: str = "") -> Case:
    """Close with an outcome (by a social worker of the case's organization).

    Raises:
        ValidationFailed: an unknown outcome.
        Conflict: money is still held for the case, or a close guard of another domain refused
            (a payout waits for approval).
    """
    from marketplace.ledger.services import held_by_line

    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    if outcome not in OUTCOMES:
        raise ValidationFailed(_l("Not one of the allowed values."), {"outcome": [outcome]})
    check_transition(case.status, CaseStatus.closed)
    held = sum(held_by_line(case.id).values())
    if held:
        raise Conflict(
            _l("Money is still held for this case: pay it out before closing."),
            {"held_fen": held},
            code="money_held",
        )
    for guard in _CLOSE_GUARDS.values():
        guard(case)
    now = utcnow()
    move(case, CaseStatus.closed)
    case.ended_at = now
    case.outcome = outcome
    case.outcome_note = _typed(note)
    case.public_outcome_note = _scrubbed(case, note)
    advance(case, CaseStage.closed, now)
    today = local_today()
    for days in FOLLOW_UP_DAYS:
        db.session.add(FollowUp(case_id=case.id, days=days, due_on=today + timedelta(days=days)))
    db.session.flush()
    record(actor, "case.close", "case", case.ref, outcome=outcome)
    return case


def answer_follow_up(actor: User, follow_up: FollowUp, resolved: str, note: str = "") -> FollowUp:
    permissions.require(permissions.can_edit_case(actor, follow_up.case), hide=True)
    if resolved not in OUTCOMES:
        raise ValidationFailed(_l("Not one of the allowed values."), {"resolved": [resolved]})
    if follow_up.answered_at is not None:
        raise Conflict(_l("This follow-up has already been answered."), code="already_answered")
    follow_up.resolved = resolved
    follow_up.note = _typed(note)
    follow_up.public_note = _scrubbed(follow_up.case, note)
    follow_up.answered_at = utcnow()
    follow_up.answered_by_id = actor.id
    db.session.flush()
    record(actor, "case.follow_up", "case", follow_up.case.ref, days=follow_up.days)
    return follow_up


def follow_ups(case: Case) -> list[FollowUp]:
    """The case's follow-ups (30 and 90 days after closing), earliest first."""
    return list(
        db.session.scalars(
            select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.days)
        )
    )


def get_follow_up(follow_up_id: int) -> FollowUp | None:
    return db.session.get(FollowUp, follow_up_id)


def _typed(note: str) -> str:
    """The note as typed (stored encrypted), at most 1,000 characters as the forms allow."""
    return note.strip()[:1000]


def _scrubbed(case: Case, note: str) -> str:
    names, parts = private_terms(case)
    return anonymize.scrub(note.strip()[:1000], names=names, address_parts=parts).text


def remind_follow_ups(now: datetime | None = None) -> dict[str, Any]:
    """The job: tell case owners about follow-ups that are due and unanswered (once each)."""
    today = local_today()
    due = db.session.scalars(
        select(FollowUp).where(FollowUp.due_on <= today, FollowUp.answered_at.is_(None))
    ).all()
    for follow_up in due:
        case = follow_up.case
        notify(
            case.owner_id,
            str(
                _l(
                    "Follow-up due for case %(ref)s (%(days)s days after closing): "
                    "was the crisis resolved?",
                    ref=case.ref,
                    days=follow_up.days,
                )
            ),
            link=f"/work/cases/{case.ref}/money",
            key=f"follow-up:{follow_up.id}",
        )
    db.session.flush()
    return {"due": len(due)}
