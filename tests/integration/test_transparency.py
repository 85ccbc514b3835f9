"""Transparency: every public figure equals what the ledger sums to (recomputed here from the
postings, independently of the code under test), the pages render, and nothing private leaks."""

from __future__ import annotations

import io
import random
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.models import Case
from marketplace.cases.states import PUBLIC, CaseStatus
from marketplace.disbursements import services as disbursements
from marketplace.donors import funds
from marketplace.donors import services as donors
from marketplace.donors.models import Pledge, PledgeStatus
from marketplace.extensions import db
from marketplace.ledger import codes as account_codes
from marketplace.ledger import services as ledger
from marketplace.ledger.models import JournalEntry, LedgerAccount
from marketplace.transparency import figures, organizations
from marketplace.transparency import services as transparency
from tests.conftest import make_user, token_for
from tests.integration.test_disbursements import PAID, _custodian, _funded, _jpeg_with_gps
from tests.integration.test_plans import _published

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUSEHOLD_SECRETS = ["王秀英", "秀英", "42100219800101100X", "13912345678", "解放路88号"]
BENEFICIARY = "王建华"


# ---- the ledger, summed independently -----------------------------------------------------------


def _expected() -> dict[str, Any]:
    """Every public money figure recomputed from the raw postings in Python."""
    accounts = {a.id: a for a in db.session.scalars(select(LedgerAccount))}
    entries = db.session.scalars(select(JournalEntry).order_by(JournalEntry.seq)).all()
    signed: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)  # case id ->
    disbursed: dict[int, int] = defaultdict(int)  # case id ->
    months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        month = entry.created_at.astimezone(SHANGHAI).strftime("%Y-%m")
        codes = {accounts[p.account_id].code for p in entry.postings}
        pays_out = ledger.WORLD_PAYEES in codes
        for p in entry.postings:
            account = accounts[p.account_id]
            value = p.amount_fen if p.side.value == "debit" else -p.amount_fen
            signed[p.account_id] += value
            if account.code == ledger.WORLD_DONORS:
                months[month]["raised_fen"] -= value
            if account.code == ledger.WORLD_PAYEES:
                months[month]["disbursed_fen"] += value
            if account.kind.value == "case":
                received[account.case_id] += p.received_delta_fen
                if pays_out:
                    disbursed[account.case_id] -= value
    by_code = {accounts[i].code: v for i, v in signed.items()}
    held = sum(v for i, v in signed.items() if accounts[i].kind.value not in ("world", "project"))
    return {
        "raised_fen": -by_code.get(ledger.WORLD_DONORS, 0),
        "disbursed_fen": by_code.get(ledger.WORLD_PAYEES, 0),
        "refunded_fen": by_code.get(ledger.WORLD_REFUNDS, 0),
        "held_fen": held,
        "balances": {accounts[i].code: v for i, v in signed.items()},
        "received": dict(received),
        "disbursed": dict(disbursed),
        "months": {m: dict(v) for m, v in months.items()},
        "entries": len(entries),
    }


def _median(pairs: list[tuple[datetime, datetime]], floor_zero: bool = False) -> float | None:
    spans = [(b - a).total_seconds() / 3600 for a, b in pairs]
    if floor_zero:
        spans = [max(s, 0.0) for s in spans]
    return round(statistics.median(spans), 1) if spans else None


def _check_everything(client: Any) -> dict[str, Any]:
    """Every public figure (API, services, pages) against the independent sums."""
    db.session.expire_all()
    want = _expected()
    cases = db.session.scalars(select(Case)).all()
    summary = client.get("/api/v1/transparency/summary").json
    totals = ledger.platform_totals()
    for key in ("raised_fen", "disbursed_fen", "held_fen", "refunded_fen"):
        assert summary[key] == want[key] == totals[key], key
    assert summary["cases_published"] == sum(c.status in PUBLIC for c in cases)
    assert summary["cases_funded"] == sum(c.funded_at is not None for c in cases)
    assert summary["cases_closed"] == sum(c.status == CaseStatus.closed for c in cases)
    assert summary["median_hours_to_funded"] == _median(
        [(c.published_at, c.funded_at) for c in cases if c.published_at and c.funded_at]
    )
    assert summary["median_hours_funded_to_disbursed"] == _median(
        [(c.funded_at, c.disbursing_at) for c in cases if c.funded_at and c.disbursing_at],
        floor_zero=True,
    )
    assert summary["ledger_seq"] == want["entries"]
    assert ledger.verify() == []

    # by month (Asia/Shanghai): money from the postings, cases from their stamps
    months = {row["month"]: row for row in transparency.by_month()}
    for month, money in want["months"].items():
        assert months[month]["raised_fen"] == money.get("raised_fen", 0)
        assert months[month]["disbursed_fen"] == money.get("disbursed_fen", 0)
    assert sum(r["raised_fen"] for r in months.values()) == want["raised_fen"]
    assert sum(r["disbursed_fen"] for r in months.values()) == want["disbursed_fen"]
    published = defaultdict(int)
    for c in cases:
        if c.status in PUBLIC and c.published_at:
            published[c.published_at.astimezone(SHANGHAI).strftime("%Y-%m")] += 1
    assert {m: r["cases_published"] for m, r in months.items() if r["cases_published"]} == dict(
        published
    )

    # by category (a case counts in each of its categories) and by county
    cat_want: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    county_want: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in cases:
        for bucket in [cat_want[k] for k in c.categories] + [county_want[c.region]]:
            bucket["received_fen"] += want["received"].get(c.id, 0)
            bucket["disbursed_fen"] += want["disbursed"].get(c.id, 0)
            bucket["cases"] += c.status in PUBLIC
    got_cat = {r["category"]: r for r in transparency.by_category()}
    got_county = {r["region"]: r for r in transparency.by_county()}
    for got, wanted in ((got_cat, cat_want), (got_county, county_want)):
        assert set(got) == {k for k, v in wanted.items() if any(v.values())}
        for key, values in got.items():
            for field in ("received_fen", "disbursed_fen", "cases"):
                assert values[field] == wanted[key][field], (key, field)
    assert sum(r["disbursed_fen"] for r in got_county.values()) == want["disbursed_fen"]

    # the public journal: every entry once, in chain order, on consecutive pages
    seqs: list[int] = []
    page = 1
    while True:
        body = client.get(f"/api/v1/transparency/ledger?page={page}&per_page=7").json
        assert body["total"] == want["entries"]
        seqs += [line["seq"] for line in body["items"]]
        if page >= body["pages"]:
            break
        page += 1
    assert seqs == list(range(1, want["entries"] + 1))

    # each case: its trail and its filtered journal net to its balance and its payouts
    for c in cases:
        trail = transparency.case_trail(c)
        lines = client.get(f"/api/v1/transparency/ledger?case_ref={c.ref}&per_page=100").json
        if c.status not in PUBLIC and not trail:
            continue
        assert [line["seq"] for line in lines["items"]] == [line["seq"] for line in trail]
        assert lines["total"] == len(trail)
        net = sum(x["amount_fen"] * (1 if x["direction"] == "in" else -1) for x in trail)
        assert net == want["balances"].get(account_codes.case(c.ref), 0)
        paid_out = sum(x["amount_fen"] for x in trail if x["kind"] == "disbursement")
        assert paid_out == want["disbursed"].get(c.id, 0)
    return want


# ---- (a) a fixed story -----------------------------------------------------------------------


def _story(client: Any) -> dict[str, Any]:
    """A case with a donor's gift (anonymous), a named gift, one vendor payout with a receipt
    and one payout to the household (whose name must never show)."""
    case, sw, line = _funded(client)
    named = make_user(Role.donor, email="named-donor@example.org")
    named.display_name = "李善人"
    pledge = donors.create_case_pledge(named, case, 50_000, anonymous=False)
    donors.record_payment(pledge)
    db.session.commit()
    custodian = _custodian()
    ids = []
    for payee_kind, name, amount in (
        ("vendor", "荆州市中心医院 13912345678", 120_000),
        ("beneficiary", BENEFICIARY, 30_000),
    ):
        rv = client.post(
            "/api/v1/disbursements",
            json={
                "case_ref": case.ref,
                "need_line_id": line,
                "amount_fen": amount,
                "payee_kind": payee_kind,
                "payee_name": name,
                "purpose": "住院押金",
                "invoice_ref": "INV-1",
            },
            headers=sw,
        )
        assert rv.status_code == 201, rv.json
        ids.append(rv.json["id"])
        done = client.post(f"/api/v1/disbursements/{rv.json['id']}/approve", headers=custodian)
        assert done.status_code == 200, done.json
    receipt = client.post(
        f"/api/v1/disbursements/{ids[0]}/receipts",
        data={"file": (io.BytesIO(_jpeg_with_gps()), "receipt.jpg")},
        headers=sw,
        content_type="multipart/form-data",
    )
    assert receipt.status_code == 201, receipt.json
    db.session.expire_all()
    return {"case": case, "sha256": receipt.json["sha256"], "disbursements": ids}


def test_summary_equals_the_ledger_after_gifts_and_payouts(ctx: Any, client: Any) -> None:
    story = _story(client)
    want = _check_everything(client)
    summary = client.get("/api/v1/transparency/summary").json
    assert set(summary) >= {
        "raised_fen",
        "disbursed_fen",
        "held_fen",
        "cases_published",
        "cases_funded",
        "median_hours_to_funded",
    }
    assert summary["raised_fen"] == PAID + 50_000 == want["raised_fen"]
    assert summary["disbursed_fen"] == 150_000
    assert summary["held_fen"] == PAID + 50_000 - 150_000
    assert summary["cases_published"] == 1 and summary["cases_funded"] == 0
    assert summary["median_hours_to_funded"] is None

    trail = transparency.case_trail(story["case"])
    assert [(x["kind"], x["direction"], x["amount_fen"]) for x in trail] == [
        ("pledge_paid", "in", PAID),
        ("pledge_paid", "in", 50_000),
        ("disbursement", "out", 120_000),
        ("disbursement", "out", 30_000),
    ]
    assert trail[0]["counterparty"] == "爱心人士"
    assert trail[1]["counterparty"] == "李善人"  # chose to be named
    assert "荆州市中心医院" in trail[2]["counterparty"] and trail[2]["payee_kind"] == "vendor"
    assert "13912345678" not in trail[2]["counterparty"]  # scrubbed even from a vendor's name
    assert [r["sha256"] for r in trail[2]["receipts"]] == [story["sha256"]]
    assert trail[3]["payee_kind"] == "beneficiary" and BENEFICIARY not in str(trail[3])


def test_a_fund_match_and_a_refund_show_by_name_and_net_out(ctx: Any, client: Any) -> None:
    case, _ = _published(client)
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    fund = funds.create_fund(
        staff,
        {
            "name": "助医配捐",
            "budget_fen": 1_000_000,
            "categories": ["medical"],
            "region": "4210",
            "match_ratio": 100,
            "match_ends_on": (datetime.now(UTC) + timedelta(days=30)).date(),
        },
    )
    donors.record_payment(donors.create_fund_pledge(staff, fund.id, 500_000))
    gift = donors.create_case_pledge(make_user(Role.donor), case, 20_000)
    donors.record_payment(gift)
    db.session.commit()
    lines = transparency.case_trail(case)
    assert [(x["kind"], x["counterparty"]) for x in lines] == [
        ("pledge_paid", "爱心人士"),
        ("match", "荆楚爱心企业"),
    ]
    assert donors.record_refund(db.session.get(Pledge, gift.id), 20_000) == "refunded"
    db.session.commit()
    lines = transparency.case_trail(case)
    assert lines[-1]["kind"] == "refund" and lines[-1]["direction"] == "out"
    journal = client.get("/api/v1/transparency/ledger").json["items"]
    deposit = next(x for x in journal if x["kind"] == "fund_deposit")
    assert deposit["source"] == "荆楚爱心企业" and deposit["case_ref"] is None  # not staff's name
    _check_everything(client)


# ---- (b) random sequences --------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_sequences_keep_every_public_figure_equal_to_the_ledger(
    ctx: Any, client: Any, seed: int
) -> None:
    rng = random.Random(seed)
    published = [_published(client) for _ in range(2)]
    for case, _ in published:  # published some hours ago, so the medians are not all zero
        case.published_at = case.published_at - timedelta(hours=rng.randint(1, 400))
    published[1][0].categories = ["medical", "housing"]
    published[1][0].category_tags = ",medical,housing,"
    published[1][0].region = "421003"
    db.session.commit()
    givers = [make_user(Role.donor) for _ in range(3)]
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    fund = funds.create_fund(
        staff,
        {
            "name": "助医配捐",
            "budget_fen": 10_000_000,
            "categories": ["housing"],
            "match_ratio": rng.choice([50, 100]),
            "match_ends_on": (datetime.now(UTC) + timedelta(days=30)).date(),
        },
    )
    donors.record_payment(donors.create_fund_pledge(staff, fund.id, rng.randint(1, 9) * 100_000))
    custodian = _custodian()
    paid: list[int] = []
    for step in range(20):
        if step % 6 == 5:  # the sums kept along the chain are extended, not recounted
            _check_everything(client)
        action = rng.choice(["pledge", "pledge", "fill", "disburse", "disburse", "refund", "rule"])
        case, sw = rng.choice(published)
        db.session.refresh(case)
        line = next(n.id for n in case.need_lines if n.kind == "cash")
        if action in ("pledge", "fill") and case.status == CaseStatus.published:
            available = donors.available_fen(case)
            if available < 100:
                continue
            amount = available if action == "fill" else rng.randint(100, min(available, 900_000))
            pledge = donors.create_case_pledge(
                rng.choice(givers),
                case,
                amount,
                need_line_id=rng.choice([None, line]),
                anonymous=rng.random() < 0.7,
            )
            if rng.random() < 0.85:
                donors.record_payment(pledge)
                paid.append(pledge.id)
        elif action == "disburse":
            available = disbursements.available_for_line(case, line)
            if available <= 0:
                continue
            rv = client.post(
                "/api/v1/disbursements",
                json={
                    "case_ref": case.ref,
                    "need_line_id": line,
                    "amount_fen": rng.randint(1, available),
                    "payee_kind": rng.choice(["vendor", "beneficiary"]),
                    "payee_name": rng.choice(["荆州市中心医院", BENEFICIARY]),
                    "purpose": "医疗费",
                },
                headers=sw,
            )
            assert rv.status_code == 201, rv.json
            done = client.post(f"/api/v1/disbursements/{rv.json['id']}/approve", headers=custodian)
            assert done.status_code == 200, done.json
        elif action == "refund" and paid:
            pledge = db.session.get(Pledge, rng.choice(paid))
            # only gifts to the case as a whole: a refund of a need line's gift is credited to
            # the case as a whole today, which later refuses payouts for that line
            if pledge.status == PledgeStatus.paid and pledge.need_line_id is None:
                donors.record_refund(pledge, pledge.amount_fen)
        elif action == "rule":
            rule = donors.create_rule_pledge(
                rng.choice(givers), {"categories": ["medical"], "region": "4210"}, 10_000
            )
            donors.record_payment(rule)
        db.session.commit()
    want = _check_everything(client)

    # the company's public record: its deposit in, its fund's matches out to the cases
    record = organizations.record(staff.organization)
    deposits = sum(
        p.amount_fen - (p.refunded_fen or 0)
        for p in db.session.scalars(select(Pledge).where(Pledge.fund_id == fund.id))
    )
    assert record["put_in_fen"] == deposits
    matches = [
        e for e in db.session.scalars(select(JournalEntry)) if e.kind == "match"
    ]  # a match moves fund -> case, and a refund of the matched gift leaves it there
    assert record["committed_fen"] == sum(
        p.amount_fen for e in matches for p in e.postings if p.side.value == "debit"
    )
    for row in record["cases"]["items"]:
        case = db.session.scalar(select(Case).where(Case.ref == row["ref"]))
        assert (
            0
            <= row["delivered_fen"]
            <= min(row["committed_fen"], want["disbursed"].get(case.id, 0))
        )
    assert record["delivered_fen"] == sum(r["delivered_fen"] for r in record["cases"]["items"])


def test_sums_kept_along_the_chain_equal_a_full_recount(ctx: Any, client: Any, app: Any) -> None:
    story = _story(client)
    first = figures.money()
    assert figures.money() is first  # nothing new: the same state
    more = donors.create_case_pledge(make_user(Role.donor), story["case"], 10_000)
    donors.record_payment(more)
    db.session.commit()
    extended = figures.money()
    assert extended.seq == first.seq + 1 and extended is not first
    app.extensions.pop("transparency_figures")
    recounted = figures.money()
    assert (extended.months, extended.groups) == (recounted.months, recounted.groups)
    assert first.groups != extended.groups  # the new gift was added to its county and category
    _check_everything(client)


def test_a_different_chain_is_recounted_not_extended(ctx: Any, client: Any) -> None:
    case, _ = _published(client)
    gift = donors.create_case_pledge(make_user(Role.donor), case, 10_000)
    donors.record_payment(gift)
    db.session.commit()
    state = figures.money()
    state.hash = "f" * 64  # as if the summed entries were not those of this chain,
    state.months = {"1999-01": [999_999, 0]}  # which summed to something else
    donors.record_payment(donors.create_case_pledge(make_user(Role.donor), case, 20_000))
    db.session.commit()
    assert sum(r[0] for r in figures.money().months.values()) == 30_000
    _check_everything(client)


# ---- (c) pages ---------------------------------------------------------------------------------


def test_pages_render_the_figures_and_the_money_trail(ctx: Any, client: Any, app: Any) -> None:
    story = _story(client)
    anonymous = app.test_client()
    page = anonymous.get("/transparency", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    for text in ("¥1,500.00", f"¥{(PAID + 50_000) / 100:,.2f}", "<svg", "Transparency"):
        assert text in page.text, text
    assert "Medical" in page.text and "沙市区" in page.text  # category and county rows
    detail = anonymous.get(f"/cases/{story['case'].ref}", headers={"Accept-Language": "en"})
    assert detail.status_code == 200
    assert "Money trail" in detail.text
    assert "−¥1,200.00" in detail.text and "−¥300.00" in detail.text
    assert story["sha256"] in detail.text
    zh = anonymous.get(f"/cases/{story['case'].ref}", headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 200 and "¥1,200.00" in zh.text


def test_pages_have_empty_states(ctx: Any, client: Any, app: Any) -> None:
    anonymous = app.test_client()
    page = anonymous.get("/transparency", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "¥0.00" in page.text and 'class="empty"' in page.text
    case, _ = _published(client)
    detail = anonymous.get(f"/cases/{case.ref}", headers={"Accept-Language": "en"})
    assert detail.status_code == 200 and "No money has moved for this case yet." in detail.text
    body = anonymous.get(f"/api/v1/transparency/ledger?case_ref={case.ref}").json
    assert body == {"items": [], "total": 0, "page": 1, "per_page": 20, "pages": 0}
    summary = anonymous.get("/api/v1/transparency/summary").json
    assert summary["raised_fen"] == 0 and summary["median_hours_to_funded"] is None


def test_months_are_shanghai_months(ctx: Any, client: Any) -> None:
    case, _ = _published(client)
    case.published_at = datetime(2026, 1, 31, 17, 30, tzinfo=UTC)  # 1 February, 01:30 in Beijing
    case.funded_at = datetime(2026, 2, 2, 17, 30, tzinfo=UTC)
    case.disbursing_at = datetime(2026, 2, 1, 17, 30, tzinfo=UTC)  # paid out before funded
    db.session.commit()
    months = {r["month"]: r for r in transparency.by_month()}
    assert months["2026-02"]["cases_published"] == 1 and "2026-01" not in months
    assert months["2026-02"]["cases_funded"] == 1
    summary = transparency.summary()
    assert summary["median_hours_to_funded"] == 48.0
    assert summary["median_hours_funded_to_disbursed"] == 0.0


def test_bad_ledger_queries_are_json_errors(ctx: Any, client: Any) -> None:
    draft_sw = token_for(make_user(Role.social_worker))
    from tests.conftest import case_payload

    draft = client.post("/api/v1/cases", json=case_payload(), headers=draft_sw).json["ref"]
    for query, status in (
        ("case_ref=JJN-NOPE", 404),
        (f"case_ref={draft}", 404),  # a draft does not exist in public
        ("page=0", 422),
        ("page=abc", 422),
        ("per_page=1000", 422),
        ("page=-1", 422),
        ("case_ref=" + "x" * 200, 422),
    ):
        rv = client.get(f"/api/v1/transparency/ledger?{query}")
        assert rv.status_code == status, (query, rv.json)
        assert rv.json["error"] and "details" in rv.json
    case, _ = _published(client)
    for query in ("page=100000&per_page=100", f"page=100000&per_page=100&case_ref={case.ref}"):
        far = client.get(f"/api/v1/transparency/ledger?{query}")
        assert far.status_code == 200 and far.json["items"] == [] and far.json["total"] == 0


# ---- (d) privacy -----------------------------------------------------------------------------


def test_no_private_value_on_transparency_pages_or_responses(
    ctx: Any, client: Any, app: Any
) -> None:
    story = _story(client)
    ref = story["case"].ref
    anonymous = app.test_client()
    urls = [
        "/transparency",
        f"/cases/{ref}",
        "/api/v1/transparency/summary",
        "/api/v1/transparency/ledger",
        f"/api/v1/transparency/ledger?case_ref={ref}",
    ]
    for lang in ("zh-CN", "en"):
        for url in urls:
            response = anonymous.get(url, headers={"Accept-Language": lang})
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            if "ledger" in url or url.startswith("/cases"):
                assert ref in body, url  # the probe really looked at the case's money
            for secret in [*HOUSEHOLD_SECRETS, BENEFICIARY]:
                assert secret not in body, (url, secret)
