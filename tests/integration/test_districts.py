"""The district service-level table (绩效): counts and medians per county from known timestamps,
overdue follow-ups and receipts by the same rules as the jobs, the page and the API agree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.lifecycle import answer_follow_up, close_case
from marketplace.cases.models import Case, FollowUp
from marketplace.db_types import local_today, utcnow
from marketplace.disbursements import evidence
from marketplace.disbursements.models import Disbursement
from marketplace.extensions import db
from marketplace.transparency import districts
from tests.conftest import case_payload, make_user, token_for
from tests.integration.test_disbursements import (
    PAID,
    _custodian,
    _funded,
    _jpeg_with_gps,
    _request,
    _upload,
)

SHASHI, GONGAN, JINGZHOU = "421002", "421022", "421003"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_table(app: Flask) -> Iterator[None]:
    """Each test starts without a table kept from an earlier test (rows are re-numbered on
    SQLite once emptied, so two tests' data can look alike)."""
    app.extensions.pop("transparency_districts", None)
    yield
    app.extensions.pop("transparency_districts", None)


def _cases(client: Any, regions: list[str], publish: bool = True) -> list[Case]:
    """One case per region, by one social worker, published by a platform reviewer."""
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer, org_name="平台审核", org_kind=OrgKind.platform))
    refs = []
    for region in regions:
        ref = client.post("/api/v1/cases", json=case_payload(region=region), headers=sw).json["ref"]
        if publish:
            assert client.post(f"/api/v1/cases/{ref}/submit", headers=sw).status_code == 200
            done = client.post(
                f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv
            )
            assert done.status_code == 200, done.json
        refs.append(ref)
    return [db.session.scalar(select(Case).where(Case.ref == ref)) for ref in refs]


def _stamp(case: Case, plan: float | None, fund: float | None, pay: float | None) -> None:
    """Published at T0, then each stage that many hours later (None: not reached)."""
    case.published_at = T0
    for column, hours in (("planned_at", plan), ("funded_at", fund), ("disbursing_at", pay)):
        setattr(case, column, None if hours is None else T0 + timedelta(hours=hours))


def _row(region: str) -> dict[str, Any]:
    return next(r for r in districts.service_levels() if r["region"] == region)


def test_counts_and_medians_per_county_and_in_total(ctx: Any, client: Any) -> None:
    a1, a2, a3, b1, b2 = _cases(client, [SHASHI, SHASHI, SHASHI, GONGAN, GONGAN])
    _stamp(a1, 10, 20, 30)
    _stamp(a2, 20, 50, None)
    _stamp(a3, None, None, None)
    _stamp(b1, 4, 100, 102)
    _stamp(b2, 6, None, None)
    # drafts count nowhere, even with stamps (one in a county with no public case)
    for draft in _cases(client, [SHASHI, JINGZHOU], publish=False):
        _stamp(draft, 1, 1, 1)
    db.session.commit()

    rows = districts.service_levels()
    assert [r["region"] for r in rows] == [SHASHI, GONGAN]
    shashi, gongan = rows
    assert shashi["label"] == "湖北省荆州市沙市区" and shashi["short_label"] == "沙市区"
    assert {k: shashi[k] for k in ("cases", "planned", "funded", "paid")} == {
        "cases": 3,
        "planned": 2,
        "funded": 2,
        "paid": 1,
    }
    assert shashi["median_hours_to_plan"] == 15.0
    assert shashi["median_hours_to_fund"] == 35.0
    assert shashi["median_hours_to_pay"] == 30.0
    assert (gongan["cases"], gongan["planned"], gongan["funded"], gongan["paid"]) == (2, 2, 1, 1)
    assert gongan["median_hours_to_plan"] == 5.0
    assert gongan["median_hours_to_fund"] == 100.0
    assert gongan["median_hours_to_pay"] == 102.0

    # the total is the median over all counties' cases, not an average of their medians
    total = districts.totals()
    assert (total["cases"], total["planned"], total["funded"], total["paid"]) == (5, 4, 3, 2)
    assert total["median_hours_to_plan"] == 8.0  # 4, 6, 10, 20
    assert total["median_hours_to_fund"] == 50.0  # 20, 50, 100
    assert total["median_hours_to_pay"] == 66.0  # 30, 102
    assert total["overdue_follow_ups"] == total["overdue_receipts"] == 0

    # rounding to 0.1 hour (stamps set by hand in the past move no fingerprint: start afresh)
    b2.published_at = T0 - timedelta(minutes=7)
    a3.planned_at = T0 + timedelta(hours=1, minutes=10)
    db.session.commit()
    ctx.extensions.pop("transparency_districts")
    assert _row(SHASHI)["median_hours_to_plan"] == 10.0  # 70 min, 10 h, 20 h
    assert _row(GONGAN)["median_hours_to_plan"] == 5.1  # 4 h and 6 h 7 min -> 5.058
    # a new public case is counted at once; a county with no case at a stage has no median
    _cases(client, [JINGZHOU])
    jingzhou = _row(JINGZHOU)
    assert jingzhou["cases"] == 1 and jingzhou["planned"] == 0
    assert jingzhou["median_hours_to_plan"] is None


def test_the_table_is_kept_until_something_changes(ctx: Any, client: Any) -> None:
    _cases(client, [SHASHI])
    first = districts._current()
    assert districts._current() is first
    _cases(client, [GONGAN])
    second = districts._current()
    assert second is not first and [r["region"] for r in second.items] == [SHASHI, GONGAN]


def test_overdue_follow_ups(ctx: Any, client: Any) -> None:
    """Unanswered and due before today (Asia/Shanghai) counts; answered, due today or later
    does not."""
    x, y = _cases(client, [SHASHI, GONGAN])
    for case in (x, y):
        close_case(case.owner, case, "partly", "")
    db.session.commit()
    today = local_today()
    ups = {(f.case_id, f.days): f for f in db.session.scalars(select(FollowUp))}
    ups[x.id, 30].due_on = today - timedelta(days=1)  # overdue
    ups[x.id, 90].due_on = today + timedelta(days=60)  # not due yet
    ups[y.id, 30].due_on = today - timedelta(days=5)  # overdue, but answered below
    ups[y.id, 90].due_on = today  # due today: not overdue yet
    answer_follow_up(y.owner, ups[y.id, 30], "resolved", "")
    db.session.commit()

    assert _row(SHASHI)["overdue_follow_ups"] == 1
    assert _row(GONGAN)["overdue_follow_ups"] == 0
    assert districts.totals()["overdue_follow_ups"] == 1
    assert _row(SHASHI)["cases"] == 1  # a closed case is public

    answer_follow_up(x.owner, ups[x.id, 30], "resolved", "")  # an answer: summed again
    db.session.commit()
    assert districts.totals()["overdue_follow_ups"] == 0


def test_overdue_receipts_follow_the_alert_jobs_rule(ctx: Any, client: Any) -> None:
    """Paid without a receipt RECEIPT_DUE_DAYS (30) days ago counts; with a receipt, or paid
    recently, does not."""
    case, sw, line = _funded(client)
    custodian = _custodian()
    ids = [_request(client, case, sw, line, amount_fen=PAID // 3).json["id"] for _ in range(3)]
    for did in ids:
        done = client.post(f"/api/v1/disbursements/{did}/approve", headers=custodian)
        assert done.status_code == 200, done.json
    assert _upload(client, ids[1], sw, _jpeg_with_gps(), "r.jpg").status_code == 201
    without, with_receipt, recent = (db.session.get(Disbursement, did) for did in ids)
    for old in (without, with_receipt):
        old.decided_at = utcnow() - timedelta(days=31)
    db.session.commit()

    row = _row(SHASHI)
    assert row["overdue_receipts"] == 1 == districts.totals()["overdue_receipts"]
    assert row["paid"] == 1 and row["median_hours_to_pay"] is not None
    # the same rule as the job that alerts the case owner
    assert evidence.alert_overdue_receipts() == 1
    # the table is summed again when the recent payout's receipts fall due
    state = districts._current()
    assert state.valid_until == recent.decided_at + timedelta(days=30)
    db.session.commit()  # end the read (SQLite: the request below writes)

    assert _upload(client, ids[0], sw, _jpeg_with_gps(), "r.jpg").status_code == 201
    assert _row(SHASHI)["overdue_receipts"] == 0  # a new receipt: summed again


def test_html_page_and_api_agree(ctx: Any, client: Any) -> None:
    a, b = _cases(client, [SHASHI, GONGAN])
    _stamp(a, 12.5, 60, None)
    _stamp(b, 3, None, None)
    db.session.commit()
    api = client.get("/api/v1/transparency/districts")
    assert api.status_code == 200
    body = api.json
    assert [r["region"] for r in body["items"]] == [SHASHI, GONGAN]
    assert body["total"]["cases"] == 2

    for lang in ("zh-CN", "en"):
        page = client.get("/transparency/districts", headers={"Accept-Language": lang})
        assert page.status_code == 200
        assert "湖北省荆州市沙市区" in page.text and "湖北省荆州市公安县" in page.text
    page = client.get("/transparency/districts", headers={"Accept-Language": "en"})
    assert "No public cases yet." not in page.text
    html_rows = re.findall(r"<tr><th scope=\"row\"[^>]*>([^<]+)</th>(.*?)</tr>", page.text, re.S)
    got = {
        label: re.findall(r'<td class="num">\s*([^<]*?)\s*</td>', cells)
        for label, cells in html_rows
    }

    def shown(row: dict[str, Any]) -> list[str]:
        def hours(value: float | None) -> str:
            if value is None:
                return "—"
            return f"{value:.1f} hours" if value < 48 else f"{value / 24:.1f} days"

        return [
            *(str(row[k]) for k in ("cases", "planned", "funded", "paid")),
            *(hours(row[k]) for k in districts.MEDIANS),
            str(row["overdue_follow_ups"]),
            str(row["overdue_receipts"]),
        ]

    for row in body["items"]:
        assert got[row["label"]] == shown(row), row["label"]
    assert got["All counties"] == shown(body["total"])
    assert got["湖北省荆州市沙市区"][4:6] == ["12.5 hours", "2.5 days"]


def test_empty_state(ctx: Any, client: Any) -> None:
    _cases(client, [SHASHI], publish=False)  # a draft is not public
    for lang in ("zh-CN", "en"):
        page = client.get("/transparency/districts", headers={"Accept-Language": lang})
        assert page.status_code == 200
    assert "No public cases yet." in page.text
    assert 'id="districts"' not in page.text
    body = client.get("/api/v1/transparency/districts").json
    assert body["items"] == []
    assert body["total"]["cases"] == 0 and body["total"]["median_hours_to_plan"] is None


def test_linked_from_the_transparency_page(ctx: Any, client: Any) -> None:
    page = client.get("/transparency", headers={"Accept-Language": "en"})
    assert 'href="/transparency/districts"' in page.text
