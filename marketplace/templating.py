"""Jinja filters and globals: money, dates, labels, navigation by role."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from marketplace.accounts import permissions
from marketplace.accounts.models import Role
from marketplace.cases import reference
from marketplace.cases.states import STAGE_LABELS, STATUS_LABELS, CaseStatus
from marketplace.i18n import LANGUAGE_NAMES, current_language, format_fen, format_when

PLEDGE_STATUS_LABELS = {
    "pending": _l("Awaiting payment"),
    "paid": lazy_pgettext("pledge", "Paid"),  # 已支付; a payout's "Paid" is 已发放
    "expired": _l("Expired"),
    "cancelled": _l("Cancelled"),
    "failed": _l("Payment failed"),
    "refunded": _l("Refunded"),
}
ENTRY_KIND_LABELS = {
    "pledge_paid": _l("Gift received"),
    "allocation": _l("Allocated from the pool"),
    "match": _l("Company match"),
    "disbursement": _l("Paid out"),
    "refund": _l("Refunded"),
    "reversal": _l("Correction"),
    "fund_deposit": _l("Company fund deposit"),
    "project_budget": _l("NGO project budget"),
    "project_commitment": _l("NGO project commitment"),
    "fund_grant": _l("Company fund grant"),
    "reallocation": _l("Moved to another case"),
}

REFERRAL_STATUS_LABELS = {
    "pending": _l("Waiting for answer"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "overdue": _l("Overdue"),
    "delivered": _l("Delivered"),
}
PLAN_STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "draft": _l("Draft"),
    "accepted": _l("Accepted"),
    "superseded": _l("Superseded"),
    "rejected": _l("Rejected"),
}
SOURCE_KIND_LABELS = {
    "pool": _l("Donors' pledges"),
    "fund": _l("Company fund"),
    "project": _l("NGO project"),
}

DISBURSEMENT_STATUS_LABELS = {
    "requested": _l("Waiting for approval"),
    "paid": _l("Paid"),
    "rejected": _l("Rejected"),
}
RECEIPT_VARIANT_LABELS = {"original": _l("Original"), "redacted": _l("Redacted copy")}
OUTCOME_LABELS = {
    "resolved": _l("The crisis is resolved"),
    "partly": _l("Partly resolved"),
    "not_resolved": _l("Not resolved"),
}

PROJECT_KIND_LABELS = {
    "money": _l("Money"),
    "service": _l("Service"),
    "both": _l("Money and service"),
}

ROLE_LABELS = {
    "social_worker": _l("Social worker"),
    "reviewer": _l("Reviewer"),
    "ngo_staff": _l("NGO staff"),
    "donor": _l("Donor"),
    "company_staff": _l("Company staff"),
    "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
}


def _label(table: dict[str, Any], key: str | None) -> str:
    return str(table.get(key, key)) if key else ""


def status_label(status: Any) -> str:
    try:
        return str(STATUS_LABELS[CaseStatus(status)])
    except ValueError:
        return str(status)


def navigation() -> list[tuple[str, Any]]:
    """(url, label) pairs for the header, by the signed-in user's role."""
    items: list[tuple[str, Any]] = [
        (url_for("public.case_list"), _l("Cases")),
        (url_for("public.projects"), _l("Projects")),
        (url_for("core.api_docs"), _l("API")),
    ]
    user = current_user
    if not getattr(user, "is_authenticated", False):
        return items
    if user.role in (Role.donor, Role.company_staff):
        items.insert(0, (url_for("donors.my_pledges"), _l("My pledges")))
    if user.role == Role.company_staff:
        items.insert(0, (url_for("donors.company_funds"), _l("Company funds")))
    if user.role == Role.ngo_staff:
        items.insert(0, (url_for("ngos.dashboard"), _l("Our NGO")))
    if user.role == Role.social_worker:
        items.insert(0, (url_for("cases.dashboard"), _l("My cases")))
    if permissions.is_custodian_reviewer(user):
        items.insert(0, (url_for("disbursements.queue"), _l("Disbursements")))
    if permissions.can_review_cases(user):
        items.insert(0, (url_for("ngos.verify_queue"), _l("Verify NGOs")))
        items.insert(0, (url_for("cases.review_queue"), _l("Review queue")))
    if permissions.is_auditor(user):
        items.insert(0, (url_for("admin.audit_log"), _l("Audit log")))
        items.insert(0, (url_for("admin.ledger_page"), _l("Ledger")))
    if permissions.is_admin(user):
        if permissions.is_platform_admin(user):
            items.insert(0, (url_for("admin.organizations"), _l("Organizations")))
        items.insert(0, (url_for("admin.users"), _l("Users")))
    return items


def unread_count() -> int:
    if not getattr(current_user, "is_authenticated", False):
        return 0
    from marketplace.notifications.services import unread

    return len(unread(current_user.id))


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint or "public.index", **(request.view_args or {}), **args)


def case_title(case: Any) -> str:
    """A case's human title (a ``Case`` row or a public view): the social worker's, or the
    neutral one made of its first category and county."""
    if isinstance(case, dict):
        return str(case.get("title") or "") or reference.fallback_title(
            list(case.get("categories") or ()), case.get("region")
        )
    return case.title or reference.fallback_title(list(case.categories or ()), case.region)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        fen=format_fen,
        when=format_when,
        category=lambda c: _label(reference.CATEGORIES, c),
        scheme=lambda s: _label(reference.SCHEMES, s),
        payout_status=lambda s: _label(reference.PAYOUT_STATUSES, s),
        need_kind=lambda k: _label(reference.NEED_KINDS, k),
        payee_kind=lambda k: _label(reference.PAYEE_KINDS, k),
        consent_scope=lambda k: _label(reference.CONSENT_SCOPES, k),
        scrub_kind=lambda k: _label(reference.SCRUB_KINDS, k),
        role=lambda r: _label(ROLE_LABELS, getattr(r, "value", r)),
        pledge_status=lambda s: _label(PLEDGE_STATUS_LABELS, s),
        entry_kind=lambda k: _label(ENTRY_KIND_LABELS, k),
        referral_status=lambda s: _label(REFERRAL_STATUS_LABELS, s),
        project_kind=lambda k: _label(PROJECT_KIND_LABELS, k),
        plan_status=lambda s: _label(PLAN_STATUS_LABELS, s),
        source_kind=lambda s: _label(SOURCE_KIND_LABELS, s),
        disbursement_status=lambda s: _label(DISBURSEMENT_STATUS_LABELS, s),
        receipt_variant=lambda s: _label(RECEIPT_VARIANT_LABELS, s),
        outcome=lambda s: _label(OUTCOME_LABELS, s),
        case_stage=lambda s: _label(STAGE_LABELS, getattr(s, "value", s)),
        county=reference.county_label,
        case_title=case_title,
        status_label=status_label,
    )
    app.jinja_env.globals.update(
        navigation=navigation,
        unread_count=unread_count,
        page_url=page_url,
        current_language=current_language,
        language_names=LANGUAGE_NAMES,
        reference=reference,
    )
