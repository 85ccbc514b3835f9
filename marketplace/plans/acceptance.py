"""Accepting a plan: in the caller's transaction, every source is checked again against its need
line (the one eligibility rule), every money item is committed through the ledger (the case's
funding reserved, a rule pledge's money placed, a fund's or project's cap per case kept) and every
service item becomes a referral; the case then advances to the planned stage. Any source that is
no longer available refuses the whole plan (build again).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases.lifecycle import advance
from marketplace.cases.models import Case, NeedLine
from marketplace.cases.services import account_code, applicant, refresh_figures, reserve_funding
from marketplace.cases.states import CaseStage, CaseStatus
from marketplace.db_types import local_today, utcnow
from marketplace.donors.funds import fund_rule, get_fund
from marketplace.donors.models import CompanyFund
from marketplace.donors.services import get_pledge, pledge_rule
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side, SourceRef
from marketplace.ledger.core import SourceKind as EntrySource
from marketplace.ngos import services as ngos
from marketplace.plans.models import PLAN_TRANSITIONS, Plan, PlanItem, PlanStatus, SourceKind
from marketplace.plans.sources import cap_left, given_to_case
from marketplace.state_machine import compare_and_set
from matching.rules import misfits


def accept_plan(actor: User, plan: Plan) -> Plan:
    """Commit every money item through the ledger and refer every service item, in the caller's
    transaction. Any source that is no longer available refuses the whole plan (build again)."""
    case = plan.case
    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    if not compare_and_set(
        plan, PLAN_TRANSITIONS, PlanStatus.accepted, accepted_at=utcnow(), accepted_by_id=actor.id
    ):
        raise Conflict(_l("This plan was already accepted or replaced."))
    if case.status != CaseStatus.published:
        raise Conflict(_l("Plans are accepted for published cases."))
    lines = {line.id: line for line in case.need_lines}
    for item in plan.items:
        reasons = _source_misfits(case, lines[item.need_line_id], item)
        if reasons:
            raise Conflict(
                _l("A source in this plan no longer fits its need; build the plan again."),
                {"plan_item": item.id, "reasons": list(reasons)},
                code="source_does_not_fit",
            )
        if item.amount_fen:
            _commit_money(case, item)
        if item.units:
            project = ngos.get_project(item.source_id)
            ngos.refer(actor, case, lines[item.need_line_id], project, item.units)
    advance(case, CaseStage.planned)
    refresh_figures(case)
    db.session.flush()
    record(actor, "plan.accept", "case", case.ref, version=plan.version)
    return plan


def _source_misfits(case: Case, line: NeedLine, item: PlanItem) -> tuple[str, ...]:
    """Why the item's source no longer accepts its need line today (empty when it does): the
    project, fund or rule pledge may have changed since the plan was built."""
    if item.source_kind == SourceKind.project:
        return ngos.project_misfits(ngos.get_project(item.source_id), case, line)
    if item.source_kind == SourceKind.fund:
        rule = fund_rule(get_fund(item.source_id))
    else:
        rule = pledge_rule(get_pledge(item.source_id).rule or {})
    return misfits(rule, applicant(case, line), local_today())


def _commit_money(case: Case, item: PlanItem) -> None:
    from marketplace.donors.services import place_pledge_money, pool_code

    if not reserve_funding(case, item.amount_fen):
        raise Conflict(_l("The case no longer needs this much; build the plan again."))
    if item.source_kind == SourceKind.pool:
        if not place_pledge_money(item.source_id, item.amount_fen):
            raise Conflict(_l("A pledge in this plan was placed elsewhere meanwhile; build again."))
        from marketplace.donors.services import get_pledge, pool_code

        source, kind = pool_code(get_pledge(item.source_id)), EntryKind.allocation
    elif item.source_kind == SourceKind.fund:
        source, kind = codes.fund(item.source_id), EntryKind.fund_grant
        _check_cap(db.session.get(CompanyFund, item.source_id), source, case, item.amount_fen)
    else:
        source, kind = codes.project(item.source_id), EntryKind.project_commitment
        _check_cap(ngos.get_project(item.source_id), source, case, item.amount_fen)
    try:
        ledger.post_entry(
            EntryDraft(
                kind=kind,
                memo=f"plan item {item.id}",
                ref=f"plan:{item.plan_id}",
                source=SourceRef(EntrySource.plan_item, item.id),
                postings=(
                    PostingDraft(source, Side.credit, item.amount_fen),
                    PostingDraft(
                        account_code(case),
                        Side.debit,
                        item.amount_fen,
                        item.need_line_id,
                    ),
                ),
            )
        )
    except ledger.LedgerRefused as exc:
        raise Conflict(
            _l("A source in this plan no longer has the money; build again."), exc.details
        ) from exc


def _check_cap(owner: Any, account: str, case: Case, amount: int) -> None:
    left = cap_left(getattr(owner, "per_case_cap_fen", None), given_to_case(case).get(account, 0))
    if left is not None and amount > left:
        raise Conflict(_l("This would pass the source's cap per case; build the plan again."))
