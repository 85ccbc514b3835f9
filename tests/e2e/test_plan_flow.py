"""Browser: a social worker builds and accepts a plan; the public case page shows it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.cases.models import Case
from marketplace.cases.states import CaseStatus
from marketplace.extensions import db
from marketplace.ledger.services import verify

PASSWORD = "demo-password-2026"


@pytest.mark.e2e
def test_social_worker_builds_and_accepts_a_plan(
    page: Page, live_server: str, app: Any, load_demo_data: Any, artifacts_dir: Path
) -> None:
    load_demo_data(24)
    with app.app_context():
        from marketplace.plans.services import matches

        worker = db.session.scalar(select(User).where(User.email == "sw.shashi@demo.jjn.cn"))
        candidates = db.session.scalars(
            select(Case)
            .where(
                Case.status == CaseStatus.published, Case.owner_id == worker.id, Case.open_fen > 0
            )
            .order_by(Case.id)
        ).all()
        case = next((c for c in candidates if any(m["sources"] for m in matches(c))), None)
        assert case is not None, "the demo has a case of this social worker with a fitting source"
        ref = case.ref
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server}/login")
    page.locator("[name=email]").fill("sw.shashi@demo.jjn.cn")
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/work/cases/{ref}/plan")
    expect(page.locator(".suggestions").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "plan-01-suggestions.png"), full_page=True)
    page.locator("form[action$='/plan/build'] button").click()
    expect(page.locator(".plan-current")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "plan-02-built.png"), full_page=True)
    page.locator("form[action*='/accept'] button").click()
    expect(page).to_have_url(re.compile(rf"/work/cases/{ref}/plan$"))
    expect(page.locator("main")).to_contain_text(re.compile("已确认的方案|Accepted plans"))
    page.goto(f"{live_server}/cases/{ref}")
    expect(page.locator(".plan-summary")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "plan-03-public.png"), full_page=True)
    with app.app_context():
        assert verify() == []
