"""Intake and edits of a case: a draft is created and edited (household, private part, consent,
government payouts, need lines) while it is a draft or returned; every write refreshes the
public text through the anonymizer, the case's figures and its ledger ceiling.

Services take the acting user as an argument, change state, ``flush()`` and raise domain errors;
the caller (view, API handler, job) commits once.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts import permissions
from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.cases import anonymize
from marketplace.cases.funding import refresh_figures, sync_ceiling
from marketplace.cases.models import Case, CasePrivate, GovernmentPayout, NeedLine
from marketplace.cases.reference import SCRUB_KINDS
from marketplace.cases.states import EDITABLE, CaseStatus
from marketplace.cases.vault import id_index
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db

_REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_ref() -> str:
    """An opaque, non-sequential public reference such as ``JJN-7KQ2M9XD``."""
    return "JJN-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def create_case(actor: User, data: dict[str, Any], form_token: str | None = None) -> Case:
    """Create a draft case from validated input (``CaseCreateSchema``).

    ``form_token`` is the intake form's one-time token: when a case of the actor's organization
    already carries it (the same form sent twice: a double click, a retried request), that case
    is returned and nothing new is created. Two sends at the same moment meet the unique index;
    the loser gets the winner's case.

    Raises:
        PermissionDenied: the actor is not a social worker of a case-owning organization.
    """
    permissions.require(permissions.can_create_case(actor))
    if form_token:
        earlier = _case_with_token(actor, form_token)
        if earlier is not None:
            return earlier
        try:
            with db.session.begin_nested():
                return _new_case(actor, data, form_token)
        except IntegrityError:
            earlier = _case_with_token(actor, form_token)
            # a token another organization holds is never this actor's form: no token then
            return earlier if earlier is not None else _new_case(actor, data, None)
    return _new_case(actor, data, None)


def _case_with_token(actor: User, form_token: str) -> Case | None:
    return db.session.scalar(
        select(Case).where(
            Case.form_token == form_token, Case.organization_id == actor.organization_id
        )
    )


def _new_case(actor: User, data: dict[str, Any], form_token: str | None) -> Case:
    case = Case(
        form_token=form_token,
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
    if "title" in data:
        case.title = anonymize.normalize(data["title"] or "").strip() or None
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
    check_title(case)
    refresh_public_text(case)
    refresh_figures(case)
    sync_ceiling(case)


def title_findings(case: Case, title: str | None) -> list[str]:
    """The kinds of personal data the anonymizer finds in a title (``[]`` when it is clean),
    checked against the household's own names and address like the public summary."""
    if not title:
        return []
    names, parts = private_terms(case)
    found = anonymize.find_pii(title, names=names, address_parts=parts)
    return list(dict.fromkeys(f.kind for f in found))


def check_title(case: Case) -> None:
    """Refuse a title that holds personal data: unlike the summary it is never scrubbed (a
    title full of placeholders helps no one), the social worker rewrites it.

    Raises:
        ValidationFailed: ``details`` is ``{"title": [message]}``.
    """
    kinds = title_findings(case, case.title)
    if kinds:
        message = _l(
            "The title must not contain personal data (found: %(kinds)s). Describe the need "
            "without names, phone numbers, ID numbers or addresses.",
            kinds=", ".join(str(SCRUB_KINDS.get(k, k)) for k in kinds),
        )
        raise ValidationFailed(message, details={"title": [str(message)]})


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
