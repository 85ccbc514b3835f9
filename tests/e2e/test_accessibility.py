"""axe-core (tests/e2e/vendor/axe.min.js, from the npm registry) finds no serious or critical
accessibility violation on the key pages, in zh_CN and in en, on a phone and on a desktop
(issue 12).

axe is injected by the browser driver (``page.evaluate`` with the file's text, which the page's
Content-Security-Policy does not see); it is a test asset and never served to users.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.conftest import DEMO_PASSWORD, PAGE_SHOTS

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")

# role -> the key pages it opens (the public pages signed out)
KEY_PAGES: dict[str, dict[str, str]] = {
    "public": {
        "home": "/",
        "case list": "/cases",
        "case page": "/cases/{case_ref}",
        "transparency": "/transparency",
        "login": "/login",
    },
    "social_worker": {
        "intake form": "/work/cases/new",
        "notifications": "/notifications",
    },
    "donor": {
        "donor dashboard": "/me/pledges",
        "donor's case page": "/cases/{case_ref}",
        "notifications": "/notifications",
    },
}
ACCOUNTS = {"social_worker": "sw.shashi@demo.jjn.cn", "donor": "donor@demo.jjn.cn"}
CASES = [(role, lang) for role in KEY_PAGES for lang in ("zh-CN", "en")]


@pytest.fixture
def _clean_database() -> None:
    """The demo data stays for the whole module (``demo_site`` empties the tables at its end)."""


@pytest.fixture
def role_page(
    browser: Browser, base_url: str, request: pytest.FixtureRequest
) -> Iterator[tuple[Page, BrowserContext]]:
    role, language = request.param
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": 375, "height": 812},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    email = ACCOUNTS.get(role)
    if email:
        page.goto("/login")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "/login" not in page.url
    try:
        yield page, context
    finally:
        context.close()


def _axe(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # page.add_script_tag() injects an inline <script>, which the CSP refuses
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary)
            }));
        }"""
    )
    return list(result)


@pytest.mark.parametrize(
    "role_page", CASES, ids=[f"{role}-{lang}" for role, lang in CASES], indirect=True
)
def test_key_pages_have_no_serious_violations(
    role_page: tuple[Page, BrowserContext],
    demo_site: dict[str, Any],
    request: pytest.FixtureRequest,
) -> None:
    page, _ = role_page
    role, language = request.node.callspec.params["role_page"]
    problems: list[str] = []
    counts: dict[str, dict[str, int]] = {}
    for name, path in KEY_PAGES[role].items():
        url = path.format(**demo_site)
        for width, height in ((375, 812), (1280, 800)):
            page.set_viewport_size({"width": width, "height": height})
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response)
            violations = _axe(page)
            tally = counts.setdefault(f"{name} {width}", {})
            for violation in violations:
                impact = violation["impact"] or "minor"
                tally[impact] = tally.get(impact, 0) + 1
                if impact not in BLOCKING:
                    print(f"  {name} {width}: {impact} {violation['id']}: {violation['nodes'][:2]}")
                else:
                    problems.append(
                        f"{name} ({url}) as {role}, {language}, {width} px: {impact}"
                        f" {violation['id']}: {violation['help']}\n    "
                        + "\n    ".join(violation["nodes"][:5])
                    )
    PAGE_SHOTS.mkdir(parents=True, exist_ok=True)
    (PAGE_SHOTS / f"axe-{role}-{language}.json").write_text(
        json.dumps(counts, ensure_ascii=False, indent=1)
    )
    print(f"\naxe {role} {language}: {counts}")
    assert not problems, "\n".join(["axe-core: serious or critical violations", *problems])
