"""Public records of NGOs and companies (``/ngos/<id>``, ``/companies/<id>``), read from the
ledger.

**Whose money an entry moves**: the entries that belong to an organization are found by
:mod:`marketplace.transparency.attribution` (the money comes from its fund or project, or from
its pledges, or is a correction of such an entry).

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

NGOs also show their service record from referrals
(:mod:`marketplace.transparency.service_record`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.models import Organization, OrgKind
from marketplace.cases import reference
from marketplace.cases.models import Case
from marketplace.cases.states import PUBLIC
from marketplace.donors.models import CompanyFund
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import AccountKind, Side
from marketplace.ngos.models import Referral
from marketplace.transparency import figures
from marketplace.transparency.attribution import Attribution, case_payouts, chunks, share
from marketplace.transparency.service_record import service_record
from marketplace.utils import get_row

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
    attribution = Attribution(org)
    put_in = 0
    by_case: dict[int, int] = defaultdict(int)
    for p in attribution.postings():
        signed = p.amount_fen if p.side == Side.debit else -p.amount_fen
        if p.code in (ledger.WORLD_DONORS, ledger.WORLD_NGOS, ledger.WORLD_REFUNDS):
            put_in -= signed  # paid in (credits), less what was refunded to it (debits)
        elif p.kind == AccountKind.case and p.case_id is not None:
            by_case[p.case_id] += p.received_delta_fen
    received, paid_out = case_payouts(by_case)
    delivered = {c: share(v, received.get(c, 0), paid_out.get(c, 0)) for c, v in by_case.items()}
    services = service_record(attribution.projects) if org.kind == OrgKind.ngo else None
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
    for chunk in chunks(sorted(served)):
        for case in db.session.scalars(
            select(Case).where(Case.id.in_(chunk), Case.status.in_(PUBLIC))
        ):
            rows.append(
                {
                    "ref": case.ref,
                    "title": case.title,
                    "region": case.region,
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
