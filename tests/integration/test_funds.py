"""Company funds and matching gifts (配捐), with the guards against match farming."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.models import Case
from marketplace.donors import funds
from marketplace.donors import services as donors
from marketplace.donors.models import CompanyFund, FundMatch
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from tests.conftest import case_payload, company_fund_page, csrf_from, login, make_user, token_for

NEED = 3_800_000


def _published(client: Any) -> Case:
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer))
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    return db.session.scalar(select(Case).where(Case.ref == ref))


def _fund(balance: int = 1_000_000, **offer: Any) -> CompanyFund:
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    data = {
        "name": "荆楚助医基金",
        "budget_fen": 5_000_000,
        "categories": ["medical"],
        "region": "4210",
        "match_ratio": 100,
        "match_ends_on": date.today() + timedelta(days=30),
        "match_min_gift_fen": 1000,
    } | offer
    fund = funds.create_fund(staff, data)
    deposit = donors.create_fund_pledge(staff, fund.id, balance)
    donors.record_payment(deposit)
    db.session.commit()
    assert funds.fund_balance(fund) == balance
    return fund


def _give(case: Case, amount: int, donor: Any = None) -> Any:
    pledge = donors.create_case_pledge(donor or make_user(Role.donor), case, amount)
    outcome = donors.record_payment(pledge)
    db.session.commit()
    assert outcome == "paid"
    return pledge


def _funded(client: Any, case: Case) -> int:
    return client.get(f"/api/v1/cases/{case.ref}").json["funded_fen"]


def test_one_to_one_match_and_the_case_page_says_so(ctx: Any, client: Any) -> None:
    case = _published(client)
    fund = _fund()
    page = client.get(f"/cases/{case.ref}", headers={"Accept-Language": "en"})
    assert "For every 1 yuan you give, 荆楚爱心企业 adds 1 yuan" in page.text
    _give(case, 20_000)
    assert _funded(client, case) == 40_000
    assert funds.fund_balance(fund) == 1_000_000 - 20_000
    assert ledger.verify() == []


@pytest.mark.parametrize(
    ("offer", "gifts", "matched"),
    [
        ({"match_min_gift_fen": 1000}, [999, 999, 999], 0),  # tiny gifts are not matched
        ({"match_cap_per_gift_fen": 5000}, [20_000], 5000),
        ({"match_cap_per_case_fen": 15_000}, [10_000, 10_000], 15_000),
        ({"match_ratio": 50}, [10_000], 5000),
        ({"match_ends_on": date.today() - timedelta(days=1)}, [10_000], 0),
        ({"categories": ["housing"]}, [10_000], 0),
        ({"region": "1101"}, [10_000], 0),
    ],
)
def test_match_limits(
    ctx: Any, client: Any, offer: dict[str, Any], gifts: list[int], matched: int
) -> None:
    case = _published(client)
    fund = _fund(**offer)
    donor = make_user(Role.donor)
    for amount in gifts:
        _give(case, amount, donor)
    assert funds.matched_total(fund) == matched
    assert _funded(client, case) == sum(gifts) + matched
    assert ledger.verify() == []


def test_daily_cap_per_donor(ctx: Any, client: Any) -> None:
    case = _published(client)
    fund = _fund(match_daily_cap_per_donor_fen=15_000)
    farmer = make_user(Role.donor)
    for _ in range(3):
        _give(case, 10_000, farmer)
    assert funds.matched_total(fund) == 15_000
    _give(case, 10_000)  # another donor still gets matched
    assert funds.matched_total(fund) == 25_000


def test_match_never_exceeds_fund_or_case(ctx: Any, client: Any) -> None:
    case = _published(client)
    fund = _fund(balance=30_000)
    _give(case, 50_000)
    assert funds.matched_total(fund) == 30_000 and funds.fund_balance(fund) == 0
    _give(case, NEED - 80_000 - 1000)  # leaves 1000 open; the fund is empty now
    assert _funded(client, case) == NEED - 1000
    fund2 = _fund(balance=100_000)
    _give(case, 1000)  # exactly the rest: the match has no room left
    assert funds.matched_total(fund2) == 0
    assert _funded(client, case) == NEED
    assert ledger.verify() == []


def test_company_pledges_are_not_matched(ctx: Any, client: Any) -> None:
    case = _published(client)
    fund = _fund()
    staff = make_user(Role.company_staff, OrgKind.company, "另一家公司")
    _give(case, 20_000, staff)
    assert funds.matched_total(fund) == 0
    assert db.session.scalar(select(FundMatch.id)) is None


def test_company_creates_fund_and_pays_in_through_checkout(ctx: Any, client: Any) -> None:
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    login(client, staff.email)
    page = client.get("/company/funds", headers={"Accept-Language": "en"})
    assert "no fund yet" in page.text
    bad = client.post(
        "/company/funds",
        data={
            "name": "",
            "budget": "abc",
            "match_ratio": "100",
            "csrf_token": csrf_from(page.text),
        },
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 200 and "field-error" in bad.text
    created = client.post(
        "/company/funds",
        data={
            "name": "助学基金",
            "budget": "50000",
            "categories": ["education"],
            "match_ratio": "100",
            "match_ends_on": (date.today() + timedelta(days=10)).isoformat(),
            "match_min_gift": "10",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert created.status_code == 302
    detail_url = created.headers["Location"]
    detail = client.get(detail_url)
    started = client.post(detail_url, data={"amount": "8000", "csrf_token": csrf_from(detail.text)})
    checkout = client.get(started.headers["Location"])
    client.post(started.headers["Location"], data={"csrf_token": csrf_from(checkout.text)})
    fund = db.session.scalars(select(CompanyFund)).one()
    assert funds.fund_balance(fund) == 800_000
    assert ledger.platform_totals()["held_fen"] == 800_000
    other = make_user(Role.company_staff, OrgKind.company, "别的公司")
    login(client, other.email)
    assert client.get(detail_url).status_code == 404


def test_paying_more_than_the_limit_into_a_fund_shows_the_form_with_its_message(
    ctx: Any, client: Any
) -> None:
    """Issue 12 bug 1: ¥100,000,001 into a fund was a 500 (the deposit path had no upper limit)."""
    fund, page = company_fund_page(client)
    response = client.post(
        f"/company/funds/{fund.id}",
        data={"amount": "100000001", "csrf_token": csrf_from(page)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Amounts run from 1 fen to 10,000,000 yuan." in response.text
    assert 'name="amount"' in response.text


def test_fund_form_marks_bad_fields(ctx: Any, client: Any) -> None:
    """Issue 12 bug 7: the company fund form showed messages but left the fields unmarked."""
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    login(client, staff.email)
    page = client.get("/company/funds")
    bad = client.post(
        "/company/funds",
        data={"name": "", "budget": "abc", "region": "4210", "csrf_token": csrf_from(page.text)},
    )
    assert bad.status_code == 200
    assert 'name="name" value="" maxlength="100" aria-invalid="true">' in bad.text
    assert 'name="budget" value="abc" inputmode="decimal" aria-invalid="true">' in bad.text
    assert 'placeholder="4210">' in bad.text  # the good region is not marked
