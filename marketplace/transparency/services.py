"""Public figures, read from the ledger: platform totals, breakdowns, a case's money trail and the
public journal (DESIGN.md §9).

Every money figure here is a sum over ledger postings or account balances, never a separate
counter, so what the public sees equals what the ledger sums to. Sums are grouped in the
database and kept current along the hash chain (:mod:`marketplace.transparency.figures`); the
journal and a case's trail are read one page at a time with a fixed number of queries (no query
per line). How each entry reads in public (its parties' names, never its memo) is
:mod:`marketplace.transparency.lines`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from marketplace.cases import reference
from marketplace.cases.models import Case
from marketplace.cases.services import get_case
from marketplace.cases.states import PUBLIC
from marketplace.db_types import utcnow
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.ledger.core import AccountKind
from marketplace.ledger.models import JournalEntry, LedgerAccount, LedgerHead, Posting
from marketplace.transparency import figures
from marketplace.transparency.lines import public_lines

# ---- platform figures -------------------------------------------------------------------------


def platform() -> dict[str, Any]:
    """Everything the platform page shows, from one look at the ledger and the cases:
    ``summary``, ``months``, ``categories`` and ``counties`` (see the functions below)."""
    at = figures.head()
    money, cases = figures.money(at), figures.cases(at)
    return {
        "summary": _summary(money, cases),
        "months": _by_month(money, cases),
        "categories": _by_category(money, cases),
        "counties": _by_county(money, cases),
    }


def summary() -> dict[str, Any]:
    """The platform's totals: money raised (paid in by donors and companies), disbursed (paid
    out to payees), refunded and held (by the custodian, for cases, company funds and pools),
    as ``platform_totals`` defines them, summed from the postings; cases published (published
    or closed), funded (ever fully funded) and closed; the median hours from publication to
    funded and from funded to first payout (a payout before funding counts as 0)."""
    at = figures.head()
    return _summary(figures.money(at), figures.cases(at))


def _summary(money: figures.Money, cases: figures.CaseFigures) -> dict[str, Any]:
    return {
        **money.totals,
        "cases_published": cases.published,
        "cases_funded": cases.funded,
        "cases_closed": cases.closed,
        "median_hours_to_funded": cases.median_hours_to_funded,
        "median_hours_funded_to_disbursed": cases.median_hours_funded_to_disbursed,
        "ledger_seq": money.seq,
        "generated_at": utcnow(),
    }


def by_month() -> list[dict[str, Any]]:
    """Per Asia/Shanghai month: money raised (credits minus debits of ``world:donors``) and
    disbursed (debits minus credits of ``world:payees``), which add up to the totals, and the
    cases published (and still public) and funded that month."""
    at = figures.head()
    return _by_month(figures.money(at), figures.cases(at))


def _by_month(money: figures.Money, cases: figures.CaseFigures) -> list[dict[str, Any]]:
    months = sorted(set(money.months) | set(cases.months))
    rows = []
    for m in months:
        raised, disbursed = money.months.get(m, (0, 0))
        published, funded = cases.months.get(m, (0, 0))
        if raised or disbursed or published or funded:
            rows.append(
                {
                    "month": m,
                    "raised_fen": raised,
                    "disbursed_fen": disbursed,
                    "cases_published": published,
                    "cases_funded": funded,
                }
            )
    return rows


def by_category() -> list[dict[str, Any]]:
    """Per hardship category: money received (``received_delta_fen`` of the case accounts: net
    of refunds and corrections) and disbursed (case accounts' credits in the entries that pay
    out to ``world:payees``, net of corrections) by the cases in it, and the public cases. A
    case with several categories counts in each, so the rows add up to more than the totals."""
    at = figures.head()
    return _by_category(figures.money(at), figures.cases(at))


def _by_category(money: figures.Money, cases: figures.CaseFigures) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, int]] = {}

    def row(category: str) -> dict[str, int]:
        return rows.setdefault(category, {"received_fen": 0, "disbursed_fen": 0, "cases": 0})

    for (_, tags), (received, disbursed) in money.groups.items():
        for category in figures.categories_of(tags):
            row(category)["received_fen"] += received
            row(category)["disbursed_fen"] += disbursed
    for (_, tags), n in cases.groups.items():
        for category in figures.categories_of(tags):
            row(category)["cases"] += n
    order = {c: i for i, c in enumerate(reference.CATEGORIES)}
    return [
        {
            "category": category,
            "label": str(reference.CATEGORIES.get(category, category)),
            **values,
        }
        for category, values in sorted(rows.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
        if any(values.values())
    ]


def by_county() -> list[dict[str, Any]]:
    """Per county (``Case.region``): money received and disbursed by its cases (as
    :func:`by_category`; the rows add up to what reached cases) and the public cases."""
    at = figures.head()
    return _by_county(figures.money(at), figures.cases(at))


def _by_county(money: figures.Money, cases: figures.CaseFigures) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, int]] = {}
    for (region, _), (received, disbursed) in money.groups.items():
        values = rows.setdefault(region, {"received_fen": 0, "disbursed_fen": 0, "cases": 0})
        values["received_fen"] += received
        values["disbursed_fen"] += disbursed
    for (region, _), n in cases.groups.items():
        rows.setdefault(region, {"received_fen": 0, "disbursed_fen": 0, "cases": 0})["cases"] += n
    return [
        {
            "region": region,
            "label": reference.county_label(region),
            "short_label": reference.county_short_name(region),
            **values,
        }
        for region, values in sorted(rows.items())
        if any(values.values())
    ]


# ---- a case's trail and the public journal ----------------------------------------------------


def _with_postings(query: Select[Any]) -> Select[Any]:
    return query.options(selectinload(JournalEntry.postings).selectinload(Posting.account))


def _case_account_ids(case: Case) -> list[int]:
    return list(
        db.session.scalars(
            select(LedgerAccount.id).where(
                LedgerAccount.case_id == case.id, LedgerAccount.kind == AccountKind.case
            )
        )
    )


def _touching(account_ids: Iterable[int]) -> Select[Any]:
    return select(Posting.entry_id).where(Posting.account_id.in_(list(account_ids)))


def case_trail(case: Case) -> list[dict[str, Any]]:
    """Every journal entry that moved money into or out of the case, oldest first, as public
    lines: date, kind, amount and direction (in / out of the case), the other party, and for
    payouts the payee kind and the receipts' SHA-256 hashes and dates."""
    accounts = _case_account_ids(case)
    if not accounts:
        return []
    entries = db.session.scalars(
        _with_postings(
            select(JournalEntry)
            .where(JournalEntry.id.in_(_touching(accounts)))
            .order_by(JournalEntry.seq)
        )
    ).all()
    return public_lines(entries, focus=accounts[0])


def ledger_lines(case_ref: str | None = None, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """One page of the public journal in chain order (oldest first, so a page never changes
    once full), optionally only the entries of one case.

    Raises:
        NotFound: ``case_ref`` names no case that is public or has money on the ledger.
    """
    if case_ref is not None:
        case = _public_case(case_ref)
        accounts = _case_account_ids(case)
        if not accounts:
            return _page([], 0, page, per_page)
        touching = _touching(accounts)
        total = db.session.scalar(
            select(func.count(func.distinct(Posting.entry_id))).where(
                Posting.account_id.in_(accounts)
            )
        )
        entries = db.session.scalars(
            _with_postings(
                select(JournalEntry)
                .where(JournalEntry.id.in_(touching))
                .order_by(JournalEntry.seq)
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
        ).all()
        return _page(public_lines(entries, focus=accounts[0]), int(total or 0), page, per_page)
    # the chain's sequence numbers run 1..head without gaps (``flask ledger verify`` checks it):
    # a page is a range of seq read through its unique index, and the head is the count
    head = db.session.get(LedgerHead, 1)
    total = head.seq if head else 0
    first = (page - 1) * per_page + 1
    entries = db.session.scalars(
        _with_postings(
            select(JournalEntry)
            .where(JournalEntry.seq >= first, JournalEntry.seq < first + per_page)
            .order_by(JournalEntry.seq)
        )
    ).all()
    return _page(public_lines(entries), total, page, per_page)


def _page(items: list[dict[str, Any]], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {
        "items": items,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": (total + per_page - 1) // per_page,
    }


def _public_case(ref: str) -> Case:
    """A case whose money the public may follow: published or closed, or one that has a ledger
    account (a case withdrawn after receiving money). Others do not exist in public.

    Raises:
        NotFound: no such case, or one the public does not see.
    """
    case = get_case(ref)
    if case.status not in PUBLIC and not _case_account_ids(case):
        raise NotFound(_l("No such case."))
    return case
