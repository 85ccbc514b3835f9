"""On a phone the header is one short row with a "Menu" button that opens the navigation; on a
desktop the navigation is inline and the button hidden (issue 12). The home page never scrolls
sideways at 375 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_phone_header_opens_its_menu(
    browser: Browser, base_url: str, language: str, load_demo_data: Any
) -> None:
    load_demo_data(4)
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.goto(base_url + "/")
    header = page.locator("header.site-header").bounding_box()
    assert header is not None and header["height"] <= 0.1 * 812  # was 22% of the screen
    toggle = page.locator(".menu-toggle")
    nav = page.locator("nav.main-nav")
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    assert toggle.bounding_box()["height"] >= 44  # a thumb can hit it
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for link in nav.locator("a").all():
        assert link.bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    toggle.click()
    expect(nav).to_be_hidden()
    context.close()


def test_desktop_header_is_inline(browser: Browser, base_url: str, load_demo_data: Any) -> None:
    load_demo_data(4)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/")
    expect(page.locator(".menu-toggle")).to_be_hidden()
    expect(page.locator("nav.main-nav")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    context.close()
