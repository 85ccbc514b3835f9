"""What donors see (issue 12, item 4): a case page with preset amounts, a locally made QR code
of its link, a "why you can trust this case" box and a phone help bar; and the donor's dashboard
with totals and, per gift, the case by its title, its progress, the share of the gift passed on
to the household, and how the case ended. Real ledger flows, real database."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import OrgKind, Role, User
from marketplace.cases import lifecycle
from marketplace.cases.models import Case, FollowUp
from marketplace.disbursements import services as payouts
from marketplace.donors import services as donors
from marketplace.donors.models import Pledge
from marketplace.extensions import db
from marketplace.public import services as public
from tests.conftest import csrf_from, login, make_user
from tests.integration.test_plans import _published

EN = {"Accept-Language": "en"}
GOVERNMENT_FEN = 2_000_000 + 500_000  # the two paid payouts of case_payload()


def _custodian() -> User:
    return make_user(Role.reviewer, OrgKind.custodian, "荆州市慈善总会")


def _cash_line(case: Case) -> int:
    return next(n.id for n in case.need_lines if n.kind == "cash")


def _pay_out(case: Case, amount_fen: int, custodian: User) -> None:
    worker = case.owner
    request = payouts.request_disbursement(
        worker,
        case,
        {
            "need_line_id": _cash_line(case),
            "amount_fen": amount_fen,
            "payee_kind": "vendor",
            "payee_name": "荆州市中心医院",
            "purpose": "住院费用",
            "invoice_ref": "INV-1",
        },
    )
    payouts.approve(custodian, request)
    db.session.commit()


def _gift(donor: User, case: Case, fen: int, paid: bool = True) -> Pledge:
    pledge = donors.create_case_pledge(donor, case, fen, need_line_id=_cash_line(case))
    if paid:
        donors.record_payment(pledge)
    db.session.commit()
    return pledge


# ---- the case page ----------------------------------------------------------------------------


def test_the_trust_box_names_organizations_money_and_the_trail(ctx: Any, client: Any) -> None:
    custodian = _custodian()
    case, _ = _published(client)
    reviewer = db.session.get(User, case.reviewed_by_id)
    reviewer.display_name = "赵审核员"  # a person: never on the public page
    db.session.commit()
    page = client.get(f"/cases/{case.ref}", headers=EN).text
    box = page[page.index('class="trust-box"') : page.index("</section>", page.index("trust-box"))]
    assert "沙市区民政局" in box  # recorded by the case's organization
    reviewed = re.search(r'class="trust-reviewed">(.*?)</li>', box, re.S).group(1)
    assert "平台审核" in reviewed
    assert str(case.reviewed_at.year) in reviewed  # the review's date, shown with the name
    assert "¥25,000.00" in box and "Medical assistance" in box and "Temporary assistance" in box
    assert custodian.organization.name in box
    assert 'href="#money-trail"' in box and 'id="money-trail"' in page
    assert "赵审核员" not in page and reviewer.email not in page
    assert public.trust(case)["government_paid_fen"] == GOVERNMENT_FEN


def test_preset_amounts_post_the_right_fen_and_a_typed_amount_wins(ctx: Any, client: Any) -> None:
    case, _ = _published(client)
    donor = make_user(Role.donor)
    login(client, donor.email)
    page = client.get(f"/cases/{case.ref}").text
    for yuan in (20, 50, 100, 200, 500):
        assert f'name="preset" value="{yuan}"' in page
    assert re.search(r'<input name="amount" inputmode="decimal"', page)
    token = csrf_from(page)
    for form, fen in (
        ({"preset": "50", "amount": ""}, 5_000),  # a chip
        ({"preset": "50", "amount": "88.5"}, 8_850),  # a typed amount wins over the chip
    ):
        rv = client.post(
            f"/cases/{case.ref}/pledge",
            data={"csrf_token": token, "need_line_id": "", "fallback": "similar", **form},
        )
        assert rv.status_code == 302, rv.text
        newest = db.session.scalars(
            select(Pledge.amount_fen).where(Pledge.donor_id == donor.id).order_by(Pledge.id.desc())
        ).first()
        assert newest == fen
    # nothing chosen, nothing typed: the form again with a message, no pledge
    rv = client.post(
        f"/cases/{case.ref}/pledge", data={"csrf_token": token, "amount": ""}, headers=EN
    )
    assert rv.status_code == 302 and rv.headers["Location"].endswith("#pledge")
    assert len(db.session.scalars(select(Pledge).where(Pledge.donor_id == donor.id)).all()) == 2


def test_the_share_box_has_a_local_qr_code_of_the_absolute_url(ctx: Any, client: Any) -> None:
    import segno

    case, _ = _published(client)
    page = client.get(f"/cases/{case.ref}").text
    url = f"http://localhost/cases/{case.ref}"
    assert f'value="{url}"' in page
    svg = public.share_qr_svg(url)
    assert svg.startswith("<svg") and svg in page
    # the same code segno makes for that URL (so it encodes the URL), and no remote image
    expected = segno.make(url, error="m")
    assert f'width="{(expected.symbol_size(scale=4, border=2)[0])}"' in svg
    assert "<img" not in page[page.index("share-qr") : page.index("</figure>")]


def test_the_help_bar_shows_only_while_the_case_takes_money(ctx: Any, client: Any) -> None:
    case, _ = _published(client)
    page = client.get(f"/cases/{case.ref}").text
    assert 'class="help-bar"' in page and "has-help-bar" in page
    assert re.search(r'class="help-bar">.*?href="#pledge"', page, re.S)
    case.status = "closed"
    db.session.commit()
    page = client.get(f"/cases/{case.ref}").text
    assert 'class="help-bar"' not in page and "has-help-bar" not in page


# ---- the donor's dashboard ------------------------------------------------------------------


def _dashboard_story(client: Any) -> dict[str, Any]:
    """Two cases; the donor's gifts: one that funds part of a case later paid out and closed,
    one on a case partly paid out, one refunded and one still waiting for payment."""
    custodian = _custodian()
    me = make_user(Role.donor, email="me@example.org")
    closed, _ = _published(client)
    closed.title = "住院治疗后的自付费用缺口"
    db.session.commit()
    mine_closed = _gift(me, closed, 1_000_000)
    _gift(make_user(Role.donor), closed, 2_800_000)  # the rest of the 38,000 yuan line
    _pay_out(closed, 3_800_000, custodian)
    lifecycle.close_case(closed.owner, closed, "resolved", "王秀英已出院,住院费已结清。")
    follow_up = db.session.scalar(
        select(FollowUp).where(FollowUp.case_id == closed.id, FollowUp.days == 30)
    )
    lifecycle.answer_follow_up(closed.owner, follow_up, "resolved", "已恢复工作。")
    db.session.commit()

    open_case, _ = _published(client)
    mine_open = _gift(me, open_case, 200_000)
    _gift(make_user(Role.donor), open_case, 300_000)
    _pay_out(open_case, 120_000, custodian)
    refunded = _gift(me, open_case, 30_000)
    donors.record_refund(refunded, 30_000)
    pending = _gift(me, open_case, 50_000, paid=False)
    db.session.commit()
    return {
        "me": me,
        "closed": closed,
        "open": open_case,
        "pledges": (mine_closed, mine_open, refunded, pending),
    }


def test_the_dashboard_totals_and_each_gift_follow_the_ledger(ctx: Any, client: Any) -> None:
    story = _dashboard_story(client)
    mine_closed, mine_open, refunded, pending = story["pledges"]
    assert refunded.status.value == "refunded"
    view = donors.donor_dashboard(story["me"])
    totals = view["totals"]
    assert totals["given_fen"] == 1_000_000 + 200_000 + 30_000 + 50_000
    assert totals["paid_fen"] == 1_000_000 + 200_000 + 30_000
    assert totals["refunded_fen"] == 30_000
    # the closed case paid out everything it received: the whole gift went on; the open case
    # paid out 120,000 of the 500,000 fen it holds: 200,000 * 120,000 // 500,000
    gifts = {g["pledge"].id: g for g in view["gifts"]}
    assert gifts[mine_closed.id]["passed_on_fen"] == 1_000_000
    assert gifts[mine_open.id]["passed_on_fen"] == 48_000
    assert gifts[refunded.id]["passed_on_fen"] == 0
    assert totals["passed_on_fen"] == 1_048_000
    closed_view = gifts[mine_closed.id]["case"]
    assert closed_view["title"] == "住院治疗后的自付费用缺口"
    assert closed_view["outcome"]["outcome"] == "resolved"
    assert [p["amount_fen"] for p in closed_view["payouts"]] == [3_800_000]
    assert gifts[mine_open.id]["case"]["funded_fen"] == 500_000
    assert gifts[mine_open.id]["case"]["needed_fen"] == 3_800_000
    assert gifts[pending.id]["case"]["payouts"] == []


def test_the_dashboard_page_shows_titles_totals_outcomes_and_no_names(
    ctx: Any, client: Any
) -> None:
    story = _dashboard_story(client)
    login(client, story["me"].email)
    page = client.get("/me/pledges", headers=EN).text
    assert re.search(r'class="total-given">¥12,800.00<', page)
    assert re.search(r'class="total-paid">¥12,300.00<', page)
    assert re.search(r'class="total-passed-on">¥10,480.00<', page)
    assert re.search(r'class="total-refunded">¥300.00<', page)
    assert f'<a href="/cases/{story["closed"].ref}">住院治疗后的自付费用缺口</a>' in page
    assert f'<a href="/cases/{story["open"].ref}">Medical need in 沙市区</a>' in page
    assert "¥480.00 of ¥2,000.00" in page
    assert "The crisis is resolved" in page and "住院费已结清" in page and "已恢复工作" in page
    assert "王秀英" not in page  # the outcome note is shown scrubbed
    assert ">Awaiting payment<" in page and ">Refunded<" in page
    # one gift's page shows the same facts
    mine_closed = story["pledges"][0]
    detail = client.get(f"/me/pledges/{mine_closed.id}", headers=EN).text
    assert "住院治疗后的自付费用缺口" in detail and "¥10,000.00 of ¥10,000.00" in detail


def test_a_donor_sees_only_their_own_gifts(ctx: Any, client: Any) -> None:
    story = _dashboard_story(client)
    other = make_user(Role.donor, email="other@example.org")
    login(client, other.email)
    page = client.get("/me/pledges", headers=EN).text
    assert "You have not pledged yet." in page and 'href="/cases"' in page
    assert story["closed"].ref not in page and "住院治疗后的自付费用缺口" not in page
    for pledge in story["pledges"]:
        assert client.get(f"/me/pledges/{pledge.id}").status_code == 404
    assert donors.donor_dashboard(other)["totals"]["paid_fen"] == 0


def test_the_dashboard_pages_through_many_gifts(ctx: Any, client: Any) -> None:
    case, _ = _published(client)
    me = make_user(Role.donor)
    for _ in range(12):
        _gift(me, case, 10_000)
    login(client, me.email)
    first = client.get("/me/pledges", headers=EN).text
    assert first.count('<li class="gift">') == 10 and "Page 1 of 2" in first
    second = client.get("/me/pledges?page=2", headers=EN).text
    assert second.count('<li class="gift">') == 2
    # totals cover every gift, not just the page
    assert re.search(r'class="total-paid">¥1,200.00<', second)
    assert client.get("/me/pledges?page=abc").status_code == 200
