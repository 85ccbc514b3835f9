"""The grants open-data export: one row per payout, equal to the ledger, no private data."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from marketplace.accounts.models import OrgKind, Role
from marketplace.disbursements import evidence
from marketplace.disbursements import services as payouts
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from tests import pdfs
from tests.conftest import make_user
from tests.integration.test_disbursements import PAID, _funded

PRIVATE = ("王秀英", "42100219800101100X", "13912345678", "解放路88号", "王建华")


def _paid(client: Any, payee_kind: str, payee_name: str, amount: int) -> Any:
    case, _, line = _funded(client)
    owner = case.owner
    found = payouts.request_disbursement(
        owner,
        case,
        {
            "need_line_id": line,
            "amount_fen": amount,
            "payee_kind": payee_kind,
            "payee_name": payee_name,
            "purpose": "王秀英的住院费",  # free text with a name: never exported
        },
    )
    payouts.approve(make_user(Role.reviewer, OrgKind.custodian, "荆州市慈善总会"), found)
    evidence.add_receipt(owner, found, pdfs.classic())
    db.session.commit()
    return found


def test_grants_in_three_formats_equal_the_ledger(ctx: Any, client: Any) -> None:
    vendor = _paid(client, "vendor", "荆州市中心医院", 120_000)
    person = _paid(client, "beneficiary", "王秀英", PAID)
    rv = client.get("/api/v1/open-data/grants")
    assert rv.status_code == 200
    body = rv.json
    assert body["total"] == 2 and len(body["grants"]) == 2
    rows = {g["id"]: g for g in body["grants"]}
    v, p = rows[f"JJN-G-{vendor.id}"], rows[f"JJN-G-{person.id}"]
    assert v["recipientOrganization:Name"] == "荆州市中心医院" and v["recipientKind"] == "vendor"
    assert p["recipientKind"] == "individual" and p["recipientOrganization:Name"] == ""
    assert p["recipientIndividual:Id"].startswith("JJN-IND-")
    assert v["amountAwardedFen"] == 120_000 and v["amountAwarded"] == 1200.0
    assert v["currency"] == "CNY" and v["beneficiaryLocation:Code"] == "421002"
    assert v["fundingOrganization:Name"] == "荆州市慈善总会"
    assert v["receiptSha256"] and v["ledgerEntry"] == vendor.entry_seq
    assert (
        sum(g["amountAwardedFen"] for g in body["grants"])
        == ledger.platform_totals()["disbursed_fen"]
    )

    text = client.get("/api/v1/open-data/grants?format=csv")
    assert text.status_code == 200 and text.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(text.data.decode("utf-8-sig"))))
    assert {r["id"] for r in table} == set(rows)
    sheet = client.get("/api/v1/open-data/grants?format=xlsx")
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.data))
    values = list(book["grants"].iter_rows(values_only=True))
    assert values[0][0] == "id" and {r[0] for r in values[1:]} == set(rows)

    for payload in (rv.text, text.data.decode("utf-8-sig"), str(values)):
        for secret in PRIVATE:
            assert secret not in payload, secret


def test_empty_and_bad_queries(ctx: Any, client: Any) -> None:
    empty = client.get("/api/v1/open-data/grants")
    assert empty.status_code == 200 and empty.json == {
        "grants": [],
        "total": 0,
        "page": 1,
        "per_page": 100,
    }
    for query in ("format=pdf", "page=0", "per_page=100000", "page=x"):
        rv = client.get(f"/api/v1/open-data/grants?{query}")
        assert rv.status_code == 422, query
        assert rv.json["error"]
    about = client.get("/open-data")
    assert about.status_code == 200 and "recipientIndividual:Id" in about.text
