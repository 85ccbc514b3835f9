"""Public figures, read from the ledger: platform totals, breakdowns, a case's money trail and the
public journal (DESIGN.md §9).

Every money figure here is a sum over ledger postings or account balances, never a separate
counter, so what the public sees equals what the ledger sums to. Sums are grouped in the
database and kept current along the hash chain (:mod:`marketplace.transparency.figures`); the
journal and a case's trail are read one page at a time with a fixed number of queries (no query
per line).

Public lines are built from entry kinds, account codes and ids only. An entry's ``memo`` is never
shown: descriptions name donors as 爱心人士 unless the pledge is not anonymous, companies and
NGOs by their organization's name, and payees by their kind (a vendor's name; never the
household's).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Organization, User
from marketplace.cases import reference
from marketplace.cases.anonymize import scrub
from marketplace.cases.models import Case
from marketplace.cases.services import get_case
from marketplace.cases.states import PUBLIC
from marketplace.db_types import utcnow
from marketplace.disbursements.models import Disbursement, PayeeKind, Receipt
from marketplace.donors.models import CompanyFund, Pledge
from marketplace.donors.services import ANONYMOUS_NAME
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.ledger import codes as account_codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import AccountKind, Side
from marketplace.ledger.core import SourceKind as EntrySource
from marketplace.ledger.models import JournalEntry, LedgerAccount, LedgerHead, Posting
from marketplace.ngos.models import Project
from marketplace.plans.models import PlanItem, SourceKind
from marketplace.templating import ENTRY_KIND_LABELS
from marketplace.transparency import figures

#: how an entry kind reads in public: one table with the ``entry_kind`` template filter
ENTRY_KINDS = ENTRY_KIND_LABELS


# ---- small helpers ----------------------------------------------------------------------------


def _source_id(entry: JournalEntry, kind: EntrySource) -> int | None:
    """The id of the entry's source document when it is of that kind."""
    return entry.source_id if entry.source_type == kind else None


def kind_label(kind: str) -> str:
    return str(ENTRY_KINDS.get(kind, kind))


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


# ---- public journal lines ---------------------------------------------------------------------


class _Names:
    """Public names for the parties of a page of entries, loaded with one query per kind."""

    def __init__(self, entries: Sequence[JournalEntry]):
        pledge_ids: set[int] = set()
        disbursement_ids: set[int] = set()
        item_ids: set[int] = set()
        fund_ids: set[int] = set()
        project_ids: set[int] = set()
        reversed_ids: set[int] = set()
        for entry in entries:
            if (pid := _source_id(entry, EntrySource.pledge)) is not None:
                pledge_ids.add(pid)
            if (did := _source_id(entry, EntrySource.disbursement)) is not None:
                disbursement_ids.add(did)
            if (pid := _source_id(entry, EntrySource.project)) is not None:
                project_ids.add(pid)
            if entry.kind == "allocation" and (
                (item := _source_id(entry, EntrySource.plan_item)) is not None
            ):
                item_ids.add(item)
            if (eid := _source_id(entry, EntrySource.journal_entry)) is not None:
                reversed_ids.add(eid)
            for posting in entry.postings:
                code = posting.account.code
                if (fid := account_codes.number(code, account_codes.FUND)) is not None:
                    fund_ids.add(fid)
                if (pid := account_codes.number(code, account_codes.PROJECT)) is not None:
                    project_ids.add(pid)
        #: entry id -> seq of the entries that reversals on this page correct
        self.seqs: dict[int, int] = {}
        if reversed_ids:
            self.seqs = dict(
                db.session.execute(
                    select(JournalEntry.id, JournalEntry.seq).where(
                        JournalEntry.id.in_(reversed_ids)
                    )
                ).all()
            )
        #: plan item id -> pledge id (a pooled pledge placed by a plan)
        self.item_pledge: dict[int, int] = {}
        if item_ids:
            for item_id, source_id in db.session.execute(
                select(PlanItem.id, PlanItem.source_id).where(
                    PlanItem.id.in_(item_ids), PlanItem.source_kind == SourceKind.pool
                )
            ):
                self.item_pledge[item_id] = source_id
                pledge_ids.add(source_id)
        self.pledges: dict[int, str] = {}
        if pledge_ids:
            for pid, anonymous, name, company in db.session.execute(
                select(Pledge.id, Pledge.anonymous, User.display_name, Organization.name)
                .join(User, Pledge.donor_id == User.id)
                .outerjoin(Organization, Pledge.organization_id == Organization.id)
                .where(Pledge.id.in_(pledge_ids))
            ):
                # a company's staff give in the company's name, never their own
                shown = company or name
                self.pledges[pid] = ANONYMOUS_NAME if anonymous else (shown or ANONYMOUS_NAME)
        self.funds = self._org_names(CompanyFund, fund_ids)
        self.projects = self._org_names(Project, project_ids)
        self.payees: dict[int, str] = {}
        self.receipts: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if disbursement_ids:
            vendors = set()
            for did, kind in db.session.execute(
                select(Disbursement.id, Disbursement.payee_kind).where(
                    Disbursement.id.in_(disbursement_ids)
                )
            ):
                if kind == PayeeKind.vendor:
                    vendors.add(did)
                else:
                    self.payees[did] = str(_l("The household (name withheld)"))
            if vendors:  # only vendors' names are decrypted; a beneficiary's never leaves the row
                for did, name in db.session.execute(
                    select(Disbursement.id, Disbursement.payee_name).where(
                        Disbursement.id.in_(vendors)
                    )
                ):
                    self.payees[did] = str(
                        _l("Vendor: %(name)s", name=scrub(name or "").text.strip())
                    )
            for did, uploaded_at, sha256 in db.session.execute(
                select(Receipt.disbursement_id, Receipt.uploaded_at, Receipt.sha256)
                .where(Receipt.disbursement_id.in_(disbursement_ids))
                .order_by(Receipt.id)
            ):
                self.receipts[did].append({"date": uploaded_at, "sha256": sha256})

    @staticmethod
    def _org_names(model: Any, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(
            db.session.execute(
                select(model.id, Organization.name)
                .join(Organization, model.organization_id == Organization.id)
                .where(model.id.in_(ids))
            ).all()
        )

    def donor(self, entry: JournalEntry) -> str:
        pid = _source_id(entry, EntrySource.pledge)
        if pid is None and (item := _source_id(entry, EntrySource.plan_item)) is not None:
            pid = self.item_pledge.get(item)
        return self.pledges.get(pid, ANONYMOUS_NAME) if pid is not None else ANONYMOUS_NAME

    def account(self, code: str, entry: JournalEntry) -> str:
        """The public label of one side of an entry."""
        if code == ledger.WORLD_DONORS:
            return self.donor(entry)
        if code == ledger.WORLD_REFUNDS:
            if _source_id(entry, EntrySource.pledge) is not None:
                return str(_l("Refund to %(name)s", name=self.donor(entry)))
            return str(_l("Refunds to donors"))
        if code == ledger.WORLD_PAYEES:
            did = _source_id(entry, EntrySource.disbursement)
            return self.payees.get(did, str(_l("Payees"))) if did else str(_l("Payees"))
        if code == ledger.WORLD_NGOS:
            pid = _source_id(entry, EntrySource.project)
            name = self.projects.get(pid) if pid else None
            return (
                str(_l("%(name)s (own funds)", name=name)) if name else str(_l("NGOs' own funds"))
            )
        if code == ledger.CLEARING:
            return str(_l("Payment clearing"))
        if code == ledger.FEES:
            return str(_l("Payment fees"))
        kind, raw = account_codes.split(code)
        if kind == account_codes.CASE:
            return str(_l("Case %(ref)s", ref=raw))
        if kind == account_codes.POOL:
            if entry.kind == "allocation":
                return self.donor(entry)
            return str(_l("Donors' pooled pledges"))
        if kind == account_codes.FUND:
            fund_id = account_codes.number(code, account_codes.FUND)
            return self.funds.get(fund_id or 0) or str(_l("Company fund"))
        if kind == account_codes.PROJECT:
            project_id = account_codes.number(code, account_codes.PROJECT)
            return self.projects.get(project_id or 0) or str(_l("NGO project"))
        return str(_l("Other"))


def _line(entry: JournalEntry, names: _Names, focus: int | None) -> dict[str, Any]:
    """One public line. ``focus``: the case account the line is seen from (amount and
    direction relative to it); else the first case account of the entry, if any."""
    by_account: dict[int, int] = defaultdict(int)
    codes: dict[int, str] = {}
    for p in entry.postings:
        by_account[p.account_id] += p.amount_fen if p.side == Side.debit else -p.amount_fen
        codes[p.account_id] = p.account.code
    case_accounts = [a for a in by_account if account_codes.case_ref(codes[a]) is not None]
    if focus is None and case_accounts:
        focus = max(case_accounts, key=lambda a: (by_account[a] > 0, -a))
    sources = [a for a, v in by_account.items() if v < 0]
    targets = [a for a, v in by_account.items() if v > 0]
    source = " + ".join(names.account(codes[a], entry) for a in sources)
    target = " + ".join(names.account(codes[a], entry) for a in targets)
    if focus is not None and focus in by_account:
        net = by_account[focus]
        direction = "in" if net > 0 else "out" if net < 0 else None
        amount = abs(net)
        case_ref = account_codes.case_ref(codes[focus])
        others = [a for a, v in by_account.items() if v and (v > 0) != (net > 0)]
        counterparty = " + ".join(names.account(codes[a], entry) for a in others)
    else:
        direction, case_ref, counterparty = None, None, ""
        amount = sum(v for v in by_account.values() if v > 0)
    did = _source_id(entry, EntrySource.disbursement) if entry.kind == "disbursement" else None
    reversed_id = _source_id(entry, EntrySource.journal_entry)
    if entry.kind == "reversal" and reversed_id in names.seqs:
        description = str(_l("Correction of entry %(seq)s", seq=names.seqs[reversed_id]))
    else:
        description = str(
            _l(
                "%(kind)s: %(source)s → %(target)s",
                kind=kind_label(entry.kind),
                source=source,
                target=target,
            )
        )
    return {
        "seq": entry.seq,
        "date": entry.created_at,
        "kind": entry.kind,
        "kind_label": kind_label(entry.kind),
        "amount_fen": amount,
        "direction": direction,
        "case_ref": case_ref,
        "source": source,
        "destination": target,
        "counterparty": counterparty or (target if direction == "out" else source),
        "description": description,
        "payee_kind": _payee_kind(entry) if entry.kind == "disbursement" else None,
        "receipts": list(names.receipts.get(did, [])) if did else [],
        "hash": entry.hash,
    }


def _payee_kind(entry: JournalEntry) -> str | None:
    value = (entry.meta or {}).get("payee_kind")
    return value if value in {k.value for k in PayeeKind} else None


def _lines(entries: Sequence[JournalEntry], focus: int | None = None) -> list[dict[str, Any]]:
    names = _Names(entries)
    return [_line(entry, names, focus) for entry in entries]


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
    return _lines(entries, focus=accounts[0])


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
        return _page(_lines(entries, focus=accounts[0]), int(total or 0), page, per_page)
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
    return _page(_lines(entries), total, page, per_page)


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
