"""Input hygiene: control characters in any text input (path, query string, form, JSON body) are
refused with a 422 naming the field, before any database sees them; every 422 body serializes;
the OpenAPI document describes the real error body."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.cases import schemas as case_schemas
from marketplace.cases.models import Case
from marketplace.errors import error_body
from marketplace.extensions import db
from marketplace.payments.gateway import sign_payload
from marketplace.schemas_base import CONTROL_CHARACTERS, control_character_errors
from tests.conftest import case_payload, csrf_from, login, make_user, token_for

MESSAGE_EN = "Control characters are not allowed."

#: NUL, other C0 controls, DEL, C1 controls (NEL, CSI) and a lone surrogate
BAD = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9b", "\ud800"]


def _cases() -> int:
    return db.session.scalar(select(func.count()).select_from(Case)) or 0


def _assert_refused(response: Any, expected_details: dict[str, Any]) -> None:
    assert response.status_code == 422, response.text[:300]
    body = response.json
    assert body["error"] == "validation_error"
    assert body["details"] == expected_details
    assert MESSAGE_EN in body["message"] or "控制字符" in body["message"]


@pytest.mark.parametrize("char", BAD)
def test_every_control_character_is_caught(char: str) -> None:
    assert CONTROL_CHARACTERS.search(f"a{char}b")


@pytest.mark.parametrize("char", ["\t", "\n", "\r", " ", "中", "\u00a0", "\u200b", "\U0001f600"])
def test_ordinary_text_passes(char: str) -> None:
    assert not CONTROL_CHARACTERS.search(f"a{char}b")


@pytest.mark.parametrize("char", BAD)
def test_json_body_names_the_nested_field(ctx: Any, client: Any, char: str) -> None:
    sw = token_for(make_user(Role.social_worker))
    body = case_payload()
    body["private"]["name"] = f"王{char}秀英"
    body["need_lines"][1]["description"] = f"心理{char}疏导"
    response = client.post("/api/v1/cases", json=body, headers={**sw, "Accept-Language": "en"})
    _assert_refused(
        response,
        {
            "private": {"name": [MESSAGE_EN]},
            "need_lines": {"1": {"description": [MESSAGE_EN]}},
        },
    )
    assert _cases() == 0


def test_json_keys_and_list_items_are_checked(ctx: Any, client: Any) -> None:
    sw = token_for(make_user(Role.social_worker))
    body = case_payload(categories=["medical", "edu\x00"])
    body["bad\x00key"] = 1
    response = client.post("/api/v1/cases", json=body, headers={**sw, "Accept-Language": "en"})
    _assert_refused(response, {"categories": {"1": [MESSAGE_EN]}, "bad\\u0000key": [MESSAGE_EN]})


def test_anonymous_json_body_is_refused_before_anything_else(client: Any) -> None:
    response = client.post(
        "/api/v1/cases", json={"summary": "a\x00b"}, headers={"Accept-Language": "en"}
    )
    _assert_refused(response, {"summary": [MESSAGE_EN]})


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/cases?q=a%00b", "q"),
        ("/api/v1/cases?region=%7F", "region"),
        ("/api/v1/cases?q=ok&q=%C2%85", "q"),
        ("/api/v1/transparency/ledger?case_ref=%00", "case_ref"),
        ("/api/v1/projects?%00=1", "\\u0000"),
        ("/api/v1/cases/JJN-%00", "ref"),
        ("/api/v1/cases/%1B/manage", "ref"),
    ],
)
def test_query_and_path_name_the_field(client: Any, path: str, field: str) -> None:
    response = client.get(path, headers={"Accept-Language": "en"})
    _assert_refused(response, {field: [MESSAGE_EN]})


def test_ledger_and_disbursement_inputs_never_reach_the_database(ctx: Any, client: Any) -> None:
    sw = token_for(make_user(Role.social_worker))
    ledger = client.get("/api/v1/transparency/ledger?case_ref=JJN%00X")
    assert ledger.status_code == 422 and "case_ref" in ledger.json["details"]
    out = client.post(
        "/api/v1/disbursements",
        json={"case_ref": "JJN\x00", "purpose": "房租\x00", "amount_fen": 100},
        headers=sw,
    )
    assert out.status_code == 422
    assert {"case_ref", "purpose"} <= set(out.json["details"])


def test_html_search_answers_422_page_not_500(client: Any) -> None:
    response = client.get("/cases?q=%00", headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "Control characters are not allowed" in response.text and "q" in response.text


def test_html_form_post_answers_422(ctx: Any, client: Any) -> None:
    user = make_user(Role.social_worker)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": user.email + "\x00", "password": "x", "csrf_token": csrf_from(page.text)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "email" in response.text
    assert login(client, user.email).status_code == 302  # clean input still works


def test_zh_cn_message(client: Any) -> None:
    response = client.get("/api/v1/cases?q=%00", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    assert "控制字符" in response.json["message"]
    assert "控制字符" in response.json["details"]["q"][0]


def test_tabs_and_newlines_are_kept(ctx: Any, client: Any) -> None:
    sw = token_for(make_user(Role.social_worker))
    body = case_payload(summary="第一行\r\n第二行\t缩进,医疗救助后仍有自付缺口。")
    response = client.post("/api/v1/cases", json=body, headers=sw)
    assert response.status_code == 201, response.json
    assert _cases() == 1


def test_webhook_raw_body_is_not_touched(ctx: Any, client: Any) -> None:
    """The webhook's signature covers its bytes: a signed body holding \\u0000 reaches it."""
    payload = json.dumps(
        {"id": "evt_nul", "type": "customer.created", "data": {"object": {"name": "a\x00b"}}}
    ).encode()
    assert b"\\u0000" in payload
    response = client.post(
        "/api/v1/payments/stripe/webhook",
        data=payload,
        headers={
            "Stripe-Signature": sign_payload(payload, "whsec_test"),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code != 422
    assert response.status_code < 500


def test_schemas_refuse_control_characters_outside_requests_too() -> None:
    body = case_payload(summary="摘要\x00")
    with pytest.raises(ValidationError) as caught:
        case_schemas.CaseCreateSchema().load(body)
    assert set(caught.value.messages) == {"summary"}
    assert control_character_errors({"a": ["ok", {"b": "\x7f"}]}) == {
        "a": {"1": {"b": [MESSAGE_EN]}}
    }


def test_mixed_int_and_str_keys_serialize(app: Any, client: Any) -> None:
    """marshmallow keys list items by int; next to str keys, sorted JSON failed with a 500."""
    response = client.post(
        "/api/v1/cases",
        json={"need_lines": [{"amount_fen": "x"}], "categories": [1], "region": 5},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    details = response.json["details"]
    assert "0" in details["need_lines"]
    with app.test_request_context():
        mixed = error_body(422, "m", {0: ["a"], "x": {1: {"y": ("b",)}}, "s": {3}})
        assert mixed.json["details"] == {"0": ["a"], "x": {"1": {"y": ["b"]}}, "s": [3]}
        listed = error_body(422, "m", ["just a list"])
        assert listed.json["details"] == {"_schema": ["just a list"]}


def test_openapi_documents_the_real_error_body(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json
    error = doc["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "message", "details"}
    assert set(error["required"]) == {"error", "message", "details"}
    assert error["properties"]["details"]["type"] == "object"
    default = doc["components"]["responses"]["DEFAULT_ERROR"]
    assert default["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    operations = [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 28
    for path, method, op in operations:
        assert op["responses"]["default"]["$ref"].endswith("/DEFAULT_ERROR"), (method, path)


def test_error_body_matches_the_documented_schema(client: Any) -> None:
    for response in (
        client.get("/api/v1/cases/JJN-NOPE0000"),
        client.get("/api/v1/cases/mine"),
        client.get("/api/v1/cases?page=0"),
        client.delete("/api/v1/cases"),
    ):
        assert set(response.json) == {"error", "message", "details"}, response.json
        assert isinstance(response.json["details"], dict)
    assert "GET" in client.delete("/api/v1/cases").headers["Allow"]


def test_uploads_keep_their_size_limit_and_their_text_fields_are_checked(
    ctx: Any, client: Any
) -> None:
    """The form is checked when it is parsed, after the receipt view raised the size limit."""
    from tests.integration.test_disbursements import _funded, _jpeg_with_gps, _request

    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]
    url = f"/api/v1/disbursements/{did}/receipts"

    def post(data: dict[str, Any]) -> Any:
        return client.post(
            url,
            data=data,
            headers={**sw, "Accept-Language": "en"},
            content_type="multipart/form-data",
        )

    three_mb = b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024)  # over the app's 2 MB, under a receipt's
    assert post({"file": (io.BytesIO(three_mb), "big.pdf")}).status_code != 413
    bad_variant = post({"file": (io.BytesIO(_jpeg_with_gps()), "a.jpg"), "variant": "red\x00"})
    _assert_refused(bad_variant, {"variant": [MESSAGE_EN]})
    bad_name = post({"file": (io.BytesIO(_jpeg_with_gps()), "收据\x1b.jpg")})
    _assert_refused(bad_name, {"file": [MESSAGE_EN]})
    assert post({"file": (io.BytesIO(_jpeg_with_gps()), "收据.jpg")}).status_code == 201
