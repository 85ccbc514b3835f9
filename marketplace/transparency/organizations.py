"""Public records of NGOs and companies (``/ngos/<id>``, ``/companies/<id>``), read from the
ledger.

**Whose money an entry moves.** An entry belongs to an organization when the money comes from
it:

- a posting credits one of its accounts (a company fund ``fund:<id>``, an NGO project
  ``project:<id>``): a fund's grant or match, a project's commitment, a refund out of a fund;
- otherwise the entry's source (``source_type``, ``source_id``) is the organization's: a pledge
  its staff made in its name (a gift, a fund deposit, a refund, a move to another case), or, for
  an allocation, a plan item whose pooled pledge is the organization's; or the budget of one of
  its projects;
- a correction (``reversal``) belongs to whoever the entry it reverses belongs to.

**Figures**, all sums over those entries' postings:

- ``put_in_fen``: what it paid in (credits minus debits of ``world:donors``, minus refunds to
  ``world:refunds``) or, for an NGO, set aside from its own funds for its projects (credits of
  ``world:ngos``);
- ``committed_fen``: what reached cases (``received_delta_fen`` of the case accounts: net of
  refunds, moves and corrections), per case and in total;
- ``delivered_fen``: its share of what those cases paid out to payees, in proportion to its part
  of what each case received, rounded down to the fen. Money in a case is not earmarked by
  donor, so this is the only attribution that needs no assumption about who paid which bill.

The sums are kept per process for each organization until the ledger's head or the latest
referral change moves, and for at most ``TRANSPARENCY_CASE_FIGURES_MAX_AGE`` seconds
(``benchmarks/organizations``: a company whose fund matched ~5,000 gifts takes ~100-200 ms to sum).

NGOs also show their service record from referrals: units delivered, and referral answers given
on time (before the answer was due) against answers given late or never.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case as case_when
from sqlalchemy import func, select, union
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Organization, OrgKind
from marketplace.cases import reference
from marketplace.cases.models import Case
from marketplace.cases.states import PUBLIC
from marketplace.donors.models import CompanyFund, Pledge
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import AccountKind, Side
from marketplace.ledger.core import SourceKind as EntrySource
from marketplace.ledger.models import JournalEntry, LedgerAccount, Posting
from marketplace.ngos.models import Project, Referral, ReferralStatus
from marketplace.plans.models import PlanItem, SourceKind
from marketplace.transparency import figures
from marketplace.utils import get_row

#: refs per IN list (SQLite allows 32,766 parameters; PostgreSQL more)
_CHUNK = 5000
#: organizations with a public record, and the kind each URL shows
PUBLIC_KINDS = (OrgKind.ngo, OrgKind.company)


def public_organization(org_id: int, kind: OrgKind) -> Organization:
    """The organization of that kind (an NGO or a company).

    Raises:
        NotFound: no such organization, or one of another kind.
    """
    org = get_row(Organization, org_id)
    if org is None or org.kind != kind or kind not in PUBLIC_KINDS:
        raise NotFound(_l("No such organization."))
    return org


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class _Posting(NamedTuple):
    entry_id: int
    account_id: int
    side: Side
    amount_fen: int
    received_delta_fen: int
    kind: AccountKind
    code: str
    case_id: int | None


class _Attribution:
    """The organization's accounts, pledges and plan items, and the entries that are its own.

    The candidate entries are selected in the database (subqueries, a recursive one for
    corrections), never sent back as long lists of ids: binding thousands of parameters cost
    more than the queries themselves."""

    def __init__(self, org: Organization):
        self.org = org
        self.projects = list(
            db.session.scalars(select(Project.id).where(Project.organization_id == org.id))
        )
        funds = db.session.scalars(
            select(CompanyFund.id).where(CompanyFund.organization_id == org.id)
        )
        own_codes = [codes.fund(i) for i in funds] + [codes.project(i) for i in self.projects]
        self.accounts = set(
            db.session.scalars(select(LedgerAccount.id).where(LedgerAccount.code.in_(own_codes)))
        )
        self._pledges = select(Pledge.id).where(Pledge.organization_id == org.id)
        self.pledges = set(db.session.scalars(self._pledges))
        #: plan items that placed its pooled pledges (the source of their allocations)
        self.items = (
            set(
                db.session.scalars(
                    select(PlanItem.id).where(
                        PlanItem.source_kind == SourceKind.pool,
                        PlanItem.source_id.in_(self._pledges),
                    )
                )
            )
            if self.pledges
            else set()
        )

    def _candidates(self) -> Any:
        """Entries that may be its own, and every correction of them (recursively)."""
        parts = [
            select(Posting.entry_id.label("id")).where(
                Posting.account_id.in_(sorted(self.accounts) or [-1])
            ),
            select(JournalEntry.id).where(
                JournalEntry.source_type == EntrySource.pledge,
                JournalEntry.source_id.in_(self._pledges),
            ),
            select(JournalEntry.id).where(
                JournalEntry.kind == "allocation",
                JournalEntry.source_type == EntrySource.plan_item,
                JournalEntry.source_id.in_(
                    select(PlanItem.id).where(
                        PlanItem.source_kind == SourceKind.pool,
                        PlanItem.source_id.in_(self._pledges),
                    )
                ),
            ),
        ]
        if self.projects:
            parts.append(
                select(JournalEntry.id).where(
                    JournalEntry.source_type == EntrySource.project,
                    JournalEntry.source_id.in_(self.projects),
                )
            )
        direct = union(*parts).subquery()
        found = select(direct.c.id).cte("found", recursive=True)
        corrections = aliased(JournalEntry)
        found = found.union_all(
            select(corrections.id).join(found, corrections.reverses_id == found.c.id)
        )
        return select(found.c.id)

    def postings(self) -> list[_Posting]:
        """The postings of its entries (see the module docstring), as plain rows: a big
        company has tens of thousands."""
        candidates = self._candidates()
        heads = db.session.execute(
            select(
                JournalEntry.id,
                JournalEntry.kind,
                JournalEntry.source_type,
                JournalEntry.source_id,
                JournalEntry.reverses_id,
            )
            .where(JournalEntry.id.in_(candidates))
            .order_by(JournalEntry.seq)
        ).all()
        postings: dict[int, list[_Posting]] = defaultdict(list)
        for row in db.session.execute(
            select(
                Posting.entry_id,
                Posting.account_id,
                Posting.side,
                Posting.amount_fen,
                Posting.received_delta_fen,
                LedgerAccount.kind,
                LedgerAccount.code,
                LedgerAccount.case_id,
            )
            .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
            .where(Posting.entry_id.in_(candidates))
        ):
            postings[row.entry_id].append(_Posting(*row))
        owned: dict[int, bool] = {}
        mine: list[_Posting] = []
        for entry_id, kind, source_type, source_id, reverses_id in heads:
            # in chain order: a reversed entry is decided before its reversal
            if reverses_id is not None:
                owned[entry_id] = owned.get(reverses_id, False)
            else:
                owned[entry_id] = self._owns(kind, source_type, source_id, postings[entry_id])
            if owned[entry_id]:
                mine.extend(postings[entry_id])
        return mine

    def _owns(
        self,
        kind: str,
        source_type: EntrySource | None,
        source_id: int | None,
        rows: list[_Posting],
    ) -> bool:
        for p in rows:
            if p.side == Side.credit and p.kind in (AccountKind.fund, AccountKind.project):
                return p.account_id in self.accounts  # the money came from this fund/project
        if source_type == EntrySource.pledge:
            return source_id in self.pledges
        if source_type == EntrySource.project:  # an NGO's own budget for its project
            return source_id in self.projects
        if kind == "allocation" and source_type == EntrySource.plan_item:
            return source_id in self.items
        return False


def _case_payouts(case_ids: Iterable[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per case: money received (the case account's ``received_fen``) and paid out (its credits
    in the entries that pay ``world:payees``, net of corrections)."""
    received: dict[int, int] = {}
    paid_out: dict[int, int] = defaultdict(int)
    payees = db.session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == ledger.WORLD_PAYEES)
    )
    for chunk in _chunks(sorted(set(case_ids))):
        accounts: dict[int, int] = {}  # account id -> case id
        for account_id, case_id, value in db.session.execute(
            select(LedgerAccount.id, LedgerAccount.case_id, LedgerAccount.received_fen).where(
                LedgerAccount.case_id.in_(chunk), LedgerAccount.kind == AccountKind.case
            )
        ):
            accounts[account_id] = case_id
            received[case_id] = received.get(case_id, 0) + int(value)
        if payees is None or not accounts:
            continue
        pays = select(Posting.entry_id).where(Posting.account_id == payees)
        credits = func.sum(
            case_when((Posting.side == Side.credit, Posting.amount_fen), else_=-Posting.amount_fen)
        )
        for account_id, value in db.session.execute(
            select(Posting.account_id, credits)
            .where(Posting.account_id.in_(list(accounts)), Posting.entry_id.in_(pays))
            .group_by(Posting.account_id)
        ):
            paid_out[accounts[account_id]] += int(value or 0)
    return received, dict(paid_out)


def share(part: int, whole: int, paid: int) -> int:
    """``part``'s share of ``paid`` out of ``whole``, rounded down, never more than ``part``."""
    if whole <= 0 or part <= 0 or paid <= 0:
        return 0
    return min(part, part * min(paid, whole) // whole)


@dataclass
class _Figures:
    """The costly part of a record (sums over the organization's entries), kept per process."""

    key: tuple[Any, ...]
    at: float
    put_in_fen: int
    committed_fen: int
    delivered_fen: int
    rows: list[dict[str, Any]]
    services: dict[str, Any] | None


_lock = threading.Lock()
#: organizations whose figures are kept per process (least recently used dropped first)
_KEEP = 256


def _figures(org: Organization) -> _Figures:
    """The organization's sums, reused while the ledger's head and the latest referral change
    are the same and they are younger than ``TRANSPARENCY_CASE_FIGURES_MAX_AGE`` seconds (a
    case's stage shown in the list may lag that long)."""
    key = (
        org.id,
        org.created_at,
        figures.head(),
        db.session.scalar(select(func.max(Referral.updated_at))),
    )
    max_age = float(current_app.config.get("TRANSPARENCY_CASE_FIGURES_MAX_AGE", 60))
    store: OrderedDict[int, _Figures] = current_app.extensions.setdefault(
        "organization_figures", OrderedDict()
    )
    with _lock:
        kept = store.get(org.id)
        if kept is not None and kept.key == key and time.monotonic() - kept.at < max_age:
            store.move_to_end(org.id)
            return kept
    fresh = _compute(org, key)
    with _lock:
        store[org.id] = fresh
        store.move_to_end(org.id)
        while len(store) > _KEEP:
            store.popitem(last=False)
    return fresh


def _compute(org: Organization, key: tuple[Any, ...]) -> _Figures:
    attribution = _Attribution(org)
    put_in = 0
    by_case: dict[int, int] = defaultdict(int)
    for p in attribution.postings():
        signed = p.amount_fen if p.side == Side.debit else -p.amount_fen
        if p.code in (ledger.WORLD_DONORS, ledger.WORLD_NGOS, ledger.WORLD_REFUNDS):
            put_in -= signed  # paid in (credits), less what was refunded to it (debits)
        elif p.kind == AccountKind.case and p.case_id is not None:
            by_case[p.case_id] += p.received_delta_fen
    received, paid_out = _case_payouts(by_case)
    delivered = {c: share(v, received.get(c, 0), paid_out.get(c, 0)) for c, v in by_case.items()}
    services = _services(attribution.projects) if org.kind == OrgKind.ngo else None
    served = {c for c, v in by_case.items() if v > 0} | (services["cases"] if services else set())
    return _Figures(
        key=key,
        at=time.monotonic(),
        put_in_fen=put_in,
        committed_fen=sum(by_case.values()),
        delivered_fen=sum(delivered.values()),
        rows=_case_rows(served, by_case, delivered, services["case_units"] if services else {}),
        services=(
            {k: v for k, v in services.items() if k not in ("cases", "case_units")}
            if services is not None
            else None
        ),
    )


def record(org: Organization, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """The organization's public record: totals, one page of the cases its money or services
    reached (newest first), its funds (companies) or projects (NGOs) and service record."""
    found = _figures(org)
    rows = found.rows
    start = (page - 1) * per_page
    return {
        "organization": {
            "id": org.id,
            "name": org.name,
            "kind": org.kind.value,
            "region": org.region,
            "verified": org.verified,
            "verified_at": org.verified_at,
            "registration_number": org.registration_number,
        },
        "put_in_fen": found.put_in_fen,
        "committed_fen": found.committed_fen,
        "delivered_fen": found.delivered_fen,
        "cases_served": len(rows),
        "cases": {
            "items": rows[start : start + per_page],
            "total": len(rows),
            "page": page,
            "per_page": per_page,
            "pages": (len(rows) + per_page - 1) // per_page,
        },
        "funds": _funds(org) if org.kind == OrgKind.company else [],
        "services": found.services,
    }


def _case_rows(
    served: set[int],
    committed: dict[int, int],
    delivered: dict[int, int],
    units: dict[int, list[str]],
) -> list[dict[str, Any]]:
    """Public cases only (a withdrawn case is counted in the money, not listed)."""
    rows = []
    for chunk in _chunks(sorted(served)):
        for case in db.session.scalars(
            select(Case).where(Case.id.in_(chunk), Case.status.in_(PUBLIC))
        ):
            rows.append(
                {
                    "ref": case.ref,
                    "categories": list(case.categories or []),
                    "county": reference.county_label(case.region),
                    "status": case.status.value,
                    "stage": case.stage.value if case.stage else None,
                    "published_at": case.published_at,
                    "committed_fen": committed.get(case.id, 0),
                    "delivered_fen": delivered.get(case.id, 0),
                    "units_delivered": units.get(case.id, []),
                }
            )
    rows.sort(key=lambda r: (r["published_at"] is not None, r["published_at"]), reverse=True)
    return rows


def _funds(org: Organization) -> list[dict[str, Any]]:
    """A company's funds: budget, money held now (the ledger balance), grants and matches."""
    rows = []
    for fund in db.session.scalars(
        select(CompanyFund).where(CompanyFund.organization_id == org.id).order_by(CompanyFund.id)
    ):
        rows.append(
            {
                "id": fund.id,
                "name": fund.name,
                "categories": list(fund.categories or []),
                "region": fund.region,
                "match_ratio": fund.match_ratio,
                "active": fund.active,
                "budget_fen": fund.budget_fen,
                "held_fen": ledger.balance(codes.fund(fund.id)),
            }
        )
    return rows


def _services(project_ids: list[int]) -> dict[str, Any]:
    """Referrals to the NGO's projects: answers on time, late or never (overdue), and units
    delivered, per project and in total; and the cases its services reached."""
    answered = (ReferralStatus.accepted, ReferralStatus.declined, ReferralStatus.delivered)
    per_project: dict[int, dict[str, int]] = {}
    cases: set[int] = set()
    units: dict[int, dict[int, int]] = {}  # case id -> project id -> units delivered
    for chunk in _chunks(project_ids):
        for project_id, status, due_at, decided_at, delivered, case_id in db.session.execute(
            select(
                Referral.project_id,
                Referral.status,
                Referral.due_at,
                Referral.decided_at,
                Referral.delivered_units,
                Referral.case_id,
            ).where(Referral.project_id.in_(chunk))
        ):
            row = per_project.setdefault(
                project_id,
                {"referrals": 0, "on_time": 0, "late": 0, "unanswered": 0, "units_delivered": 0},
            )
            row["referrals"] += 1
            if status in answered:
                on_time = decided_at is not None and decided_at <= due_at
                row["on_time" if on_time else "late"] += 1
            elif status == ReferralStatus.overdue:
                row["unanswered"] += 1
            row["units_delivered"] += int(delivered or 0)
            if status in (ReferralStatus.accepted, ReferralStatus.delivered):
                cases.add(case_id)
                if delivered:
                    by_case = units.setdefault(case_id, {})
                    by_case[project_id] = by_case.get(project_id, 0) + int(delivered)
    projects = []
    for chunk in _chunks(project_ids):
        for project in db.session.scalars(select(Project).where(Project.id.in_(chunk))):
            row = per_project.get(project.id)
            if row:
                projects.append(
                    {"id": project.id, "name": project.name, "unit_name": project.unit_name, **row}
                )
    projects.sort(key=lambda r: r["id"])
    unit_names = {p["id"]: p["unit_name"] or "" for p in projects}
    delivered_units = {
        case_id: [f"{n} {unit_names.get(pid, '')}".strip() for pid, n in sorted(per.items())]
        for case_id, per in units.items()
    }
    totals = {
        key: sum(r[key] for r in per_project.values())
        for key in ("referrals", "on_time", "late", "unanswered")
    }
    return {**totals, "projects": projects, "cases": cases, "case_units": delivered_units}


def directory(page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """NGOs and companies with a public record, NGOs first, by name; one page."""
    query = (
        select(Organization)
        .where(Organization.kind.in_(PUBLIC_KINDS))
        .order_by(Organization.kind.desc(), Organization.name)
    )
    found = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return {
        "items": [
            {
                "id": org.id,
                "name": org.name,
                "kind": org.kind.value,
                "verified": org.verified,
                "region": org.region,
            }
            for org in found.items
        ],
        "total": found.total or 0,
        "page": page,
        "per_page": per_page,
        "pages": found.pages,
    }
