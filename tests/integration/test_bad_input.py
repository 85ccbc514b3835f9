"""Bad input gets a clear 4xx in the user's language and changes nothing; no input makes a 500."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.cases.models import Case
from marketplace.extensions import db
from tests.conftest import case_payload, make_user, token_for


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case)) or 0


def _with(path: str, value: Any) -> dict[str, Any]:
    body = case_payload()
    target = body
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


BAD_BODIES = {
    "household_size_string": _with("household_size", "four"),
    "household_size_zero": _with("household_size", 0),
    "household_size_absurd": _with("household_size", 10**9),
    "amount_negative": _with("need_lines.0.amount_fen", -100),
    "amount_zero": _with("need_lines.0.amount_fen", 0),
    "amount_float": _with("need_lines.0.amount_fen", 12.5),
    "amount_string": _with("need_lines.0.amount_fen", "100"),
    "amount_absurd": _with("need_lines.0.amount_fen", 10_000_000 * 100 + 1),
    "amount_bigint": _with("government_payouts.0.amount_fen", 10**30),
    "unknown_category": _with("categories", ["magic"]),
    "unknown_need_category": _with("need_lines.0.category", "magic"),
    "unknown_scheme": _with("government_payouts.0.scheme", "lottery"),
    "unknown_region": _with("region", "999999"),
    "region_letters": _with("region", "abcdef"),
    "unknown_field": _with("hacker", True),
    "oversized_summary": _with("summary", "字" * 2001),
    "oversized_name": _with("private.name", "名" * 101),
    "bad_id_number": _with("private.id_number", "123456789012345678"),
    "paid_without_date": _with("government_payouts.0.paid_on", None),
    "future_consent": _with("consent.recorded_on", "2999-01-01"),
    "categories_not_list": _with("categories", "medical"),
    "need_lines_not_list": _with("need_lines", {"kind": "cash"}),
    "service_without_units": _with("need_lines.1.units", None),
    "bad_age_band": _with("age_band", "33"),
    "null_private": _with("private", None),
    "bool_as_amount": _with("need_lines.0.amount_fen", True),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_case_bodies_are_refused(ctx: Any, client: Any, case: str) -> None:
    sw = token_for(make_user(Role.social_worker))
    response = client.post(
        "/api/v1/cases", json=BAD_BODIES[case], headers={**sw, "Accept-Language": "en"}
    )
    assert response.status_code == 422, (case, response.status_code, response.json)
    assert response.json["error"] == "validation_error"
    assert response.json["details"], case
    assert _count() == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"summary": "\xff\xfe broken"}', "application/json"),
        (b"\xc3\x28", "application/json"),
        (b"[]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"summary=x", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
)
def test_malformed_bodies(ctx: Any, client: Any, body: bytes, content_type: str) -> None:
    sw = token_for(make_user(Role.social_worker))
    response = client.post("/api/v1/cases", data=body, headers={**sw, "Content-Type": content_type})
    assert 400 <= response.status_code < 500, (body, response.status_code)
    assert "error" in response.json
    assert _count() == 0


def test_error_messages_follow_the_language(ctx: Any, client: Any) -> None:
    sw = token_for(make_user(Role.social_worker))
    body = _with("region", "999999")
    en = client.post("/api/v1/cases", json=body, headers={**sw, "Accept-Language": "en"}).json
    zh = client.post("/api/v1/cases", json=body, headers={**sw, "Accept-Language": "zh-CN"}).json
    assert en["details"]["region"] != zh["details"]["region"]
    assert "county" in str(en["details"]["region"]).lower()


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=abc",
        "per_page=1000",
        "category=magic",
        "region=abc",
        "q=" + "x" * 500,
        "emergency=maybe",
        "min_open_fen=-1",
        "sort=sideways",
    ],
)
def test_bad_list_queries(client: Any, query: str) -> None:
    api = client.get(f"/api/v1/cases?{query}")
    assert api.status_code == 422, query
    html = client.get(f"/cases?{query}")
    assert html.status_code == 200  # the page ignores bad filters and says so


def test_patch_on_published_case_is_refused(ctx: Any, client: Any) -> None:
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer))
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    response = client.patch(f"/api/v1/cases/{ref}", json={"summary": "改"}, headers=sw)
    assert response.status_code == 409
    assert client.get(f"/api/v1/cases/{ref}").json["summary"] != "改"


def test_unknown_case_is_404_json(client: Any) -> None:
    response = client.get("/api/v1/cases/JJN-NOPE0000")
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_wrong_method_is_405_json_with_allow(client: Any) -> None:
    response = client.delete("/api/v1/cases")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"
    assert "GET" in response.headers.get("Allow", "")
