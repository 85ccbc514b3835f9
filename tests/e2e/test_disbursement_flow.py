"""Browser: a custodian reviewer approves a disbursement; the public case trail and the
platform page show it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.disbursements.models import Disbursement, DisbursementStatus
from marketplace.extensions import db
from marketplace.i18n import format_fen
from marketplace.ledger.services import platform_totals, verify

PASSWORD = "demo-password-2026"


@pytest.mark.e2e
def test_custodian_approves_and_the_public_sees_it(
    page: Page, live_server: str, app: Any, load_demo_data: Any, artifacts_dir: Path
) -> None:
    load_demo_data(24)
    with app.app_context():
        waiting = db.session.scalars(
            select(Disbursement).where(Disbursement.status == DisbursementStatus.requested)
        ).first()
        assert waiting is not None, "the demo leaves one request for the custodian"
        did, ref, amount = waiting.id, waiting.case.ref, waiting.amount_fen
        disbursed_before = platform_totals()["disbursed_fen"]
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server}/login")
    page.locator("[name=email]").fill("custodian@demo.jjn.cn")
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/work/disbursements")
    page.locator(f"a[href$='/work/disbursements/{did}']").first.click()
    expect(page).to_have_url(re.compile(rf"/work/disbursements/{did}$"))
    page.screenshot(path=str(artifacts_dir / "disbursement-01-request.png"), full_page=True)
    page.locator("form[action$='/approve'] button").click()
    expect(page.locator("main")).to_contain_text(re.compile("已发放|已支付|Paid"))
    page.screenshot(path=str(artifacts_dir / "disbursement-02-paid.png"), full_page=True)
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(Disbursement, did).status == DisbursementStatus.paid
        totals = platform_totals()
        assert totals["disbursed_fen"] == disbursed_before + amount
        assert verify() == []
        shown_amount = format_fen(amount)
        shown_total = format_fen(totals["disbursed_fen"])
    page.context.clear_cookies()  # the public, signed out
    page.goto(f"{live_server}/cases/{ref}")
    trail = page.locator("main")
    expect(trail).to_contain_text(shown_amount)
    page.screenshot(path=str(artifacts_dir / "disbursement-03-trail.png"), full_page=True)
    page.goto(f"{live_server}/transparency")
    expect(page.locator("main")).to_contain_text(shown_total)
    page.screenshot(path=str(artifacts_dir / "disbursement-04-platform.png"), full_page=True)
