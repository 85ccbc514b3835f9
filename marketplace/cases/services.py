"""Case rules: intake, edits, the publication workflow, duplicate-aid detection, public views.

Services take the acting user as an argument, change state, ``flush()`` and raise domain errors;
the caller (view, API handler, job) commits once.
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any, Literal, cast

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, Select, func, or_, select, update

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases import anonymize
from marketplace.cases.models import Case, CasePrivate, GovernmentPayout, NeedLine
from marketplace.cases.reference import county_label
from marketplace.cases.states import (
    EDITABLE,
    OPEN,
    TRANSITIONS,
    CaseStage,
    CaseStatus,
    check_transition,
    move,
)
from marketplace.cases.vault import id_index
from marketplace.db_types import local_today, utcnow
from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.state_machine import compare_and_set
from matching.rules import Applicant

_REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _setting(name: str, default: int) -> int:
    """Deadlines come from configuration (EMERGENCY_PAPERWORK_DAYS, CASE_PUBLICATION_DAYS)."""
    return int(current_app.config.get(name, default)) if has_app_context() else default


def new_ref() -> str:
    """An opaque, non-sequential public reference such as ``JJN-7KQ2M9XD``."""
    return "JJN-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def get_case(ref: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    if case is None:
        raise NotFound(_l("No such case."))
    return case


# ---- intake and edits ---------------------------------------------------------------------


def create_case(actor: User, data: dict[str, Any]) -> Case:
    """Create a draft case from validated input (``CaseCreateSchema``).

    Raises:
        PermissionDenied: the actor is not a social worker of a case-owning organization.
    """
    permissions.require(permissions.can_create_case(actor))
    case = Case(
        ref=new_ref(),
        organization_id=actor.organization_id,
        owner_id=actor.id,
        status=CaseStatus.draft,
        private=CasePrivate(name=data["private"]["name"]),
    )
    _apply(actor, case, data)
    db.session.add(case)
    db.session.flush()
    record(actor, "case.create", "case", case.ref, status=case.status.value)
    return case


def update_case(actor: User, case: Case, data: dict[str, Any]) -> Case:
    """Update a draft or returned case; lists given replace the old lists."""
    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    if case.status not in EDITABLE:
        raise Conflict(_l("Only draft or returned cases can be edited."))
    _apply(actor, case, data)
    db.session.flush()
    record(actor, "case.update", "case", case.ref, fields=sorted(data))
    return case


def _apply(actor: User, case: Case, data: dict[str, Any]) -> None:
    for name in ("household_size", "age_band", "summary", "emergency", "categories"):
        if name in data:
            setattr(case, name, data[name])
    if "region" in data:
        case.region = anonymize.county_code(data["region"].strip())
    if "private" in data:
        private = data["private"]
        for name in ("name", "id_number", "phone", "address", "narrative"):
            if name in private:
                setattr(
                    case.private, name, (private[name] or None) if name != "name" else private[name]
                )
        if "household_members" in private:
            case.private.members = private["household_members"]
        case.id_hash = id_index(case.private.id_number)
    if "consent" in data:
        consent = data["consent"]
        case.private.consent_publish = bool(consent.get("publish"))
        case.private.consent_recorded_on = consent.get("recorded_on")
        case.private.consent_scope = consent.get("scope")
        case.private.consent_recorded_by_id = actor.id
    if "government_payouts" in data:
        case.payouts = [GovernmentPayout(**p) for p in data["government_payouts"]]
    if "need_lines" in data:
        case.need_lines = [
            NeedLine(position=i, status="open", **line) for i, line in enumerate(data["need_lines"])
        ]
    case.category_tags = "," + ",".join(case.categories or []) + ","
    refresh_public_text(case)
    refresh_figures(case)
    sync_ceiling(case)


def refresh_figures(case: Case) -> None:
    """Update the maintained aggregate ``open_fen`` after need lines or funding change."""
    case.open_fen = max(residual_fen(case) - sum(funded_by_line(case).values()), 0)
    if case.stage is not None:
        from marketplace.cases.lifecycle import note_funding

        note_funding(case)


def refresh_public_text(case: Case) -> None:
    """Run the anonymizer over every free text that will be public (summary, need lines)."""
    names, parts = private_terms(case)
    report: Counter[str] = Counter()
    result = anonymize.scrub(case.summary or "", names=names, address_parts=parts)
    case.public_summary = result.text
    report.update(f.kind for f in result.findings)
    for line in case.need_lines:
        scrubbed = anonymize.scrub(line.description, names=names, address_parts=parts)
        line.public_description = scrubbed.text
        report.update(f.kind for f in scrubbed.findings)
    case.scrub_report = dict(report)


def private_terms(case: Case) -> tuple[list[str], list[str]]:
    """The household's names and address pieces the anonymizer removes from public text."""
    private = case.private
    names = [private.name] if private and private.name else []
    if private:
        names += [member["name"] for member in private.members]
    parts: list[str] = []
    if private and private.address:
        parts = [p for p in _address_parts(private.address) if len(p) >= 2]
    return names, parts


def _address_parts(address: str) -> list[str]:
    """The whole address and its pieces split at common separators and address suffixes."""
    import re

    pieces = [address.strip()]
    pieces += re.split(r"[\s,,、;;]+", address)
    pieces += re.findall(
        r"[^\s,,、省市县区]+?(?:路|街|巷|弄|号|栋|幢|单元|室|村|组|小区|社区)", address
    )
    return [p for p in dict.fromkeys(pieces) if p]


# ---- duplicate aid ------------------------------------------------------------------------


def duplicate_flags(case: Case) -> list[str]:
    """``["possible_duplicate"]`` when another open case (any organization) has the same ID hash."""
    return ["possible_duplicate"] if duplicate_count(case) else []


def duplicate_count(case: Case) -> dict[str, int] | None:
    """How many other open cases share the resident ID: {"same_org": n, "other_org": m}, or None.

    Reveals counts only, never which organization or any private value.
    """
    if not case.id_hash:
        return None
    rows = db.session.execute(
        select(Case.organization_id, func.count())
        .where(Case.id_hash == case.id_hash, Case.id != case.id, Case.status.in_(OPEN))
        .group_by(Case.organization_id)
    ).all()
    if not rows:
        return None
    same = sum(n for org, n in rows if org == case.organization_id)
    return {"same_org": same, "other_org": sum(n for _, n in rows) - same}


# ---- workflow -----------------------------------------------------------------------------


def submission_problems(case: Case) -> list[Any]:
    """Why the case cannot be submitted yet (empty list when it can)."""
    problems: list[Any] = []
    unpaid = [p for p in case.payouts if p.status != "paid"]
    if unpaid and not case.emergency:
        problems.append(
            _l(
                "%(n)d government payout(s) are not paid yet. Submit once government has paid, "
                "or mark the case as an emergency (help first, paperwork after).",
                n=len(unpaid),
            )
        )
    if not (case.private and case.private.consent_publish):
        problems.append(_l("Record the household's consent to publish before submitting."))
    if not case.need_lines:
        problems.append(_l("Add at least one need line."))
    if not (case.summary or "").strip():
        problems.append(_l("Write a short public summary."))
    return problems


def submit_case(actor: User, case: Case, today: date | None = None) -> Case:
    """Ask for publication.

    Raises:
        Conflict: a government payout is unpaid (and the case is not an emergency), consent or
            need lines are missing, or the case is not in a state that can be submitted.
    """
    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    check_transition(case.status, CaseStatus.submitted)
    problems = submission_problems(case)
    if problems:
        raise Conflict(problems[0], {"problems": [str(p) for p in problems]}, code="cannot_submit")
    refresh_public_text(case)
    move(case, CaseStatus.submitted)
    case.submitted_at = utcnow()
    case.submitted_by_id = actor.id
    case.return_reason = None
    if case.emergency and any(p.status != "paid" for p in case.payouts):
        days = _setting("EMERGENCY_PAPERWORK_DAYS", 15)
        case.paperwork_deadline = (today or local_today()) + timedelta(days=days)
    db.session.flush()
    record(actor, "case.submit", "case", case.ref, emergency=case.emergency)
    return case


def review_case(actor: User, case: Case, decision: str, reason: str | None = None) -> Case:
    """Approve (publish) or return a submitted case. A reviewer never reviews their own case."""
    permissions.require(permissions.can_review_cases(actor))
    if case.submitted_by_id == actor.id or case.owner_id == actor.id:
        raise permissions.PermissionDenied(_l("You cannot review a case you submitted."))
    permissions.require(permissions.can_review_case(actor, case), hide=True)
    target = CaseStatus.published if decision == "approve" else CaseStatus.returned
    check_transition(case.status, target)
    if target == CaseStatus.published and not case.private.consent_publish:
        raise Conflict(_l("There is no recorded consent to publish."))
    now = utcnow()
    move(case, target)
    case.reviewed_at = now
    case.reviewed_by_id = actor.id
    if target == CaseStatus.published:
        refresh_public_text(case)
        case.published_at = now
        case.stage = CaseStage.published
        case.expires_at = now + timedelta(days=_setting("CASE_PUBLICATION_DAYS", 90))
        sync_ceiling(case)
    else:
        case.return_reason = (reason or "").strip()
    db.session.flush()
    # the reason may name the household: it stays in the (encrypted) case row, not in the audit
    record(actor, f"case.{decision}", "case", case.ref, reason=bool(case.return_reason))
    return case


def withdraw_case(actor: User, case: Case, reason: str) -> Case:
    permissions.require(permissions.can_edit_case(actor, case), hide=True)
    if not reason.strip():
        raise ValidationFailed(_l("Say why the case is withdrawn."), {"reason": ["required"]})
    check_transition(case.status, CaseStatus.withdrawn)
    move(case, CaseStatus.withdrawn)
    case.ended_at = utcnow()
    case.withdraw_reason = reason.strip()[:500]
    db.session.flush()
    record(actor, "case.withdraw", "case", case.ref)
    return case


def expire_cases(now: datetime | None = None) -> int:
    """Expire published cases past their publication period. Idempotent; returns how many."""
    now = now or utcnow()
    cases = db.session.scalars(
        select(Case).where(
            Case.status == CaseStatus.published,
            Case.expires_at <= now,
            # a case with money on its way or held is finished by closing, not by expiry
            or_(Case.stage.is_(None), Case.stage == CaseStage.published),
        )
    ).all()
    expired = 0
    for case in cases:
        if not compare_and_set(case, TRANSITIONS, CaseStatus.expired):
            continue  # closed or withdrawn meanwhile
        case.ended_at = now
        record(None, "case.expire", "case", case.ref)
        expired += 1
    db.session.flush()
    return expired


def view_private(actor: User, case: Case) -> CasePrivate:
    """Return the private part; every call is audited."""
    permissions.require(permissions.can_view_private(actor, case), hide=True)
    record(actor, "case.private.view", "case", case.ref)
    return case.private


# ---- figures and views --------------------------------------------------------------------


def government_paid_fen(case: Case) -> int:
    return sum(p.amount_fen for p in case.payouts if p.status == "paid")


def residual_fen(case: Case) -> int:
    """Need left after government: open cash and in-kind need lines."""
    return sum(
        line.amount_fen or 0
        for line in case.need_lines
        if line.kind in ("cash", "in_kind") and line.status == "open"
    )


def account_code(case: Case) -> str:
    """The code of the case's ledger account, opened on first use with the case's residual need
    as its ceiling: the ledger refuses money beyond it."""
    return ledger.case_account(case.ref, case.id, ceiling_fen=residual_fen(case)).code


def sync_ceiling(case: Case) -> None:
    """Tell the ledger the case's residual need after it may have changed (need lines written,
    publication). Every service that changes need lines calls it."""
    if case.id is not None:
        ledger.set_ceiling(codes.case(case.ref), residual_fen(case))


def funded_by_line(case: Case) -> dict[int | None, int]:
    """Money received per need line, from the ledger (key None: given to the case as a whole)."""
    if case.id is None:
        return {}
    return ledger.received_by_line(case.id)


def paperwork_pending(case: Case) -> bool:
    return case.emergency and any(p.status != "paid" for p in case.payouts)


# ---- funding capacity: the one "never overfund" rule of the business side -----------------


def unreserved_fen(case: Case) -> int:
    """What may still be booked on the case: residual need minus ``committed_fen`` (money
    received plus open reservations). The read-only twin of :func:`reserve_funding`, for
    callers that size an amount before booking it."""
    return max(residual_fen(case) - case.committed_fen, 0)


def reserve_funding(case: Case, amount_fen: int) -> bool:
    """Book ``amount_fen`` of the case's need for money on its way; False (nothing booked)
    when that would pass the residual need.

    The only place that decides "would this overfund the case" before money moves: a case
    pledge's checkout, a late payment, a fallback to a similar case, a company match, a plan
    item and an expired rule pledge all book here first. One conditional UPDATE on the case
    row (``committed_fen + amount <= residual``), so two donors cannot both take the last
    500 yuan, on SQLite as on PostgreSQL. Paying turns a booking into money received (the
    commitment stays); :func:`release_funding` gives it back.

    The ledger keeps its own, independent guard: a case's ledger account carries a ceiling
    (the need, set by this domain) and refuses any posting that would make the money received
    pass it. A reservation books capacity *before* money arrives and tells a donor at once;
    the ledger ceiling is the backstop on money actually received, which holds even for a
    caller that did not reserve. Since reserved >= received, a booked amount is refused by the
    ledger only when the need shrank meanwhile; the caller then releases the booking.
    """
    done = cast(
        CursorResult[Any],
        db.session.execute(
            update(Case)
            .where(Case.id == case.id, Case.committed_fen + amount_fen <= residual_fen(case))
            .values(committed_fen=Case.committed_fen + amount_fen)
        ),
    ).rowcount
    db.session.expire(case, ["committed_fen"])
    return done == 1


def release_funding(case_id: int | None, amount_fen: int) -> None:
    """Give a booking back (an unpaid checkout, a refund, a payment the ledger refused)."""
    if case_id is None:
        return
    db.session.execute(
        update(Case)
        .where(Case.id == case_id, Case.committed_fen >= amount_fen)
        .values(committed_fen=Case.committed_fen - amount_fen)
    )


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
        query = query.where(or_(Case.public_summary.ilike(term), Case.ref.ilike(term)))
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
