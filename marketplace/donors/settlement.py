"""Settling pledges: what the payment gateway reports (paid, refunded, disputed), booked in the
ledger, and the fallbacks of a payment that comes too late.

Paying turns a case pledge's reservation into money received (the commitment stays); a refund
takes the money back out of where it was placed. Payment moves money through the ledger in the
same transaction as the event that reports it. A payment that arrives too late for a case that is
meanwhile full is not lost: it follows the donor's fallback (the most similar open case, the pool
of a rule like the case's, or a refund).
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.cases.models import Case
from marketplace.cases.services import (
    account_code,
    refresh_figures,
    release_funding,
    reserve_funding,
    unreserved_fen,
)
from marketplace.cases.states import CaseStatus
from marketplace.db_types import utcnow
from marketplace.donors.models import PLEDGE_TRANSITIONS, Fallback, Pledge, PledgeStatus
from marketplace.donors.pledging import setting
from marketplace.donors.rule_pledges import pool_code, rule_class_for
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side, SourceKind, SourceRef
from marketplace.state_machine import compare_and_set


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
        pledge.expires_at = utcnow() + timedelta(days=setting("RULE_PLEDGE_DAYS", 90))
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


def note_refund_sent(pledge: Pledge, refund_id: str) -> None:
    """The gateway took a refund recorded in the ledger: keep its id (the outbox is done)."""
    pledge.refund_id = refund_id
