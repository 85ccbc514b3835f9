"""Lists of one's own or one's organization's cases (and the pages of their money) show what
people typed about a household only to those who work the case; every other role gets the
scrubbed public fields. Private values are planted in the typed summary and need line."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.accounts.models import OrgKind, Role
from tests.conftest import case_payload, login, make_user, token_for

ID_NUMBER = "42100219800101100X"
PHONE = "13912345678"
PLANTED = (ID_NUMBER, PHONE)


def _typed_case(client: Any) -> tuple[str, dict[str, str]]:
    """A draft case of 沙市区民政局 whose typed summary and need line carry an ID and a phone."""
    sw = token_for(make_user(Role.social_worker, OrgKind.civil_affairs, "沙市区民政局"))
    payload = case_payload(
        summary=f"患者身份证{ID_NUMBER},联系电话{PHONE},医疗救助后仍有自付缺口。",
    )
    payload["need_lines"][0]["description"] = f"住院自付费用,联系{PHONE}"
    rv = client.post("/api/v1/cases", json=payload, headers=sw)
    assert rv.status_code == 201, rv.json
    return rv.json["ref"], sw


OTHERS = {
    "auditor of the case's office": (Role.auditor, OrgKind.civil_affairs, "沙市区民政局"),
    "auditor of the platform": (Role.auditor, OrgKind.platform, "平台运营中心"),
    "donor": (Role.donor, None, None),
    "ngo staff of another org": (Role.ngo_staff, OrgKind.ngo, "阳光社工服务中心"),
    "reviewer of another office": (Role.reviewer, OrgKind.civil_affairs, "公安县民政局"),
    "company staff": (Role.company_staff, OrgKind.company, "荆楚爱心企业"),
}


def test_the_case_s_social_worker_still_sees_the_typed_text(ctx: Any, client: Any) -> None:
    ref, sw = _typed_case(client)
    rv = client.get("/api/v1/cases/mine", headers=sw)
    assert rv.status_code == 200
    (item,) = rv.json
    assert item["ref"] == ref
    assert ID_NUMBER in item["summary_draft"] and PHONE in item["summary_draft"]
    assert "scrub_report" in item and "household_size_exact" in item
    assert all(p not in item["summary"] for p in PLANTED)  # the public summary is scrubbed


@pytest.mark.parametrize("who", list(OTHERS))
def test_other_roles_get_no_private_text_from_mine(ctx: Any, client: Any, who: str) -> None:
    ref, _ = _typed_case(client)
    role, kind, org = OTHERS[who]
    rv = client.get("/api/v1/cases/mine", headers=token_for(make_user(role, kind, org)))
    assert rv.status_code == 200
    assert all(p not in rv.text for p in PLANTED), who
    for item in rv.json:
        assert not {"summary_draft", "scrub_report", "household_size_exact"} & set(item)


def test_an_auditor_of_the_office_lists_its_cases_with_public_fields(ctx: Any, client: Any):
    ref, _ = _typed_case(client)
    auditor = make_user(Role.auditor, OrgKind.civil_affairs, "沙市区民政局")
    (item,) = client.get("/api/v1/cases/mine", headers=token_for(auditor)).json
    assert item["ref"] == ref and item["status"] == "draft"
    assert item["summary"] and "医疗救助" in item["summary"]  # the scrubbed summary
    assert all(p not in str(item) for p in PLANTED)


@pytest.mark.parametrize("who", list(OTHERS))
def test_other_roles_get_no_private_text_from_the_html_pages(
    ctx: Any, client: Any, app: Any, who: str
) -> None:
    ref, _ = _typed_case(client)
    role, kind, org = OTHERS[who]
    browser = app.test_client()
    login(browser, make_user(role, kind, org).email)
    for path in ("/work", f"/work/cases/{ref}", f"/cases/{ref}", "/ngo", "/review"):
        page = browser.get(path)
        assert page.status_code != 500
        assert all(p not in page.text for p in PLANTED), (who, path)


# ---- the money of a case: auditors see amounts, not what was typed about the household -------


def _paid_to_the_beneficiary(client: Any) -> tuple[Any, int, dict[str, str]]:
    from marketplace.cases.models import NeedLine
    from marketplace.extensions import db
    from tests.integration.test_disbursements import _funded, _request

    case, sw, line = _funded(client)
    db.session.get(NeedLine, line).description = f"住院自付费用,联系{PHONE}"
    db.session.commit()
    rv = _request(
        client,
        case,
        sw,
        line,
        payee_kind="beneficiary",
        payee_name="王秀英",
        purpose=f"住院押金,家属电话{PHONE}",
    )
    assert rv.status_code == 201, rv.json
    return case, rv.json["id"], sw


def test_auditors_see_a_disbursement_without_its_typed_text(ctx: Any, client: Any, app: Any):
    case, did, sw = _paid_to_the_beneficiary(client)
    auditor = make_user(Role.auditor, OrgKind.platform, "平台运营中心")
    got = client.get(f"/api/v1/disbursements/{did}", headers=token_for(auditor))
    assert got.status_code == 200
    assert got.json["amount_fen"] == 120_000 and got.json["payee_kind"] == "beneficiary"
    assert got.json["purpose"] is None and got.json["payee_name"] is None
    browser = app.test_client()
    login(browser, auditor.email)
    for path in (f"/work/cases/{case.ref}/money", f"/work/disbursements/{did}"):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert PHONE not in page.text and "王秀英" not in page.text, path
        assert "1,200" in page.text  # the amount is there

    # the case's social worker and the custodian who pays still see it all
    own = client.get(f"/api/v1/disbursements/{did}", headers=sw).json
    assert own["payee_name"] == "王秀英" and PHONE in own["purpose"]
    custodian = make_user(Role.reviewer, OrgKind.custodian, "荆州市慈善总会")
    paying = client.get(f"/api/v1/disbursements/{did}", headers=token_for(custodian)).json
    assert paying["payee_name"] == "王秀英" and PHONE in paying["purpose"]
    login(browser, custodian.email)
    assert "王秀英" in browser.get(f"/work/disbursements/{did}").text


def test_a_vendor_s_name_stays_visible_to_auditors(ctx: Any, client: Any) -> None:
    from tests.integration.test_disbursements import _funded, _request

    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]  # paid to 荆州市中心医院
    auditor = token_for(make_user(Role.auditor, OrgKind.platform, "平台运营中心"))
    got = client.get(f"/api/v1/disbursements/{did}", headers=auditor).json
    assert got["payee_name"] == "荆州市中心医院" and got["purpose"] is None
