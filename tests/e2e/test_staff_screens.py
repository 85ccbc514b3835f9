"""The auditor's and admin's screens on a phone (375 px) and a desktop (1280 px), in Chinese and
English: every page answers without an error and never scrolls sideways; tables scroll inside
their own box. Screenshots go to the artifacts directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

PAGES = {
    "auditor@demo.jjn.cn": ["/audit/ledger", "/audit/ledger/1", "/audit/log"],
    "admin@demo.jjn.cn": [
        "/admin/users",
        "/admin/organizations",
        "/admin/users/new",
        "/admin/users/1",
    ],
}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("width", [375, 1280])
def test_staff_pages_fit_the_screen(
    browser: Browser,
    base_url: str,
    load_demo_data: Any,
    artifacts_dir: Path,
    server_errors: list[str],
    language: str,
    width: int,
) -> None:
    load_demo_data(4)
    for email, paths in PAGES.items():
        context = browser.new_context(
            viewport={"width": width, "height": 812},
            locale=language,
            extra_http_headers={"Accept-Language": language},
        )
        page = context.new_page()
        page.goto(base_url + "/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", "demo-password-2026")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)
        for path in paths:
            response = page.goto(base_url + path)
            assert response is not None and response.status == 200, (email, path)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, (path, scroll)
            name = f"staff-{language}-{width}{path.replace('/', '_')}.png"
            page.screenshot(path=str(artifacts_dir / name), full_page=True)
            if width == 375:
                for button in page.locator("main button:visible").all():
                    box = button.bounding_box()
                    assert box is None or box["height"] >= 44, (path, button.inner_text())
        context.close()
    assert server_errors == []
