"""In a real browser, the Content-Security-Policy blocks nothing the pages need.

Chromium reports every blocked script, style, image, form target or frame as a
``securitypolicyviolation`` event and a console message; both are collected on the public pages
(home, case list, a case page, transparency, API docs), and, signed in as a social worker, on
the dashboard, the intake form (whose "add a row" button needs the site's script) and a case's
manage page. The count must be 0.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-2026"
SOCIAL_WORKER = "sw.shashi@demo.jjn.cn"

# Runs before any page script, outside the page's CSP (injected by the browser driver).
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


class Watch:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.visited: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.console.append(f"{self.page.url}: {text}")

    def visit(self, path: str) -> Any:
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        assert "frame-ancestors 'none'" in (response.headers.get("content-security-policy") or "")
        self.check()
        return response

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        violations = self.page.evaluate("window.__cspViolations")
        self.visited.append(self.page.url)
        assert violations == [], (self.page.url, violations)
        assert self.console == [], self.console


def test_pages_load_without_csp_violations(page: Page, load_demo_data: Any) -> None:
    load_demo_data(8)
    page.set_default_timeout(10_000)
    watch = Watch(page)

    watch.visit("/")
    watch.visit("/cases")
    case_href = page.locator("a[href^='/cases/JJN-']").first.get_attribute("href")
    assert case_href
    watch.visit(case_href)
    bar = page.locator("progress.progress").first
    expect(bar).to_be_visible()
    assert bar.bounding_box()["width"] > 100  # the bar is laid out by the stylesheet
    watch.visit("/transparency")
    watch.visit("/transparency/districts")
    watch.visit("/transparency/organizations")
    watch.visit("/api/docs")
    watch.visit("/open-data")
    # the stylesheet applied (a rule of site.css, not the browser's default)
    assert page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position") == (
        "absolute"
    )

    watch.visit("/login")
    page.fill("input[name=email]", SOCIAL_WORKER)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/work$"))
    watch.check()

    watch.visit("/work/cases/new")
    cards = page.locator("[data-rows=payout] [data-row]")
    expect(page.locator("#step-payouts")).to_be_hidden()  # site.js runs the form as steps
    page.locator("#step-household [data-step-next]").click()
    before = cards.count()
    page.locator("[data-add-row=payout]").click()  # site.js (allowed by 'self') adds a card
    expect(cards).to_have_count(before + 1)
    watch.check()

    watch.visit("/work")
    # the watch sees a violation: an inline script injected into the page is refused
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None
    assert "script-src" in page.evaluate("window.__cspViolations")[0]
    assert any("script-src" in line for line in watch.console)
    watch.console.clear()
    manage = page.locator("a[href^='/work/cases/JJN-']").first.get_attribute("href")
    assert manage
    watch.visit(manage)
    assert len(watch.visited) >= 12
