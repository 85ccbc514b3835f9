"""What the public pages show, gathered from the domains below (the read side of the product).

The public package sits above cases, donors, plans, NGOs and transparency: it may read all of
them, and none of them imports it. A case's public page is the one place where a case's gifts,
plan, match offers and money trail come together.
"""

from __future__ import annotations

from typing import Any

import segno
from sqlalchemy import select

from marketplace.accounts.models import Organization, OrgKind, User
from marketplace.cases import schemas as case_schemas
from marketplace.cases import services as cases
from marketplace.cases.models import Case
from marketplace.cases.states import CaseStatus
from marketplace.donors import funds
from marketplace.donors import services as donors
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ngos import services as ngos
from marketplace.ngos.models import Project
from marketplace.plans import services as plans
from marketplace.transparency import services as transparency


def home() -> dict[str, Any]:
    """The home page: the most urgent published cases and the platform's headline figures (case
    counts, and money raised, held, paid out and refunded from the ledger)."""
    return {
        "urgent": cases.paginate_public({"sort": "urgent", "page": 1, "per_page": 6}),
        "stats": cases.public_stats() | ledger.platform_totals(),
    }


def case_page(case: Case, viewer: Any) -> dict[str, Any]:
    """Everything a case's public page renders, for this viewer (signed in or not)."""
    return {
        "case": case_schemas.CasePublicSchema().dump(cases.public_view(case)),
        "gifts": donors.public_gifts(case),
        "plan_summary": plans.public_summary(case),
        "offers": [funds.offer_text(f) for f in funds.match_offers(case)],
        "can_pledge": getattr(viewer, "role", None) in donors.PLEDGING_ROLES
        and case.status == CaseStatus.published,
        "available_fen": donors.available_fen(case),
        "trail": transparency.case_trail(case),
        "trust": trust(case),
        "presets": PRESET_YUAN,
    }


#: the amounts a donor picks with one tap on a case page (yuan)
PRESET_YUAN = (20, 50, 100, 200, 500)


def trust(case: Case) -> dict[str, Any]:
    """ "Why you can trust this case": who reviewed it (the organization and the date, never a
    person), what the government already paid, and who holds the donated money."""
    reviewer = db.session.get(User, case.reviewed_by_id) if case.reviewed_by_id else None
    custodian = db.session.scalar(
        select(Organization)
        .where(Organization.kind == OrgKind.custodian, Organization.verified.is_(True))
        .order_by(Organization.id)
    )
    return {
        "recorded_by": case.organization.name,
        "reviewed_by": reviewer.organization.name
        if reviewer is not None and reviewer.organization is not None
        else None,
        "reviewed_at": case.reviewed_at if case.status != CaseStatus.submitted else None,
        "government_paid_fen": cases.government_paid_fen(case),
        "schemes": sorted({p.scheme for p in case.payouts if p.status == "paid"}),
        "custodian": custodian.name if custodian is not None else None,
    }


def share_qr_svg(url: str) -> str:
    """A QR code for ``url`` as inline SVG, made on the server (no third-party service)."""
    return str(
        segno.make(url, error="m").svg_inline(
            scale=4, border=2, dark="#1f1f1f", light="#ffffff", omitsize=False
        )
    )


def ngo_projects(org_id: int) -> list[dict[str, Any]]:
    """An NGO's projects, as its public record lists them."""
    rows = db.session.scalars(
        select(Project).where(Project.organization_id == org_id).order_by(Project.id)
    )
    return [ngos.project_view(p) for p in rows]
