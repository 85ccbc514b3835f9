"""Pledge rules: reservations, payment, fallbacks and expiry.

A case pledge reserves its amount on the case while the donor pays, through the cases domain
(:func:`~marketplace.cases.services.reserve_funding`: one conditional UPDATE on the case row),
so two donors cannot both take the last 500 yuan. Paying turns the reservation into money
received (the commitment stays); expiry, cancellation, failure and refunds give it back. Payment
moves money through the ledger in the same transaction as the event that reports it. A payment that
arrives too late for a case that is meanwhile full is not lost: it follows the donor's fallback.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role, User
from marketplace.cases.models import Case, NeedLine
from marketplace.cases.services import (
    account_code,
    applicant,
    refresh_figures,
    release_funding,
    reserve_funding,
    unreserved_fen,
)
from marketplace.cases.states import CaseStatus
from marketplace.db_types import utcnow
from marketplace.donors.models import PLEDGE_TRANSITIONS, Fallback, Pledge, PledgeStatus, RuleClass
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side, SourceKind, SourceRef
from marketplace.state_machine import compare_and_set
from matching.rules import Rule, fits

MIN_PLEDGE_FEN = 100  # 1 yuan
ANONYMOUS_NAME = "爱心人士"
PLEDGING_ROLES = (Role.donor, Role.company_staff)


def _minutes(name: str, default: int) -> int:
    return int(current_app.config.get(name, default)) if has_app_context() else default


# ---- availability -----------------------------------------------------------------------------


def available_fen(case: Case, line: NeedLine | None = None) -> int:
    """What a new pledge may still take: need left after money received and open reservations."""
    if line is not None:
        got = ledger.received_by_line(case.id).get(line.id, 0)
        reserved = sum(
            p.amount_fen
            for p in db.session.scalars(
                select(Pledge).where(
                    Pledge.need_line_id == line.id, Pledge.status == PledgeStatus.pending
                )
            )
        )
        line_open = max((line.amount_fen or 0) - got - reserved, 0)
        return min(line_open, unreserved_fen(case))
    return unreserved_fen(case)


# ---- pledging ---------------------------------------------------------------------------------


def create_case_pledge(
    donor: User,
    case: Case,
    amount_fen: int,
    *,
    need_line_id: int | None = None,
    anonymous: bool = True,
    fallback: Fallback = Fallback.similar,
    now: datetime | None = None,
) -> Pledge:
    """Reserve ``amount_fen`` on a published case for the donor's checkout.

    Raises:
        PermissionDenied: the user is not a donor or company staff.
        Conflict: the case is not published, or less than the amount is still open.
        ValidationFailed: amount below 1 yuan, or a need line of another case.
    """
    _check_pledger(donor, amount_fen)
    if case.status != CaseStatus.published:
        raise Conflict(_l("This case is not open for pledges."), code="case_closed")
    line = None
    if need_line_id is not None:
        line = next((n for n in case.need_lines if n.id == need_line_id), None)
        if line is None or line.kind == "service":
            raise ValidationFailed(
                _l("Choose a money need of this case."), {"need_line_id": ["invalid"]}
            )
    available = available_fen(case, line)
    if amount_fen > available:
        raise Conflict(
            _l("Only %(amount)s is still open on this case.", amount=_yuan(available)),
            {"available_fen": available},
            code="exceeds_open_amount",
        )
    if not reserve_funding(case, amount_fen):
        raise Conflict(
            _l("Someone else just pledged the rest of this case."), code="exceeds_open_amount"
        )
    now = now or utcnow()
    pledge = Pledge(
        donor_id=donor.id,
        organization_id=donor.organization_id if donor.role == Role.company_staff else None,
        case_id=case.id,
        need_line_id=line.id if line else None,
        amount_fen=amount_fen,
        status=PledgeStatus.pending,
        anonymous=anonymous,
        fallback=fallback,
        reserved_until=now + timedelta(minutes=_minutes("PLEDGE_RESERVATION_MINUTES", 30)),
    )
    db.session.add(pledge)
    db.session.flush()
    return pledge


def create_rule_pledge(
    donor: User,
    rule: dict[str, Any],
    amount_fen: int,
    *,
    anonymous: bool = True,
    fallback: Fallback = Fallback.similar,
    now: datetime | None = None,
) -> Pledge:
    """A pledge to a rule (categories, region prefix, age band) that matching places later."""
    _check_pledger(donor, amount_fen)
    if not rule.get("categories"):
        raise ValidationFailed(_l("Choose at least one category."), {"rule": ["categories"]})
    now = now or utcnow()
    pledge = Pledge(
        donor_id=donor.id,
        organization_id=donor.organization_id if donor.role == Role.company_staff else None,
        rule=rule,
        rule_class_id=rule_class_for(rule).id,
        amount_fen=amount_fen,
        status=PledgeStatus.pending,
        anonymous=anonymous,
        fallback=fallback,
        reserved_until=now + timedelta(minutes=_minutes("PLEDGE_RESERVATION_MINUTES", 30)),
        expires_at=now + timedelta(days=_minutes("RULE_PLEDGE_DAYS", 90)),
    )
    db.session.add(pledge)
    db.session.flush()
    return pledge


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


def _check_pledger(donor: User, amount_fen: int) -> None:
    if donor is None or donor.role not in PLEDGING_ROLES or not donor.active:
        raise PermissionDenied(_l("Only donors and company staff can pledge."))
    if amount_fen < MIN_PLEDGE_FEN:
        raise ValidationFailed(_l("The smallest gift is 1 yuan."), {"amount_fen": ["too small"]})


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def _release(pledge: Pledge) -> None:
    """An unpaid pledge gives its reservation back."""
    release_funding(pledge.case_id, pledge.amount_fen)


def attach_checkout(pledge: Pledge, session_id: str, gateway: str) -> None:
    pledge.checkout_session_id = session_id
    pledge.gateway = gateway
    db.session.flush()


def cancel_pledge(actor: User, pledge: Pledge) -> bool:
    if pledge.donor_id != actor.id:
        raise NotFound(_l("No such pledge."))
    if compare_and_set(pledge, PLEDGE_TRANSITIONS, PledgeStatus.cancelled):
        _release(pledge)
        return True
    return False


def release_reservation(pledge: Pledge, status: PledgeStatus = PledgeStatus.expired) -> bool:
    """Checkout expired or failed: release the reservation once."""
    if compare_and_set(pledge, PLEDGE_TRANSITIONS, status, from_=(PledgeStatus.pending,)):
        _release(pledge)
        return True
    return False


def release_expired_reservations(now: datetime | None = None) -> int:
    """Job: pending pledges whose reservation ran out become expired. Idempotent."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(Pledge.id).where(Pledge.status == PledgeStatus.pending, Pledge.reserved_until <= now)
    ).all()
    return sum(release_reservation(db.session.get(Pledge, i)) for i in ids)


# ---- payment ----------------------------------------------------------------------------------


def record_payment(pledge: Pledge, payment_intent: str | None = None) -> str:
    """The gateway says the pledge is paid: place the money through the ledger. Idempotent.

    Returns what happened: "paid", "fallback_similar", "fallback_pool", "fallback_refund" or
    "already_paid".
    """
    was_pending = pledge.status == PledgeStatus.pending
    if not compare_and_set(
        pledge,
        PLEDGE_TRANSITIONS,
        PledgeStatus.paid,
        paid_at=utcnow(),
        payment_intent=payment_intent,
    ):
        return "already_paid"
    if pledge.fund_id is not None:
        _post_gift(pledge, ledger.fund_account(pledge.fund_id).code, kind=EntryKind.fund_deposit)
        return "paid"
    if pledge.case_id is None:
        _post_gift(pledge, pool_code(pledge))
        return "paid"
    case = db.session.get(Case, pledge.case_id)
    assert case is not None  # noqa: S101 - FK
    # a pending pledge still holds its reservation; a late one must fit again
    if not was_pending and not reserve_funding(case, pledge.amount_fen):
        return _follow_fallback(pledge, case)
    try:
        _post_gift(pledge, account_code(case), pledge.need_line_id)
    except ledger.LedgerRefused:
        release_funding(case.id, pledge.amount_fen)
        return _follow_fallback(pledge, case)
    pledge.placed_case_id = case.id
    refresh_figures(case)
    from marketplace.donors.funds import apply_matches

    apply_matches(pledge, case)
    return "paid"


def _post_gift(
    pledge: Pledge,
    account: str,
    need_line_id: int | None = None,
    kind: EntryKind = EntryKind.pledge_paid,
) -> None:
    ledger.post_entry(
        EntryDraft(
            kind=kind,
            memo=f"pledge {pledge.id}",
            ref=f"pledge:{pledge.id}",
            source=SourceRef(SourceKind.pledge, pledge.id),
            postings=(
                PostingDraft(ledger.WORLD_DONORS, Side.credit, pledge.amount_fen),
                PostingDraft(account, Side.debit, pledge.amount_fen, need_line_id),
            ),
        )
    )


def _follow_fallback(pledge: Pledge, full_case: Case) -> str:
    if pledge.fallback == Fallback.similar:
        target = most_similar_case(full_case, pledge.amount_fen)
        if target is not None and reserve_funding(target, pledge.amount_fen):
            _post_gift(pledge, account_code(target))
            pledge.placed_case_id = target.id
            refresh_figures(target)
            pledge.notice = str(
                _l(
                    "Case %(full)s was already fully funded when your payment arrived; your gift "
                    "went to the most similar open case, %(target)s.",
                    full=full_case.ref,
                    target=target.ref,
                )
            )
            return "fallback_similar"
        # from now on it is a rule pledge for cases like the full one (placed by plans; expires)
        pledge.rule = {
            "categories": sorted(set(full_case.categories)),
            "region": full_case.region[:4],
            "age_band": None,
        }
        pledge.rule_class_id = rule_class_for(pledge.rule).id
        pledge.expires_at = utcnow() + timedelta(days=_minutes("RULE_PLEDGE_DAYS", 90))
        _post_gift(pledge, pool_code(pledge))
        pledge.notice = str(
            _l(
                "Case %(full)s was already fully funded; your gift waits in the pool for the next "
                "matching case.",
                full=full_case.ref,
            )
        )
        return "fallback_pool"
    _post_gift(pledge, ledger.CLEARING)
    ledger.post_entry(
        EntryDraft(
            kind=EntryKind.refund,
            memo=f"refund pledge {pledge.id}: case full",
            ref=f"pledge:{pledge.id}",
            source=SourceRef(SourceKind.pledge, pledge.id),
            postings=(
                PostingDraft(ledger.CLEARING, Side.credit, pledge.amount_fen),
                PostingDraft(ledger.WORLD_REFUNDS, Side.debit, pledge.amount_fen),
            ),
        )
    )
    compare_and_set(pledge, PLEDGE_TRANSITIONS, PledgeStatus.refunded)
    pledge.notice = str(
        _l(
            "Case %(full)s was already fully funded when your payment arrived; as you asked, the "
            "money is being refunded.",
            full=full_case.ref,
        )
    )
    return "fallback_refund"


def most_similar_case(case: Case, amount_fen: int) -> Case | None:
    """An open published case that can take the whole amount: same category and county first,
    then same category, then same county (as DonorsChoose and Benevolent redirect gifts)."""
    candidates = db.session.scalars(
        select(Case).where(
            Case.status == CaseStatus.published, Case.id != case.id, Case.open_fen >= amount_fen
        )
    ).all()
    categories = set(case.categories)

    def rank(other: Case) -> tuple[bool, bool, bool, int]:
        same_category = bool(categories & set(other.categories))
        same_county = other.region == case.region
        return (not same_category, not same_county, not other.emergency, other.id)

    fitting = [c for c in candidates if unreserved_fen(c) >= amount_fen]
    return min(fitting, key=rank) if fitting else None


def get_pledge(pledge_id: int) -> Pledge:
    if not 0 < pledge_id < 2**31:  # beyond any id; also beyond what the databases can compare
        raise NotFound(_l("No such pledge."))
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None:
        raise NotFound(_l("No such pledge."))
    return pledge


def donor_pledges(donor: User) -> list[Pledge]:
    return list(
        db.session.scalars(
            select(Pledge).where(Pledge.donor_id == donor.id).order_by(Pledge.created_at.desc())
        )
    )


def public_name(pledge: Pledge) -> str:
    return ANONYMOUS_NAME if pledge.anonymous else (pledge.donor.display_name or ANONYMOUS_NAME)


def record_refund(pledge: Pledge, amount_refunded_fen: int) -> str:
    """The gateway refunded a paid pledge (e.g. from the Stripe dashboard): take the money back
    out of where it was placed, if it is still there. Partial refunds are left to staff."""
    if pledge.status != PledgeStatus.paid:
        return "noop"
    if amount_refunded_fen != pledge.amount_fen:
        pledge.notice = str(_l("A partial refund was made; staff will settle it by hand."))
        return "partial_refund_needs_review"
    if pledge.placed_fen:
        pledge.notice = str(
            _l("Refunded by the payment provider after plans had placed part of the money.")
        )
        return "refund_after_placement_needs_review"
    line = None  # the need line the gift was booked on, if any
    if pledge.fund_id is not None:
        source = ledger.fund_account(pledge.fund_id).code
    elif pledge.placed_case_id:
        source = account_code(db.session.get_one(Case, pledge.placed_case_id))
        if pledge.placed_case_id == pledge.case_id:
            line = pledge.need_line_id
    else:
        source = pool_code(pledge)
    try:
        ledger.post_entry(
            EntryDraft(
                kind=EntryKind.refund,
                memo=f"refund pledge {pledge.id}",
                ref=f"pledge:{pledge.id}",
                source=SourceRef(SourceKind.pledge, pledge.id),
                postings=(
                    PostingDraft(source, Side.credit, pledge.amount_fen, line),
                    PostingDraft(ledger.WORLD_REFUNDS, Side.debit, pledge.amount_fen),
                ),
            )
        )
    except ledger.LedgerRefused:
        pledge.notice = str(_l("Refunded by the payment provider after the money was paid out."))
        return "refund_after_payout_needs_review"
    compare_and_set(pledge, PLEDGE_TRANSITIONS, PledgeStatus.refunded)
    if pledge.placed_case_id:
        release_funding(pledge.placed_case_id, pledge.amount_fen)
        refresh_figures(db.session.get(Case, pledge.placed_case_id))
    return "refunded"


def record_dispute(pledge: Pledge) -> str:
    pledge.notice = str(_l("The payment is disputed with the card issuer."))
    return "dispute_recorded"


def pledge_view(pledge: Pledge) -> dict[str, Any]:
    """The donor's own view of a pledge (dump with ``PledgeOutSchema``)."""
    return {
        "id": pledge.id,
        "status": pledge.status.value,
        "amount_fen": pledge.amount_fen,
        "case_ref": pledge.case.ref if pledge.case else None,
        "placed_case_ref": pledge.placed_case.ref if pledge.placed_case else None,
        "need_line_id": pledge.need_line_id,
        "rule": pledge.rule,
        "anonymous": pledge.anonymous,
        "fallback": pledge.fallback.value,
        "reserved_until": pledge.reserved_until,
        "expires_at": pledge.expires_at,
        "paid_at": pledge.paid_at,
        "notice": pledge.notice,
        "created_at": pledge.created_at,
    }


def create_pledge(donor: User, data: dict[str, Any]) -> Pledge:
    """Create a case or rule pledge from validated ``PledgeCreateSchema`` data."""
    from marketplace.cases.services import get_case

    options = {"anonymous": data["anonymous"], "fallback": Fallback(data["fallback"])}
    if data.get("case_ref"):
        case = get_case(data["case_ref"])
        return create_case_pledge(
            donor, case, data["amount_fen"], need_line_id=data.get("need_line_id"), **options
        )
    return create_rule_pledge(donor, dict(data["rule"]), data["amount_fen"], **options)


def pledge_description(pledge: Pledge) -> str:
    if pledge.fund_id is not None:
        return str(_l("Payment into company fund %(id)s", id=pledge.fund_id))
    if pledge.case is not None:
        return str(_l("Gift to case %(ref)s", ref=pledge.case.ref))
    return str(
        _l("Gift to a rule: %(categories)s", categories=", ".join(pledge.rule["categories"]))
    )


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


def note_refund_sent(pledge: Pledge, refund_id: str) -> None:
    """The gateway took a refund recorded in the ledger: keep its id (the outbox is done)."""
    pledge.refund_id = refund_id


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


def public_gifts(case: Case) -> list[dict[str, Any]]:
    """Paid gifts placed on the case, as the public may see them: name or 爱心人士, amount, date."""
    pledges = db.session.scalars(
        select(Pledge)
        .where(Pledge.placed_case_id == case.id, Pledge.status == PledgeStatus.paid)
        .order_by(Pledge.paid_at.desc())
    ).all()
    return [
        {"name": public_name(p), "amount_fen": p.amount_fen, "paid_at": p.paid_at} for p in pledges
    ]


def create_fund_pledge(actor: User, fund_id: int, amount_fen: int) -> Pledge:
    """Company staff pay money into their company's fund (through the same checkout)."""
    from marketplace.donors.funds import get_fund

    fund = get_fund(fund_id)
    if actor.role != Role.company_staff or actor.organization_id != fund.organization_id:
        raise PermissionDenied(_l("Only this company's staff can pay into its fund."))
    _check_pledger(actor, amount_fen)
    pledge = Pledge(
        donor_id=actor.id,
        organization_id=actor.organization_id,
        fund_id=fund.id,
        amount_fen=amount_fen,
        status=PledgeStatus.pending,
        anonymous=False,
        reserved_until=utcnow() + timedelta(minutes=_minutes("PLEDGE_RESERVATION_MINUTES", 30)),
    )
    db.session.add(pledge)
    db.session.flush()
    return pledge
