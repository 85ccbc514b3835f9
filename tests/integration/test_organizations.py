"""Public records of NGOs and companies: the money each put in, committed to cases and
delivered, equal to sums over the ledger entries whose money came from it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import Organization, OrgKind, Role
from marketplace.db_types import utcnow
from marketplace.donors import funds
from marketplace.donors import services as donors
from marketplace.donors.models import Pledge
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.models import JournalEntry, LedgerAccount
from marketplace.ngos import services as ngos
from marketplace.ngos.models import Referral, ReferralStatus
from marketplace.transparency import organizations
from tests.conftest import make_user
from tests.integration.test_disbursements import _custodian, _request
from tests.integration.test_plans import _published, _sources

EN = {"Accept-Language": "en"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _company_story(client: Any) -> dict[str, Any]:
    """A company with a 1:1 match fund and a direct gift in its name; an individual's gift;
    part of the case paid out; another company that gives nothing of its own."""
    case, sw = _published(client)
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    fund = funds.create_fund(
        staff,
        {
            "name": "助医配捐",
            "budget_fen": 10_000_000,
            "categories": ["medical"],
            "region": "4210",
            "match_ratio": 100,
            "match_ends_on": (utcnow() + timedelta(days=30)).date(),
        },
    )
    donors.record_payment(donors.create_fund_pledge(staff, fund.id, 500_000))
    person = donors.create_case_pledge(make_user(Role.donor), case, 100_000)
    donors.record_payment(person)  # matched by the fund: 100,000 more from the company
    own = donors.create_case_pledge(staff, case, 50_000, anonymous=False)
    donors.record_payment(own)  # its own gift (a company does not match itself)
    other = make_user(Role.company_staff, OrgKind.company, "别家企业")
    db.session.commit()
    line = next(n.id for n in case.need_lines if n.kind == "cash")
    rv = _request(client, case, sw, line, amount_fen=150_000)
    assert rv.status_code == 201, rv.json
    assert client.post(f"/api/v1/disbursements/{rv.json['id']}/approve", headers=_custodian())
    db.session.expire_all()
    return {
        "case": case,
        "org": staff.organization,
        "other": other.organization,
        "fund": fund,
        "own": own,
    }


def test_a_company_record_sums_its_own_entries(ctx: Any, client: Any) -> None:
    story = _company_story(client)
    case = story["case"]
    record = organizations.record(story["org"])
    matched = sum(m.amount_fen for m in db.session.scalars(select(funds.FundMatch)).all())
    assert matched == 100_000  # the individual's gift, 1:1
    assert record["put_in_fen"] == 500_000 + 50_000
    assert record["committed_fen"] == 50_000 + matched
    received = db.session.scalar(
        select(LedgerAccount.received_fen).where(LedgerAccount.code == codes.case(case.ref))
    )
    assert received == 100_000 + 50_000 + matched
    # the company gave 150,000 of the case's 250,000; 150,000 was paid out: its share is 3/5
    assert record["delivered_fen"] == 150_000 * 150_000 // received == 90_000
    assert record["cases_served"] == 1
    row = record["cases"]["items"][0]
    assert (row["ref"], row["committed_fen"], row["delivered_fen"]) == (case.ref, 150_000, 90_000)
    assert [f["held_fen"] for f in record["funds"]] == [500_000 - matched]
    assert ledger.balance(codes.fund(story["fund"].id)) == 500_000 - matched

    empty = organizations.record(story["other"])
    assert (empty["put_in_fen"], empty["committed_fen"], empty["cases_served"]) == (0, 0, 0)

    # a refund of its own gift comes off what it put in and what it committed
    assert donors.record_refund(db.session.get(Pledge, story["own"].id), 50_000) == "refunded"
    db.session.commit()
    after = organizations.record(story["org"])
    assert after["put_in_fen"] == 500_000
    assert after["committed_fen"] == matched


def test_company_page_shows_the_record_and_its_cases(ctx: Any, client: Any) -> None:
    story = _company_story(client)
    page = client.get(f"/companies/{story['org'].id}", headers=EN)
    assert page.status_code == 200
    text = _text(page.text)
    assert "荆楚爱心企业" in text and "助医配捐" in text
    assert "Paid in ¥5,500.00" in text
    assert "Committed to cases ¥1,500.00" in text
    assert "Delivered (paid out to payees) ¥900.00" in text
    assert story["case"].ref in text
    zh = client.get(f"/companies/{story['org'].id}", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200 and "荆楚爱心企业" in zh.text
    other = client.get(f"/companies/{story['other'].id}", headers=EN)
    assert other.status_code == 200
    assert "No case has received money or services from this organization yet." in other.text
    assert "No fund yet." in other.text


def test_wrong_kind_missing_or_odd_ids_are_404_and_bad_pages_are_the_first(
    ctx: Any, client: Any
) -> None:
    company = make_user(Role.company_staff, OrgKind.company, "某企业").organization
    ngo = make_user(Role.ngo_staff, OrgKind.ngo, "某社工机构").organization
    civil = make_user(Role.social_worker).organization
    db.session.commit()
    assert client.get(f"/ngos/{company.id}").status_code == 404
    assert client.get(f"/companies/{ngo.id}").status_code == 404
    assert client.get(f"/companies/{civil.id}").status_code == 404
    assert client.get("/companies/0").status_code == 404
    assert client.get("/companies/99999999999999").status_code == 404
    for page in ("abc", "-3", "0", "99999999999"):
        assert client.get(f"/companies/{company.id}?page={page}").status_code == 200
        assert client.get(f"/ngos/{ngo.id}?page={page}").status_code == 200


def test_an_ngo_record_counts_budgets_commitments_and_answers(ctx: Any, client: Any) -> None:
    case, sw = _published(client)
    src = _sources()
    built = client.post(f"/api/v1/cases/{case.ref}/plans", headers=sw)
    assert built.status_code == 201, built.json
    items = built.json["items"]
    committed = sum(i["amount_fen"] for i in items if i["source_kind"] == "project")
    assert client.post(f"/api/v1/plans/{built.json['id']}/accept", headers=sw).status_code == 200
    db.session.expire_all()
    org = db.session.get(Organization, src["ngo"].organization_id)
    referral = db.session.scalars(select(Referral)).one()
    staff = src["ngo"]
    ngos.decide_referral(staff, referral, accept=True)
    ngos.record_delivery(staff, referral, 1)
    # a second referral answered after it was due, a third never answered
    line = db.session.get(type(referral.need_line), referral.need_line_id)
    line.units += 2  # room for two more referrals: they never exceed the need (issue 12, bug 8)
    late = ngos.refer(db.session.get(type(staff), case.owner_id), case, line, src["service"], 1)
    late.due_at = utcnow() - timedelta(hours=1)
    ngos.decide_referral(staff, late, accept=False, reason="本月排满")
    never = ngos.refer(db.session.get(type(staff), case.owner_id), case, line, src["service"], 1)
    never.due_at = utcnow() - timedelta(hours=1)
    ngos.mark_overdue_referrals()
    db.session.commit()
    assert db.session.get(Referral, never.id).status == ReferralStatus.overdue

    record = organizations.record(org)
    assert record["put_in_fen"] == 800_000  # the money project's budget
    assert record["committed_fen"] == committed
    assert record["delivered_fen"] == 0  # nothing paid out yet
    services = record["services"]
    assert (services["on_time"], services["late"], services["unanswered"]) == (1, 1, 1)
    assert services["projects"][0]["units_delivered"] == 1
    assert record["cases_served"] == 1
    assert record["cases"]["items"][0]["units_delivered"] == ["1 次"]

    page = client.get(f"/ngos/{org.id}", headers=EN)
    text = _text(page.text)
    assert page.status_code == 200
    assert "Referral answers on time 1 of 3" in text
    assert "心理疏导" in text and case.ref in text


def test_a_company_rule_pledge_placed_by_a_plan_counts_as_its_own(ctx: Any, client: Any) -> None:
    case, sw = _published(client)
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    person = make_user(Role.donor)
    rule = {"categories": ["medical"], "region": "4210", "age_band": None}
    mine = donors.create_rule_pledge(staff, rule, 200_000)
    theirs = donors.create_rule_pledge(person, rule, 300_000)
    donors.record_payment(mine)
    donors.record_payment(theirs)
    db.session.commit()
    built = client.post(f"/api/v1/cases/{case.ref}/plans", headers=sw)
    assert built.status_code == 201, built.json
    assert client.post(f"/api/v1/plans/{built.json['id']}/accept", headers=sw).status_code == 200
    db.session.expire_all()
    placed = db.session.get(Pledge, mine.id).placed_fen
    assert placed == 200_000  # the pool is spent oldest first: the company's pledge is whole
    assert db.session.get(Pledge, theirs.id).placed_fen == 300_000
    record = organizations.record(staff.organization)
    assert record["put_in_fen"] == 200_000
    assert record["committed_fen"] == placed
    assert [r["ref"] for r in record["cases"]["items"]] == [case.ref]


def test_a_correction_of_its_entry_comes_off_its_record(ctx: Any, client: Any) -> None:
    case, _ = _published(client)
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    fund = funds.create_fund(
        staff,
        {
            "name": "助医配捐",
            "budget_fen": 10_000_000,
            "categories": ["medical"],
            "match_ratio": 50,
            "match_ends_on": (utcnow() + timedelta(days=30)).date(),
        },
    )
    donors.record_payment(donors.create_fund_pledge(staff, fund.id, 500_000))
    donors.record_payment(donors.create_case_pledge(make_user(Role.donor), case, 40_000))
    db.session.commit()
    assert organizations.record(staff.organization)["committed_fen"] == 20_000
    match = db.session.scalars(select(JournalEntry).where(JournalEntry.kind == "match")).one()
    ledger.reverse_entry(match, None, "matched by mistake")
    db.session.commit()
    record = organizations.record(staff.organization)
    assert record["committed_fen"] == 0 and record["cases_served"] == 0
    assert record["funds"][0]["held_fen"] == 500_000


def test_the_directory_lists_ngos_and_companies_with_links(ctx: Any, client: Any) -> None:
    empty = client.get("/transparency/organizations", headers=EN)
    assert empty.status_code == 200 and "No NGO or company has joined yet." in empty.text
    company = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业").organization
    ngo = make_user(Role.ngo_staff, OrgKind.ngo, "心灵港湾").organization
    civil = make_user(Role.social_worker).organization
    db.session.commit()
    page = client.get("/transparency/organizations", headers=EN)
    assert f'href="/companies/{company.id}"' in page.text
    assert f'href="/ngos/{ngo.id}"' in page.text
    assert civil.name not in page.text  # civil affairs offices have no record page
    assert client.get("/transparency/organizations?page=oops").status_code == 200
