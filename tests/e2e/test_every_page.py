"""Every GET page fits the screen: on a phone (375x812) and on a desktop (1280x800), in zh_CN and
in en, for the public and for each role (issue 12).

The pages come from the app's ``url_map``: every GET rule is either in ``PAGES`` (with the roles
that open it and, for rules with arguments, sample values from the demo data) or in ``EXCLUDED``
(with the reason). A new GET route that is in neither fails ``test_every_get_route_is_listed``,
so a new screen gets measured as soon as it is merged.

A page fails when ``document.documentElement.scrollWidth`` is wider than the viewport (the page
scrolls sideways; the message names the elements that stick out), when on the phone a button,
form field or menu link is smaller than 44 px, when it does not answer 200 for a role the table
lists, or when it is not in the language asked for. A screenshot of every page at both widths is
written to ``tests/e2e/artifacts/<page>-<role>-<lang>-<width>.png`` on each run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.conftest import DEMO_PASSWORD, PAGE_SHOTS

pytestmark = pytest.mark.e2e

VIEWPORTS = ((375, 812), (1280, 800))
LANGUAGES = ("zh-CN", "en")

# who signs in for each role (README, "demo accounts"); None is the public, signed out
ACCOUNTS: dict[str, str | None] = {
    "public": None,
    "social_worker": "sw.shashi@demo.jjn.cn",
    "reviewer": "reviewer.shashi@demo.jjn.cn",  # the social worker's own office
    "platform_reviewer": "reviewer@demo.jjn.cn",  # verifies NGOs, reviews every office
    "custodian": "custodian@demo.jjn.cn",  # approves payouts
    "ngo_staff": "ngo.harbor@demo.jjn.cn",  # the NGO with the demo's referral
    "donor": "donor@demo.jjn.cn",
    "company_staff": "csr.changjiang@demo.jjn.cn",  # the company with the demo's fund
    "auditor": "auditor@demo.jjn.cn",
    "admin": "admin@demo.jjn.cn",
}
EVERYONE = frozenset(ACCOUNTS)
SIGNED_IN = EVERYONE - {"public"}
# the case office's staff (sw.shashi's office) and the platform reviewer see a case's internals
CASE_OFFICE = frozenset({"social_worker", "reviewer", "platform_reviewer"})


@dataclass(frozen=True)
class Screen:
    path: str  # str.format()ed with the demo samples (tests/e2e/conftest.py ``demo_site``)
    roles: frozenset[str]  # who opens it; each must get a 200
    # a stored document shown as it was published (not in the reader's language)
    as_published: bool = False


# Which role opens which page. Every role also opens the public pages: its header differs.
PAGES: dict[str, Screen] = {
    # public
    "public.index": Screen("/", EVERYONE),
    "public.case_list": Screen("/cases", EVERYONE),
    "public.case_detail": Screen("/cases/{case_ref}", EVERYONE),
    "public.projects": Screen("/projects", EVERYONE),
    "public.company": Screen("/companies/{company_id}", EVERYONE),
    "public.ngo": Screen("/ngos/{ngo_id}", EVERYONE),
    "transparency.index": Screen("/transparency", EVERYONE),
    "transparency.districts_page": Screen("/transparency/districts", EVERYONE),
    "transparency.organizations_page": Screen("/transparency/organizations", EVERYONE),
    "reports.index": Screen("/transparency/reports", EVERYONE),
    "reports.show": Screen("/transparency/reports/{month}", EVERYONE, as_published=True),
    "opendata.about": Screen("/open-data", EVERYONE),
    "core.api_docs": Screen("/api/docs", EVERYONE),
    # signed out only (a signed-in user has no use for them)
    "accounts.login": Screen("/login", frozenset({"public"})),
    "accounts.register": Screen("/register", frozenset({"public"})),
    # every account
    "accounts.settings": Screen("/settings", SIGNED_IN),
    "notifications.index": Screen("/notifications", SIGNED_IN),
    # social workers and their office
    "cases.dashboard": Screen("/work", frozenset({"social_worker"})),
    "cases.new_case": Screen("/work/cases/new", frozenset({"social_worker"})),
    "cases.edit_case": Screen("/work/cases/{draft_ref}/edit", frozenset({"social_worker"})),
    "cases.manage": Screen("/work/cases/{case_ref}", CASE_OFFICE),
    "plans.plan_page": Screen("/work/cases/{case_ref}/plan", CASE_OFFICE),
    "disbursements.case_money": Screen(
        "/work/cases/{money_ref}/money", CASE_OFFICE | {"custodian", "auditor"}
    ),
    # reviewers
    "cases.review_queue": Screen("/review", frozenset({"reviewer", "platform_reviewer"})),
    "cases.review": Screen("/review/{submitted_ref}", frozenset({"reviewer", "platform_reviewer"})),
    "ngos.verify_queue": Screen("/review/ngos", frozenset({"platform_reviewer"})),
    # the custodian's payout queue (the case office and auditors see a payout too)
    "disbursements.queue": Screen("/work/disbursements", frozenset({"custodian"})),
    "disbursements.detail": Screen(
        "/work/disbursements/{disbursement_id}", CASE_OFFICE | {"custodian", "auditor"}
    ),
    # NGO staff
    "ngos.dashboard": Screen("/ngo", frozenset({"ngo_staff"})),
    "ngos.new_project": Screen("/ngo/projects/new", frozenset({"ngo_staff"})),
    "ngos.referral": Screen("/ngo/referrals/{referral_id}", frozenset({"ngo_staff"})),
    # donors (people and company staff give)
    "donors.my_pledges": Screen("/me/pledges", frozenset({"donor", "company_staff"})),
    "donors.pledge_detail": Screen("/me/pledges/{pledge_id}", frozenset({"donor"})),
    "donors.rule_pledge": Screen("/pledges/rule", frozenset({"donor", "company_staff"})),
    # company staff
    "donors.company_funds": Screen("/company/funds", frozenset({"company_staff"})),
    "donors.company_fund": Screen("/company/funds/{fund_id}", frozenset({"company_staff"})),
    # auditors: the ledger explorer and the audit log of private views
    "admin.ledger_page": Screen("/audit/ledger", frozenset({"auditor"})),
    "admin.entry_page": Screen("/audit/ledger/{entry_seq}", frozenset({"auditor"})),
    "admin.audit_log": Screen("/audit/log", frozenset({"auditor"})),
    # admins: organizations, users, roles, deactivation and API tokens
    "admin.organizations": Screen("/admin/organizations", frozenset({"admin"})),
    "admin.users": Screen("/admin/users", frozenset({"admin"})),
    "admin.new_user": Screen("/admin/users/new", frozenset({"admin"})),
    "admin.user_page": Screen("/admin/users/{user_id}", frozenset({"admin"})),
}

# the innermost elements that stick out on the right (to tell where to look)
CULPRITS = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 0.5 || box.width === 0) continue;
    if ([...el.children].some((c) => c.getBoundingClientRect().right > width + 0.5)) continue;
    let scrolls = false;
    for (let up = el.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (["auto", "scroll", "hidden"].includes(style.overflowX)) {
        scrolls = true;
        break;
      }
    }
    if (scrolls) continue;
    const name = el.tagName.toLowerCase() + (el.className && typeof el.className === "string"
      ? "." + el.className.trim().split(/\\s+/).join(".") : "");
    out.push(name + " (" + Math.round(box.width) + " px wide, right edge "
      + Math.round(box.right) + ")");
  }
  return [...new Set(out)].slice(0, 4);
}"""

# controls a thumb must hit, smaller than 44 px on a phone (a checkbox or radio counts by its label)
SMALL_TARGETS = """() => {
  const out = [];
  const controls = document.querySelectorAll(
    "button, .button, input:not([type=hidden]), select, textarea, nav a, [role=button]");
  for (const el of controls) {
    let target = el;
    if (el.type === "checkbox" || el.type === "radio") target = el.closest("label") || el;
    const box = target.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.height >= 43.5 && box.width >= 43.5) continue;
    // a field is named by its name, never by what is typed in it (private case data)
    const text = (["BUTTON", "A"].includes(el.tagName) ? el.innerText
      : el.name || el.getAttribute("aria-label") || "").trim();
    out.push(el.tagName.toLowerCase() + (el.type ? "[" + el.type + "]" : "") + " \\"" +
      text.slice(0, 20) + "\\" " + Math.round(box.width) + "x" + Math.round(box.height));
  }
  return out;
}"""

# GET routes that are not pages to measure, and why.
EXCLUDED: dict[str, str] = {
    "static": "files (CSS, JS, images), not pages",
    "core.healthz": "JSON health check for the load balancer",
    "core.readyz": "JSON readiness check for the load balancer",
    "api-docs.openapi_json": "the OpenAPI document (JSON); its page /api/docs is measured",
    "reports.pdf": "a download (PDF)",
    "reports.xlsx": "a download (XLSX)",
    "disbursements.download": "a receipt file download (PDF or image)",
    "payments.fake_checkout": "the local fake of the payment gateway's hosted checkout, a redirect"
    " target of a pledge (opening it takes a pending pledge's session id), not one of our pages",
}
# and every rule under /api/ (JSON API, described on /api/docs and tested by tests/api)
EXCLUDED_PREFIXES = ("/api/v1/",)


def _get_rules(app: Flask) -> dict[str, str]:
    return {
        rule.endpoint: rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and rule.endpoint not in EXCLUDED
        and not rule.rule.startswith(EXCLUDED_PREFIXES)
    }


def test_every_get_route_is_listed(app: Flask) -> None:
    rules = _get_rules(app)
    missing = sorted(set(rules) - set(PAGES))
    assert not missing, (
        "GET routes neither measured nor excluded: "
        + ", ".join(f"{endpoint} ({rules[endpoint]})" for endpoint in missing)
        + ". Add each to PAGES in tests/e2e/test_every_page.py with the roles that open it (and a"
        " sample for each URL argument in demo_site, tests/e2e/conftest.py), or to EXCLUDED with"
        " the reason if it is not an HTML page."
    )
    gone = sorted(set(PAGES) - set(rules))
    assert not gone, f"PAGES lists endpoints the app no longer has: {gone}"


@pytest.fixture
def _clean_database() -> None:
    """The demo data stays for the whole module (``demo_site`` empties the tables at its end)."""


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/login" not in page.url, f"{email} could not sign in"


@pytest.fixture
def role_context(
    browser: Browser, base_url: str, request: pytest.FixtureRequest
) -> Iterator[BrowserContext]:
    role, language = request.param
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    context.set_default_timeout(15_000)
    try:
        email = ACCOUNTS[role]
        if email:
            _sign_in(context.new_page(), email)
        yield context
    finally:
        context.close()


CASES = [(role, language) for role in ACCOUNTS for language in LANGUAGES]


@pytest.mark.parametrize(
    "role_context", CASES, ids=[f"{r}-{lang}" for r, lang in CASES], indirect=True
)
def test_every_page_fits_the_screen(
    role_context: BrowserContext, demo_site: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    role, language = request.node.callspec.params["role_context"]
    lang = "zh_CN" if language == "zh-CN" else "en"
    PAGE_SHOTS.mkdir(parents=True, exist_ok=True)
    page = role_context.pages[0] if role_context.pages else role_context.new_page()
    problems: list[str] = []
    measured: list[str] = []
    started = time.monotonic()
    for endpoint, screen in PAGES.items():
        if role not in screen.roles:
            continue
        path = screen.path.format(**demo_site)
        page.set_viewport_size({"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})
        response = page.goto(path)
        status = response.status if response else 0
        if status != 200:
            problems.append(f"{path} ({endpoint}) as {role}, {lang}: HTTP {status}")
            continue
        if urlparse(page.url).path != path:
            problems.append(f"{path} ({endpoint}) as {role}, {lang}: sent on to {page.url}")
            continue
        html_lang = page.evaluate("document.documentElement.lang")
        if html_lang != language and not screen.as_published:
            problems.append(f"{path} ({endpoint}) as {role}, {lang}: page is in {html_lang!r}")
        for width, height in VIEWPORTS:
            page.set_viewport_size({"width": width, "height": height})
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(
                path=str(PAGE_SHOTS / f"{endpoint}-{role}-{lang}-{width}.png"), full_page=True
            )
            measured.append(f"{endpoint} {width} {scroll_width}")
            if width < 800:
                small = page.evaluate(SMALL_TARGETS)
                if small:
                    problems.append(
                        f"{path} ({endpoint}) as {role}, {lang}, at {width} px: targets smaller"
                        f" than 44 px: {'; '.join(small[:6])}"
                    )
            if scroll_width > width:
                culprits = page.evaluate(CULPRITS, width)
                problems.append(
                    f"{path} ({endpoint}) as {role}, {lang}, at {width} px: the page is"
                    f" {scroll_width} px wide; sticking out: {'; '.join(culprits) or '?'}"
                )
    print(f"\n{role} {lang}: {len(measured)} measurements in {time.monotonic() - started:.1f}s")
    (PAGE_SHOTS / f"widths-{role}-{lang}.txt").write_text("\n".join(measured) + "\n")
    assert not problems, "\n".join(["pages wider than the screen or not shown:", *problems])
