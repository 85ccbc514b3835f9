"""The intake/edit HTML form: flat form fields <-> the nested data ``CaseCreateSchema`` loads.

The browser form and the API share one set of rules (the schema); this module only reshapes
fields such as ``need-0-amount`` (yuan, as people type it) into ``need_lines[0].amount_fen``.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from marketplace.forms import CsrfForm, fen_to_yuan, yuan_to_fen  # noqa: F401 - re-exported

MAX_ROWS = 30
PAYOUT_FIELDS = ("scheme", "amount", "status", "paid_on", "document_ref")
NEED_FIELDS = ("kind", "category", "description", "amount", "units", "unit_name", "payee_kind")


def _rows(form: MultiDict[str, str], prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    rows = []
    for i in range(MAX_ROWS):
        row = {n: form.get(f"{prefix}-{i}-{n}", "").strip() for n in names}
        if any(row[n] for n in names if n not in ("status", "payee_kind", "kind")):
            rows.append(row)
    return rows


_MEMBER_SPLIT = re.compile(r"\s*[\s:：,，]\s*")


def parse_household_members(value: str) -> tuple[list[dict[str, str]], list[str]]:
    """One member per line, "relation name" (``丈夫 张建国``, ``女儿：李小红``).

    Returns (members, error messages naming the line). Blank lines are skipped.
    """
    members: list[dict[str, str]] = []
    errors: list[str] = []
    lines = [line.strip() for line in value.replace("\u3000", " ").splitlines()]
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        parts = _MEMBER_SPLIT.split(line, maxsplit=1)
        if len(parts) != 2 or not parts[0] or not parts[1]:
            errors.append(
                str(
                    _l(
                        "Line %(n)d: write the relation, a space, then the name "
                        "(e.g. 丈夫 张建国).",
                        n=number,
                    )
                )
            )
            continue
        members.append({"relation": parts[0], "name": parts[1]})
    return members, errors


def parse_case_form(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (data for CaseCreateSchema, errors found while reshaping)."""
    errors: dict[str, Any] = {}
    bad_amount = [str(_l("Enter an amount in yuan, e.g. 1200 or 1200.50."))]

    def opt(name: str) -> str | None:
        return form.get(name, "").strip() or None

    data: dict[str, Any] = {
        "private": {
            "name": form.get("private_name", "").strip(),
            "id_number": opt("private_id_number"),
            "phone": opt("private_phone"),
            "address": opt("private_address"),
            "narrative": opt("private_narrative"),
        },
        "consent": {
            "publish": form.get("consent_publish") == "y",
            "recorded_on": opt("consent_recorded_on"),
            "scope": opt("consent_scope"),
        },
        "region": form.get("region", "").strip(),
        "categories": form.getlist("categories"),
        "age_band": form.get("age_band", ""),
        "title": form.get("title", "").strip() or None,
        "summary": form.get("summary", "").strip(),
        "emergency": form.get("emergency") == "y",
        "government_payouts": [],
        "need_lines": [],
    }
    members, member_errors = parse_household_members(form.get("private_household_members", ""))
    data["private"]["household_members"] = members
    if member_errors:
        errors.setdefault("private", {})["household_members"] = member_errors
    size = form.get("household_size", "").strip()
    data["household_size"] = int(size) if size.isdigit() and len(size) < 4 else size
    for i, row in enumerate(_rows(form, "payout", PAYOUT_FIELDS)):
        payout: dict[str, Any] = {
            "scheme": row["scheme"],
            "status": row["status"],
            "paid_on": row["paid_on"] or None,
            "document_ref": row["document_ref"] or None,
        }
        try:
            payout["amount_fen"] = yuan_to_fen(row["amount"])
        except ValueError:
            errors.setdefault("government_payouts", {}).setdefault(i, {})["amount_fen"] = bad_amount
        data["government_payouts"].append(payout)
    for i, row in enumerate(_rows(form, "need", NEED_FIELDS)):
        line: dict[str, Any] = {
            "kind": row["kind"],
            "category": row["category"],
            "description": row["description"],
            "payee_kind": row["payee_kind"] or "vendor",
            "unit_name": row["unit_name"] or None,
            "amount_fen": None,
            "units": None,
        }
        if row["amount"]:
            try:
                line["amount_fen"] = yuan_to_fen(row["amount"])
            except ValueError:
                errors.setdefault("need_lines", {}).setdefault(i, {})["amount_fen"] = bad_amount
        if row["units"]:
            line["units"] = int(row["units"]) if row["units"].isdigit() else row["units"]
        data["need_lines"].append(line)
    return data, errors


def form_values(case: Any) -> dict[str, Any]:
    """Flat values to pre-fill the form from an existing case (the owner's own data)."""
    private = case.private
    values: dict[str, Any] = {
        "private_name": private.name,
        "private_id_number": private.id_number or "",
        "private_phone": private.phone or "",
        "private_address": private.address or "",
        "private_narrative": private.narrative or "",
        "private_household_members": "\n".join(
            f"{m['relation']} {m['name']}" for m in private.members
        ),
        "consent_publish": "y" if private.consent_publish else "",
        "consent_recorded_on": private.consent_recorded_on.isoformat()
        if private.consent_recorded_on
        else "",
        "consent_scope": private.consent_scope or "",
        "region": case.region,
        "categories": list(case.categories),
        "household_size": case.household_size,
        "age_band": case.age_band,
        "title": case.title or "",
        "summary": case.summary,
        "emergency": "y" if case.emergency else "",
    }
    for i, p in enumerate(case.payouts):
        values.update(
            {
                f"payout-{i}-scheme": p.scheme,
                f"payout-{i}-amount": fen_to_yuan(p.amount_fen),
                f"payout-{i}-status": p.status,
                f"payout-{i}-paid_on": p.paid_on.isoformat() if p.paid_on else "",
                f"payout-{i}-document_ref": p.document_ref or "",
            }
        )
    for i, n in enumerate(case.need_lines):
        values.update(
            {
                f"need-{i}-kind": n.kind,
                f"need-{i}-category": n.category,
                f"need-{i}-description": n.description,
                f"need-{i}-amount": fen_to_yuan(n.amount_fen),
                f"need-{i}-units": n.units or "",
                f"need-{i}-unit_name": n.unit_name or "",
                f"need-{i}-payee_kind": n.payee_kind,
            }
        )
    return values


def merge_errors(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key in out and isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = merge_errors(out[key], value)
        else:
            out[key] = value
    return out
