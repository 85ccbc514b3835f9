"""Browser: a donor finds a published case, pledges, pays on the fake checkout, and the case page
shows the new figure (the money came through the signed webhook path and the ledger)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.cases.models import Case
from marketplace.cases.states import CaseStatus
from marketplace.extensions import db
from marketplace.ledger.services import verify

PASSWORD = "demo-password-2026"


@pytest.mark.e2e
def test_donor_pledges_and_pays(
    page: Page, live_server: str, app: Any, load_demo_data: Any, artifacts_dir: Path
) -> None:
    load_demo_data(6)
    with app.app_context():
        case = db.session.scalars(
            select(Case)
            .where(Case.status == CaseStatus.published, Case.open_fen >= 100_000)
            .order_by(Case.id)
        ).first()
        assert case is not None
        ref, open_before = case.ref, case.open_fen
        from marketplace.cases.services import public_view
        from marketplace.donors.funds import match_offers

        # the demo's company fund matches gifts to medical cases 1:1 up to ¥500 a gift
        match = sum(
            min(30_000 * f.match_ratio // 100, f.match_cap_per_gift_fen or 30_000)
            for f in match_offers(case)
        )
        funded_after = public_view(case)["funded_fen"] + 30_000 + match
    page.goto(f"{live_server}/login")
    page.locator("[name=email]").fill("donor@demo.jjn.cn")
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header form[action$='/logout'] button")).to_be_visible()

    page.goto(f"{live_server}/cases?q={ref}")
    page.locator(f"a[href$='/cases/{ref}']").first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{ref}$"))
    page.locator("#pledge [name=amount]").fill("300")
    page.screenshot(path=str(artifacts_dir / "pledge-01-case.png"), full_page=True)
    page.locator("#pledge button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/payments/fake/checkout/cs_fake_"))
    expect(page.locator(".big-amount")).to_contain_text("300.00")
    page.screenshot(path=str(artifacts_dir / "pledge-02-checkout.png"), full_page=True)
    page.locator("main form").first.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/me/pledges/\d+$"))
    expect(page.locator(".pledge-paid")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "pledge-03-paid.png"), full_page=True)

    page.goto(f"{live_server}/cases/{ref}")
    expect(page.locator(".arith")).to_contain_text(f"¥{funded_after / 100:,.2f}")
    expect(page.locator("main")).to_contain_text("爱心人士")
    page.screenshot(path=str(artifacts_dir / "pledge-04-case-after.png"), full_page=True)
    with app.app_context():
        after = db.session.scalar(select(Case).where(Case.ref == ref))
        assert after.open_fen == open_before - 30_000 - match
        assert verify() == []
