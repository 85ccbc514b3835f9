"""Money out: a social worker requests a disbursement from a case's held funds for a need line;
a custodian reviewer who is not the requester approves (which pays it out through the ledger
in the same transaction) or rejects it with a reason. The receipts that follow a payout are
handled by :mod:`marketplace.disbursements.evidence`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts import permissions
from marketplace.accounts.models import Organization, OrgKind, Role, User
from marketplace.audit.services import record
from marketplace.cases.lifecycle import add_close_guard, advance
from marketplace.cases.models import Case
from marketplace.cases.states import CaseStage
from marketplace.db_types import utcnow
from marketplace.disbursements.models import (
    DISBURSEMENT_TRANSITIONS,
    Disbursement,
    DisbursementStatus,
    PayeeKind,
)
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.i18n import format_fen
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side, SourceKind, SourceRef
from marketplace.notifications.services import notify
from marketplace.state_machine import compare_and_set
from marketplace.utils import get_row

MONEY_KINDS = ("cash", "in_kind")


def get_disbursement(disbursement_id: int) -> Disbursement:
    found = get_row(Disbursement, disbursement_id)
    if found is None:
        raise NotFound(_l("No such disbursement."))
    return found


def available_for_line(case: Case, need_line_id: int) -> int:
    """What may be paid out for the line: held for it, plus what is held for the case as a
    whole."""
    held = ledger.held_by_line(case.id)
    return held.get(need_line_id, 0) + held.get(None, 0)


# ---- request ----------------------------------------------------------------------------------


def request_disbursement(actor: User, case: Case, data: dict[str, Any]) -> Disbursement:
    """Record a request (nothing moves yet). ``data``: need_line_id, amount_fen, payee_kind,
    payee_name, purpose, invoice_ref."""
    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    line = next((n for n in case.need_lines if n.id == data["need_line_id"]), None)
    if line is None:
        raise ValidationFailed(
            _l("This need line is not part of the case."), {"need_line_id": data["need_line_id"]}
        )
    if line.kind not in MONEY_KINDS:
        raise ValidationFailed(
            _l("Service lines are delivered by NGOs, not paid out."), {"need_line_id": line.id}
        )
    amount = data["amount_fen"]
    available = available_for_line(case, line.id)
    if amount > available:
        raise Conflict(
            _l("Only %(amount)s is held for this need line.", amount=format_fen(available)),
            {"amount_fen": amount, "available_fen": available},
            code="exceeds_held",
        )
    disbursement = Disbursement(
        case_id=case.id,
        need_line_id=line.id,
        amount_fen=amount,
        payee_kind=PayeeKind(data["payee_kind"]),
        payee_name=data["payee_name"],
        purpose=data["purpose"],
        invoice_ref=data.get("invoice_ref") or "",
        status=DisbursementStatus.requested,
        requested_by_id=actor.id,
    )
    db.session.add(disbursement)
    db.session.flush()
    record(
        actor,
        "disbursement.request",
        "case",
        case.ref,
        disbursement=disbursement.id,
        amount_fen=amount,
        payee_kind=disbursement.payee_kind.value,
    )
    for reviewer_id in _custodian_reviewers():
        notify(
            reviewer_id,
            str(_l("A disbursement waits for your approval.")),
            link=f"/work/disbursements/{disbursement.id}",
            key=f"disbursement:{disbursement.id}:requested:{reviewer_id}",
        )
    return disbursement


@add_close_guard
def no_payout_waiting(case: Case) -> None:
    """A case cannot close while one of its payouts waits for approval."""
    waiting = db.session.scalar(
        select(Disbursement.id).where(
            Disbursement.case_id == case.id,
            Disbursement.status == DisbursementStatus.requested,
        )
    )
    if waiting:
        raise Conflict(
            _l("A disbursement still waits for approval."),
            {"disbursement": waiting},
            code="payout_waiting",
        )


def _custodian_reviewers() -> list[int]:
    return list(
        db.session.scalars(
            select(User.id)
            .join(Organization, User.organization_id == Organization.id)
            .where(
                Organization.kind == OrgKind.custodian,
                User.role == Role.reviewer,
                User.active.is_(True),
            )
        )
    )


# ---- decide -----------------------------------------------------------------------------------


def approve(actor: User, disbursement: Disbursement) -> Disbursement:
    """Four eyes, then pay out through the ledger in the caller's transaction.

    The status moves ``requested -> paid`` with one conditional UPDATE, so of two approvals
    at the same time exactly one pays; the other is told it was already decided.

    Raises:
        PermissionDenied: not a custodian reviewer, or the requester approving their own request.
        Conflict: already decided, or more than is held for the line.
    """
    _require_decider(actor, disbursement)
    case = _locked_case(disbursement.case_id)
    _claim(disbursement, actor, DisbursementStatus.paid, "")
    held = ledger.held_by_line(case.id)
    from_line = min(held.get(disbursement.need_line_id, 0), disbursement.amount_fen)
    from_case = disbursement.amount_fen - from_line
    if from_case > held.get(None, 0):
        raise Conflict(
            _l(
                "Only %(amount)s is held for this need line.",
                amount=format_fen(from_line + held.get(None, 0)),
            ),
            {"amount_fen": disbursement.amount_fen},
            code="exceeds_held",
        )
    code = codes.case(case.ref)
    postings = [PostingDraft(ledger.WORLD_PAYEES, Side.debit, disbursement.amount_fen)]
    if from_line:
        postings.append(PostingDraft(code, Side.credit, from_line, disbursement.need_line_id))
    if from_case:
        postings.append(PostingDraft(code, Side.credit, from_case, None))
    entry = ledger.post_entry(
        EntryDraft(
            kind=EntryKind.disbursement,
            memo=f"disbursement {disbursement.id} to a {disbursement.payee_kind.value}",
            postings=tuple(postings),
            ref=f"disbursement:{disbursement.id}",
            source=SourceRef(SourceKind.disbursement, disbursement.id),
            meta={
                "disbursement_id": disbursement.id,
                "payee_kind": disbursement.payee_kind.value,
                "need_line_id": disbursement.need_line_id,
            },
        ),
        actor.id,
    )
    disbursement.entry_seq = entry.seq
    advance(case, CaseStage.disbursing)
    db.session.flush()
    record(
        actor,
        "disbursement.approve",
        "case",
        case.ref,
        disbursement=disbursement.id,
        amount_fen=disbursement.amount_fen,
        entry_seq=entry.seq,
    )
    notify(
        disbursement.requested_by_id,
        str(_l("Your disbursement request was approved and paid.")),
        link=f"/work/disbursements/{disbursement.id}",
        key=f"disbursement:{disbursement.id}:paid",
    )
    return disbursement


def reject(actor: User, disbursement: Disbursement, reason: str) -> Disbursement:
    """Refuse with a reason; nothing moves."""
    if not reason.strip():
        raise ValidationFailed(_l("Give a reason."), {"reason": ["required"]})
    _require_decider(actor, disbursement)
    _claim(disbursement, actor, DisbursementStatus.rejected, reason.strip())
    record(
        actor,
        "disbursement.reject",
        "case",
        disbursement.case.ref,
        disbursement=disbursement.id,
    )
    notify(
        disbursement.requested_by_id,
        # the reason may name the household: the notification only points to the request
        str(_l("Your disbursement request was rejected; the reason is on the request.")),
        link=f"/work/disbursements/{disbursement.id}",
        key=f"disbursement:{disbursement.id}:rejected",
    )
    return disbursement


def _require_decider(actor: User, disbursement: Disbursement) -> None:
    if permissions.is_custodian_reviewer(actor) and disbursement.requested_by_id == actor.id:
        raise PermissionDenied(
            _l("Four eyes: someone other than the requester must decide."),
            code="four_eyes",
        )
    permissions.require(permissions.can_decide_disbursement(actor, disbursement))


def _locked_case(case_id: int) -> Case:
    """The case row, locked on PostgreSQL so that payouts of one case run one at a time."""
    case = db.session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    assert case is not None  # noqa: S101 - a disbursement's case exists (foreign key)
    return case


def _claim(
    disbursement: Disbursement, actor: User, status: DisbursementStatus, reason: str
) -> None:
    if not compare_and_set(
        disbursement,
        DISBURSEMENT_TRANSITIONS,
        status,
        decided_by_id=actor.id,
        decided_at=utcnow(),
        reason=reason,
    ):
        raise Conflict(
            _l("This disbursement has already been decided."),
            {"status": disbursement.status},
            code="already_decided",
        )


class _Masked:
    """A disbursement as those who may not read the case's private text see it: no purpose,
    and the payee's name only when it is a vendor (a vendor's name is public)."""

    def __init__(self, disbursement: Disbursement) -> None:
        self._disbursement = disbursement

    def __getattr__(self, name: str) -> Any:
        if name == "purpose":
            return None
        if name == "payee_name" and self._disbursement.payee_kind != PayeeKind.vendor:
            return None
        return getattr(self._disbursement, name)


def view_for(user: Any, disbursement: Disbursement) -> Any:
    """The disbursement itself for those who may read its text
    (:func:`permissions.can_see_disbursement_text`), a masked view for everyone else."""
    if permissions.can_see_disbursement_text(user, disbursement.case):
        return disbursement
    return _Masked(disbursement)
