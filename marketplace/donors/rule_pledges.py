"""Rule pledges: gifts to a rule (categories, region prefix, age band) instead of a case.

Pledges with the same rule share a rule class, and their money waits in its pool account of the
ledger until an accepted plan places it (:func:`place_pledge_money`); money still unplaced when
the pledge expires follows the donor's fallback (:func:`expire_rule_pledges`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.cases.models import Case
from marketplace.cases.services import (
    account_code,
    applicant,
    refresh_figures,
    reserve_funding,
    unreserved_fen,
)
from marketplace.cases.states import CaseStatus
from marketplace.db_types import utcnow
from marketplace.donors.models import PLEDGE_TRANSITIONS, Fallback, Pledge, PledgeStatus, RuleClass
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side, SourceKind, SourceRef
from marketplace.state_machine import compare_and_set
from matching.rules import Rule, fits


def rule_key(rule: dict[str, Any]) -> str:
    """Canonical form of a rule: sorted categories, region prefix and age band."""
    categories = ",".join(sorted(set(rule.get("categories") or [])))
    return f"{categories}|{rule.get('region') or ''}|{rule.get('age_band') or ''}"


def pledge_rule(rule: dict[str, Any]) -> Rule:
    """A rule pledge's (or rule class's) conditions for the eligibility rule
    (:func:`matching.rules.misfits`): categories, region prefix, age band."""
    return Rule(
        categories=tuple(rule.get("categories") or ()),
        regions=(rule["region"],) if rule.get("region") else (),
        age_bands=(rule["age_band"],) if rule.get("age_band") else (),
    )


def rule_class_for(rule: dict[str, Any]) -> RuleClass:
    """The class of pledges with this rule, created on first use."""
    key = rule_key(rule)
    found = db.session.scalar(select(RuleClass).where(RuleClass.key == key))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            found = RuleClass(
                key=key,
                categories=sorted(set(rule.get("categories") or [])),
                region=rule.get("region") or "",
                age_band=rule.get("age_band") or None,
            )
            db.session.add(found)
    except IntegrityError:  # created meanwhile by a concurrent transaction
        found = db.session.scalar(select(RuleClass).where(RuleClass.key == key))
        assert found is not None  # noqa: S101 - the unique violation proves it exists
    return found


def pool_code(pledge: Pledge) -> str:
    """The ledger account where this rule pledge's unplaced money waits."""
    if pledge.rule_class_id is None:
        raise ValueError("not a rule pledge")
    return ledger.pool_account(pledge.rule_class_id).code


def expire_rule_pledges(now: datetime | None = None) -> dict[str, int]:
    """Job: paid rule pledges past ``expires_at`` whose money still waits in the pool follow the
    donor's fallback: the most similar open case that fits the rule, else a refund. Idempotent:
    each pledge is claimed with a conditional UPDATE before money moves."""
    now = now or utcnow()
    moved = refunded = 0
    pledges = db.session.scalars(
        select(Pledge).where(
            Pledge.rule.is_not(None),
            Pledge.status == PledgeStatus.paid,
            Pledge.placed_case_id.is_(None),
            Pledge.expires_at <= now,
        )
    ).all()
    for pledge in pledges:
        left = pledge.amount_fen - pledge.placed_fen
        if left <= 0:
            continue
        target = _case_for_rule(pledge, left) if pledge.fallback == Fallback.similar else None
        if target is not None and reserve_funding(target, left) and _claim(pledge, target.id):
            _move_from_pool(pledge, left, account_code(target), EntryKind.allocation)
            refresh_figures(target)
            pledge.notice = str(
                _l("Your rule pledge expired; it went to case %(ref)s.", ref=target.ref)
            )
            moved += 1
        elif compare_and_set(pledge, PLEDGE_TRANSITIONS, PledgeStatus.refunded, refunded_fen=left):
            _move_from_pool(pledge, left, ledger.WORLD_REFUNDS, EntryKind.refund)
            pledge.notice = str(_l("Your rule pledge expired unplaced; the money is refunded."))
            refunded += 1
    db.session.flush()
    return {"moved": moved, "refunded": refunded}


def _claim(pledge: Pledge, case_id: int) -> bool:
    done = db.session.execute(
        update(Pledge)
        .where(
            Pledge.id == pledge.id,
            Pledge.placed_case_id.is_(None),
            Pledge.status == PledgeStatus.paid,
        )
        .values(placed_case_id=case_id, placed_fen=Pledge.amount_fen)
    ).rowcount
    db.session.expire(pledge)
    return done == 1


def place_pledge_money(pledge_id: int, amount_fen: int) -> bool:
    """Mark ``amount_fen`` of a paid rule pledge as placed (an accepted plan takes it from the
    pool); False, and nothing changed, when the pledge no longer has that much unplaced. One
    conditional UPDATE, so two plans cannot both place the same money."""
    taken = db.session.execute(
        update(Pledge)
        .where(
            Pledge.id == pledge_id,
            Pledge.status == PledgeStatus.paid,
            Pledge.placed_fen + amount_fen <= Pledge.amount_fen,
        )
        .values(placed_fen=Pledge.placed_fen + amount_fen)
    ).rowcount
    return taken == 1


def _move_from_pool(pledge: Pledge, amount_fen: int, account: str, kind: EntryKind) -> None:
    ledger.post_entry(
        EntryDraft(
            kind=kind,
            memo=f"rule pledge {pledge.id} expired",
            ref=f"pledge:{pledge.id}",
            source=SourceRef(SourceKind.pledge, pledge.id),
            postings=(
                PostingDraft(pool_code(pledge), Side.credit, amount_fen),
                PostingDraft(account, Side.debit, amount_fen),
            ),
        )
    )


def _case_for_rule(pledge: Pledge, amount_fen: int) -> Case | None:
    """The first open case (emergencies, then the longest published) whose hardship categories
    the pledge's rule accepts and that can still take ``amount_fen``."""
    rule = pledge_rule(pledge.rule or {})
    query = select(Case).where(Case.status == CaseStatus.published, Case.open_fen >= amount_fen)
    if rule.regions:  # narrows the scan; the rule decides
        query = query.where(Case.region.startswith(rule.regions[0]))
    for case in db.session.scalars(query.order_by(Case.emergency.desc(), Case.published_at)):
        if fits(rule, applicant(case, categories="case")) and unreserved_fen(case) >= amount_fen:
            return case
    return None
