"""Reading cases: one case by reference, its private part (every read audited), the case as the
eligibility rule, the public and its owner see it, the public list with its filters and pages,
an organization's cases, the review queue, the home page counts and the k-anonymity check a
reviewer sees.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases import anonymize
from marketplace.cases.duplicates import duplicate_flags
from marketplace.cases.funding import funded_by_line, government_paid_fen, residual_fen
from marketplace.cases.models import Case, CasePrivate, NeedLine
from marketplace.cases.reference import county_label, fallback_title
from marketplace.cases.states import CaseStatus
from marketplace.errors import NotFound
from marketplace.extensions import db
from matching.rules import Applicant


def get_case(ref: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    if case is None:
        raise NotFound(_l("No such case."))
    return case


def view_private(actor: User, case: Case) -> CasePrivate:
    """Return the private part; every call is audited."""
    permissions.require(permissions.can_view_private(actor, case), hide=True)
    record(actor, "case.private.view", "case", case.ref)
    return case.private


# ---- eligibility ------------------------------------------------------------------------


def applicant(
    case: Case,
    line: NeedLine | None = None,
    *,
    categories: Literal["all", "case", "needs"] = "all",
) -> Applicant:
    """The case (or one of its need lines) as the eligibility rule sees it
    (:func:`matching.rules.misfits`); nothing private.

    With ``line``, the line's category. Without, a source fits when it accepts any of
    ``categories``: ``"case"`` the case's hardship categories (what company-fund match offers
    and expired rule pledges follow), ``"needs"`` the categories of its need lines (what the
    plan builder reads rule classes by), ``"all"`` both (what it reads projects by).
    """
    if line is not None:
        wanted: tuple[str, ...] = (line.category,)
    else:
        chosen = set(case.categories or ()) if categories != "needs" else set()
        if categories != "case":
            chosen |= {n.category for n in case.need_lines}
        wanted = tuple(sorted(chosen))
    return Applicant(wanted, case.region, case.age_band, case.household_size)


# ---- views of one case ------------------------------------------------------------------


def paperwork_pending(case: Case) -> bool:
    return case.emergency and any(p.status != "paid" for p in case.payouts)


def display_title(case: Case) -> str:
    """The case's name for the public and donors: the social worker's title, or a neutral one
    made of its first category and its county."""
    return case.title or fallback_title(list(case.categories or ()), case.region)


def public_view(case: Case) -> dict[str, Any]:
    """The case as the public sees it; dump it with ``CasePublicSchema``."""
    funded = funded_by_line(case)
    by_scheme: Counter[str] = Counter()
    for p in case.payouts:
        if p.status == "paid":
            by_scheme[p.scheme] += p.amount_fen
    residual = residual_fen(case)
    funded_total = sum(funded.values())
    gov = government_paid_fen(case)
    return {
        "ref": case.ref,
        "title": display_title(case),
        "title_written": bool(case.title),
        "region": case.region,
        "region_name": county_label(case.region),
        "categories": list(case.categories),
        "household_size": anonymize.household_band(case.household_size),
        "age_band": case.age_band,
        "summary": case.public_summary,
        "emergency": case.emergency,
        "paperwork_pending": paperwork_pending(case),
        "need_lines": [
            {
                "id": line.id,
                "kind": line.kind,
                "category": line.category,
                "description": line.public_description,
                "amount_fen": line.amount_fen,
                "funded_fen": funded.get(line.id, 0),
                "units": line.units,
                "unit_name": line.unit_name,
                "payee_kind": line.payee_kind,
                "status": line.status,
            }
            for line in case.need_lines
        ],
        "government_paid_fen": gov,
        "government_paid_by_scheme": [
            {"scheme": s, "amount_fen": a} for s, a in sorted(by_scheme.items())
        ],
        "total_need_fen": gov + residual,
        "residual_fen": residual,
        "funded_fen": funded_total,
        "open_fen": max(residual - funded_total, 0),
        "status": case.status.value,
        "published_at": case.published_at,
    }


def owner_view(case: Case) -> dict[str, Any]:
    view = public_view(case)
    view.update(
        summary_draft=case.summary,
        scrub_report=case.scrub_report,
        government_payouts=case.payouts,
        flags=duplicate_flags(case),
        return_reason=case.return_reason,
        paperwork_deadline=case.paperwork_deadline,
        household_size_exact=case.household_size,
        created_at=case.created_at,
        submitted_at=case.submitted_at,
    )
    return view


def view_for(user: Any, case: Case) -> dict[str, Any]:
    """The owner's view for those who may read the case's private text, the public view (the
    scrubbed summary, no typed text) for everyone else."""
    if permissions.can_see_private_text(user, case):
        return owner_view(case)
    return public_view(case)


# ---- lists and counts -------------------------------------------------------------------


def public_cases_query(args: dict[str, Any]) -> Select[Case]:
    """Published cases filtered by category, region prefix, emergency and text."""
    query = select(Case).where(Case.status == CaseStatus.published)
    if args.get("category"):
        query = query.where(Case.category_tags.contains(f",{args['category']},"))
    if args.get("min_open_fen"):
        query = query.where(Case.open_fen >= args["min_open_fen"])
    if args.get("region"):
        query = query.where(Case.region.startswith(args["region"]))
    if args.get("emergency") is not None:
        query = query.where(Case.emergency.is_(args["emergency"]))
    if args.get("q"):
        term = f"%{args['q'].strip()}%"
        query = query.where(
            or_(Case.title.ilike(term), Case.public_summary.ilike(term), Case.ref.ilike(term))
        )
    order = {
        "urgent": (Case.emergency.desc(), Case.published_at.desc()),
        "open_desc": (Case.open_fen.desc(), Case.id.desc()),
        "open_asc": (Case.open_fen.asc(), Case.id.desc()),
    }.get(args.get("sort") or "newest", (Case.published_at.desc(), Case.id.desc()))
    return query.order_by(*order)


def paginate_public(args: dict[str, Any]) -> dict[str, Any]:
    """One page of published cases as public views, with ``total`` and ``pages``."""
    page, per_page = args.get("page", 1), args.get("per_page", 20)
    pagination = db.paginate(
        public_cases_query(args), page=page, per_page=per_page, error_out=False
    )
    return {
        "items": [public_view(c) for c in pagination.items],
        "total": pagination.total or 0,
        "page": page,
        "per_page": per_page,
        "pages": pagination.pages,
    }


def org_cases(actor: User, status: CaseStatus | None = None) -> list[Case]:
    """Cases of the actor's organization (empty for anyone without one)."""
    if not actor.organization_id:
        return []
    query = select(Case).where(Case.organization_id == actor.organization_id)
    if status:
        query = query.where(Case.status == status)
    return list(db.session.scalars(query.order_by(Case.updated_at.desc())).all())


def review_queue(actor: User) -> list[Case]:
    """Submitted cases this reviewer may review, emergencies first, oldest first."""
    if not permissions.can_review_cases(actor):
        return []
    query = select(Case).where(Case.status == CaseStatus.submitted)
    if actor.organization.kind.value != "platform":
        query = query.where(Case.organization_id == actor.organization_id)
    query = query.order_by(Case.emergency.desc(), Case.submitted_at.asc())
    return [c for c in db.session.scalars(query) if permissions.can_review_case(actor, c)]


def public_stats() -> dict[str, int]:
    """Counts for the home page (money figures arrive with the ledger)."""
    published = db.session.scalar(
        select(func.count()).select_from(Case).where(Case.status == CaseStatus.published)
    )
    open_total = db.session.scalar(
        select(func.coalesce(func.sum(Case.open_fen), 0)).where(Case.status == CaseStatus.published)
    )
    return {"cases_published": published or 0, "open_fen": int(open_total or 0)}


def quasi_identifier_peers(case: Case) -> int:
    """How many other published cases share this case's public quasi-identifiers
    (county, age band, household-size band). 0 means the combination would be unique once
    published: the reviewer is warned (k-anonymity), since the free text may then single the
    household out."""
    size_match = (
        Case.household_size >= 5
        if case.household_size >= 5
        else (Case.household_size == case.household_size)
    )
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.status == CaseStatus.published,
                Case.id != case.id,
                Case.region == case.region,
                Case.age_band == case.age_band,
                size_match,
            )
        )
        or 0
    )
