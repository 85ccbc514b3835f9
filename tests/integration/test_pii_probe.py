"""Plant private values in every private field and in the free text, publish, then scan every
public page and public API response for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.cases.models import Case
from marketplace.extensions import db
from tests.conftest import case_payload, make_user, token_for

NAME = "欧阳春花"
ID_NUMBER = "42100219800101100X"
PHONE = "13698765432"
ADDRESS = "沙市区红星路77号5栋2单元601室"
NARRATIVE_SECRET = "隐私叙述内容甲乙丙"
CARD = "6222021234567890128"  # passes Luhn
EMAIL = "oyangchunhua@example.com"


def _published_case(client: Any) -> tuple[str, str]:
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer))
    payload = case_payload()
    payload["private"] = {
        "name": NAME,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": ADDRESS,
        "narrative": NARRATIVE_SECRET,
    }
    payload["summary"] = (
        f"{NAME}住在{ADDRESS},身份证{ID_NUMBER},手机+86 136-9876-5432,"
        f"银行卡{CARD},邮箱{EMAIL},春花急需帮助。"
    )
    payload["need_lines"][0]["description"] = f"请联系{PHONE},交给{NAME}本人"
    ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]
    assert client.post(f"/api/v1/cases/{ref}/submit", headers=sw).status_code == 200
    r = client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    assert r.status_code == 200
    id_hash = db.session.scalar(select(Case.id_hash).where(Case.ref == ref))
    return ref, id_hash


def _variants() -> list[str]:
    return [
        NAME,
        "春花",
        ID_NUMBER,
        ID_NUMBER[:-1],
        PHONE,
        "136-9876-5432",
        "9876-5432",
        ADDRESS,
        "红星路77号",
        NARRATIVE_SECRET,
        CARD,
        EMAIL,
    ]


def test_no_private_value_on_any_public_page_or_response(ctx: Any, client: Any, app: Any) -> None:
    ref, id_hash = _published_case(client)
    # a company gives to the case in its name, so its public record lists the case
    from marketplace.accounts.models import OrgKind
    from marketplace.donors import services as donors

    company = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    ngo = make_user(Role.ngo_staff, OrgKind.ngo, "心灵港湾")
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    donors.record_payment(donors.create_case_pledge(company, case, 10_000, anonymous=False))
    db.session.commit()
    anonymous = app.test_client()
    urls = [
        "/",
        "/cases",
        f"/cases?q={ref}",
        "/cases?category=medical",
        f"/cases/{ref}",
        "/api/v1/cases",
        f"/api/v1/cases?q={ref}",
        f"/api/v1/cases/{ref}",
        "/api/v1/openapi.json",
        "/api/docs",
        "/transparency",
        "/api/v1/transparency/summary",
        "/api/v1/transparency/ledger",
        f"/api/v1/transparency/ledger?case_ref={ref}",
        "/transparency/organizations",
        f"/companies/{company.organization_id}",
        f"/ngos/{ngo.organization_id}",
        "/transparency/districts",
        "/api/v1/transparency/districts",
    ]
    secrets = [*_variants(), id_hash]
    for lang in ("zh-CN", "en"):
        for url in urls:
            response = anonymous.get(url, headers={"Accept-Language": lang})
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            if url.startswith(("/cases", "/api/v1/cases", "/companies")):
                assert ref in body, url  # the probe really looked at the case
            for secret in secrets:
                assert secret not in body, (url, secret)


def test_private_fields_are_encrypted_at_rest(ctx: Any, client: Any) -> None:
    ref, _ = _published_case(client)
    raw = db.session.execute(
        db.text(
            "SELECT name, id_number, phone, address, narrative FROM case_private "
            "JOIN cases ON cases.id = case_private.case_id WHERE cases.ref = :ref"
        ),
        {"ref": ref},
    ).one()
    for stored, clear in zip(raw, (NAME, ID_NUMBER, PHONE, ADDRESS, NARRATIVE_SECRET), strict=True):
        assert stored.startswith("gAAAA") and clear not in stored


def test_logs_hold_no_private_values(ctx: Any, client: Any) -> None:
    """Run the flow with the app's JSON log handler capturing at DEBUG level."""
    import io
    import logging

    from marketplace.logging_setup import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("marketplace")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        ref, id_hash = _published_case(client)
        client.get(f"/cases?q={PHONE}")
        client.get(f"/api/v1/cases/{ref}")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    logged = stream.getvalue()
    assert '"path": "/api/v1/cases"' in logged  # access lines were written
    for secret in [*_variants(), id_hash]:
        assert secret not in logged, secret
