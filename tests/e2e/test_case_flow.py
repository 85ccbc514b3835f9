"""End to end in a real browser: a case goes from intake through review to the public pages.

A social worker records a case (one paid government payout, one cash need, a summary with the
beneficiary's name and a phone number planted in it), saves and submits it; the reviewer of the
same civil-affairs office sees the scrubbed text and approves it; an anonymous visitor finds the
case in the public list and sees the need but neither the name nor the phone number. The whole
flow runs once per UI language, chosen with the header's language switch. The browser itself
asks for the *other* language (Accept-Language), so the switch is what decides.

Screenshots of every major step go to ``tests/e2e/artifacts/flows/<lang>-<step>.png``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-2026"
SOCIAL_WORKER = "sw.shashi@demo.jjn.cn"
REVIEWER = "reviewer.shashi@demo.jjn.cn"

BENEFICIARY = "王秀英"
PHONE = "13800138000"
SUMMARY = (
    f"患者{BENEFICIARY}突发脑出血住院治疗,家属联系电话{PHONE}。"
    "医保和医疗救助报销后,自付部分仍有较大缺口,家中另有一名在读子女。"
)
PAYOUT_YUAN = "5000"
PAYOUT_SHOWN = "¥5,000.00"
NEED_DESCRIPTION = "住院自付医疗费(直接支付医院)"
NEED_YUAN = "12345"
NEED_SHOWN = "¥12,345.00"

MANAGE_URL = re.compile(r"/work/cases/(JJN-[0-9A-Z]+)$")

LANGUAGES: dict[str, dict[str, str]] = {
    "zh_CN": {"html_lang": "zh-CN", "sign_in": "登录"},
    "en": {"html_lang": "en", "sign_in": "Sign in"},
}


class Flow:
    """The page plus the checks and screenshots shared by every step."""

    def __init__(
        self, page: Page, base_url: str, lang: str, shots: Path, server_errors: list[str]
    ) -> None:
        self.page = page
        self.base = base_url
        self.lang = lang
        self.shots = shots
        self.server_errors = server_errors
        self.bad_pages: list[str] = []
        page.set_default_timeout(10_000)
        page.on("response", self._watch)

    # ---- failure reporting ---------------------------------------------------------------

    def _watch(self, response: Response) -> None:
        request = response.request
        if response.status >= 400 and (
            response.status >= 500 or request.resource_type == "document"
        ):
            self.bad_pages.append(f"{request.method} {response.url} -> HTTP {response.status}")

    def _diagnosis(self) -> str:
        lines = []
        if self.bad_pages:
            lines.append("Failed responses:\n  " + "\n  ".join(self.bad_pages))
        if self.server_errors:
            lines.append("Errors logged by the app:\n" + "\n".join(self.server_errors))
        return "\n".join(lines)

    def check_healthy(self) -> None:
        """Fail, with the server's traceback if there is one, after any error page so far."""
        diagnosis = self._diagnosis()
        if diagnosis:
            self.page.screenshot(path=self.shots / f"{self.lang}-FAILED.png", full_page=True)
            shown = self.page.locator("main").inner_text(timeout=2_000)[:500]
            pytest.fail(
                f"[{self.lang}] at {self.page.url}:\n{diagnosis}\nThe page says: {shown}",
                pytrace=False,
            )

    def expect_url(self, pattern: re.Pattern[str]) -> None:
        """Wait for the page at ``pattern``; an error page on the way fails with its cause."""
        try:
            expect(self.page).to_have_url(pattern)
        except AssertionError:
            self.check_healthy()
            raise
        self.check_healthy()

    def shot(self, step: str) -> None:
        self.page.screenshot(path=self.shots / f"{self.lang}-{step}.png", full_page=True)
        self.check_healthy()

    def post(self, action: Callable[[], Any], path: str) -> None:
        """Run ``action`` (a click submitting a POST form to ``path``) and require a redirect."""

        def is_post(response: Response) -> bool:
            return response.request.method == "POST" and urlsplit(response.url).path == path

        with self.page.expect_response(is_post) as info:
            action()
        response = info.value
        self.page.wait_for_load_state()
        if response.status in (302, 303):
            self.check_healthy()
            return
        shown = self.page.locator(".flash, .error-summary, .field-error, ul.problems li")
        messages = [t.strip() for t in shown.all_inner_texts() if t.strip()]
        self.page.screenshot(path=self.shots / f"{self.lang}-FAILED.png", full_page=True)
        pytest.fail(
            f"[{self.lang}] POST {path} answered HTTP {response.status} instead of a redirect.\n"
            f"Messages on the page: {messages or '(none)'}\n{self._diagnosis()}",
            pytrace=False,
        )

    # ---- common steps --------------------------------------------------------------------

    def switch_language(self) -> None:
        button = self.page.locator(f"header button[name=language][value={self.lang}]")
        self.post(button.click, "/language")
        self.expect_language()

    def expect_language(self) -> None:
        expected = LANGUAGES[self.lang]
        expect(self.page.locator("html")).to_have_attribute("lang", expected["html_lang"])
        expect(
            self.page.locator(f"header button[name=language][value={self.lang}]")
        ).to_have_attribute("aria-pressed", "true")

    def sign_in(self, email: str, step: str) -> None:
        page = self.page
        page.goto(f"{self.base}/login")
        self.switch_language()
        expect(page.locator("main h1"), f"the sign-in heading is not in {self.lang}").to_have_text(
            LANGUAGES[self.lang]["sign_in"]
        )
        page.locator("main [name=email]").fill(email)
        page.locator("main [name=password]").fill(PASSWORD)
        self.shot(step)
        self.post(page.locator("main form button[type=submit]").click, "/login")
        expect(page.locator("header form[action$='/logout'] button")).to_be_visible()
        self.expect_language()

    def sign_out(self) -> None:
        self.post(self.page.locator("header form[action$='/logout'] button").click, "/logout")
        expect(self.page.locator("header a[href$='/login']")).to_be_visible()


def expect_absent(text: str, places: Iterable[Any], what: str) -> None:
    for place in places:
        expect(place, f"{what} leaked").not_to_contain_text(text)


@pytest.mark.parametrize(
    "lang",
    [
        pytest.param("zh_CN", marks=pytest.mark.browser_context_args(locale="en-US")),
        pytest.param("en", marks=pytest.mark.browser_context_args(locale="zh-CN")),
    ],
)
def test_case_from_intake_to_public_page(
    page: Page,
    live_server: str,
    load_demo_data: Callable[..., None],
    artifacts_dir: Path,
    server_errors: list[str],
    lang: str,
) -> None:
    load_demo_data(n_cases=6)
    flow = Flow(page, live_server, lang, artifacts_dir, server_errors)
    recent = (date.today() - timedelta(days=5)).isoformat()

    # ---- the social worker records the case ----------------------------------------------
    flow.sign_in(SOCIAL_WORKER, "01-login-social-worker")
    flow.expect_url(re.compile(r"/work$"))
    page.locator(".page-head a[href$='/work/cases/new']").click()
    flow.expect_url(re.compile(r"/work/cases/new$"))
    flow.expect_language()

    form = page.locator("form.case-form")
    next_step = form.locator("fieldset.step:not([hidden]) [data-step-next]")
    # the form runs as steps (site.js): household -> payouts -> needs -> summary -> check
    form.locator("[name=private_name]").fill(BENEFICIARY)
    form.locator("[name=private_phone]").fill(PHONE)
    form.locator("[name=region]").fill("421002")
    form.locator("[name=household_size]").fill("4")
    form.locator("[name=age_band]").select_option("45-59")
    form.locator("[name=categories][value=medical]").check()
    next_step.click()
    form.locator("[name=payout-0-scheme]").select_option("medical")
    form.locator("[name=payout-0-amount]").fill(PAYOUT_YUAN)
    form.locator("[name=payout-0-status]").select_option("paid")
    form.locator("[name=payout-0-paid_on]").fill(recent)
    next_step.click()
    form.locator("[name=need-0-kind]").select_option("cash")
    form.locator("[name=need-0-category]").select_option("medical")
    form.locator("[name=need-0-description]").fill(NEED_DESCRIPTION)
    form.locator("[name=need-0-amount]").fill(NEED_YUAN)
    next_step.click()
    form.locator("[name=summary]").fill(SUMMARY)
    form.locator("[name=consent_publish]").check()
    form.locator("[name=consent_recorded_on]").fill(recent)
    form.locator("[name=consent_scope]").select_option("anonymized_publication")
    next_step.click()
    flow.shot("02-intake-form")

    flow.post(form.locator(".form-actions button[type=submit]").click, "/work/cases/new")
    flow.expect_url(MANAGE_URL)
    match = MANAGE_URL.search(page.url)
    assert match
    ref = match.group(1)
    expect(page.locator("main h1 .ref")).to_have_text(ref)
    expect(page.locator("main h1 .status-draft")).to_be_visible()
    problems = page.locator("ul.problems li").all_inner_texts()
    assert not problems, f"the saved draft cannot be submitted: {problems}"
    flow.shot("03-draft-saved")

    flow.post(page.locator(".submit-box button[type=submit]").click, f"/work/cases/{ref}/submit")
    flow.expect_url(MANAGE_URL)
    expect(page.locator("main h1 .status-submitted")).to_be_visible()
    flow.shot("04-submitted")
    flow.sign_out()

    # ---- the reviewer of the same office approves it --------------------------------------
    flow.sign_in(REVIEWER, "05-login-reviewer")
    flow.expect_url(re.compile(r"/review$"))
    queue_link = page.locator("main table").get_by_role("link", name=ref, exact=True)
    expect(queue_link).to_be_visible()
    flow.shot("06-review-queue")
    queue_link.click()
    flow.expect_url(re.compile(rf"/review/{ref}$"))

    preview = page.locator("main section.preview")
    expect(preview).to_contain_text("[手机号]")
    expect(preview).to_contain_text("[姓名]")
    expect(preview).to_contain_text(NEED_DESCRIPTION)
    expect(preview).to_contain_text(NEED_SHOWN)
    expect_absent(PHONE, [preview, page.locator("main")], "the planted phone number")
    expect_absent(BENEFICIARY, [preview, page.locator("main")], "the beneficiary's name")
    flow.shot("07-review-page")

    flow.post(page.locator("button[name=decision][value=approve]").click, f"/review/{ref}")
    flow.expect_url(re.compile(r"/review$"))
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_role("link", name=ref, exact=True)).to_have_count(0)
    flow.shot("08-approved")
    flow.sign_out()

    # ---- an anonymous visitor finds it -----------------------------------------------------
    flow.switch_language()
    expect(
        page.locator("header a[href$='/login']"), f"the header sign-in link is not in {lang}"
    ).to_have_text(LANGUAGES[lang]["sign_in"])
    page.locator("header nav a[href$='/cases']").click()
    flow.expect_url(re.compile(r"/cases$"))
    expect(page.locator(".case-card .ref", has_text=ref)).to_have_count(1)  # newest first

    filters = page.locator("form.filters")
    filters.locator("[name=q]").fill(ref)
    filters.locator("[name=category]").select_option("medical")
    filters.locator("button[type=submit]").click()
    flow.expect_url(re.compile(rf"/cases\?(.*&)?q={ref}(&|$)"))
    card = page.locator(".case-card")
    expect(card).to_have_count(1)
    expect(card.locator(".ref")).to_have_text(ref)
    expect(card.locator(".open-amount")).to_contain_text(NEED_SHOWN)
    expect_absent(PHONE, [card], "the planted phone number")
    expect_absent(BENEFICIARY, [card], "the beneficiary's name")
    flow.shot("09-public-search")

    card.locator("h3 a").click()
    flow.expect_url(re.compile(rf"/cases/{ref}$"))
    flow.expect_language()
    main = page.locator("main")
    expect(main.locator(".case-ref .ref")).to_have_text(ref)  # the title is the heading
    expect(main.locator(".summary")).to_contain_text("[手机号]")
    need_row = main.locator("table.table tbody tr", has_text=NEED_DESCRIPTION)
    expect(need_row).to_have_count(1)
    expect(need_row.locator("td.num").first).to_have_text(NEED_SHOWN)
    expect(main.locator(".money-box")).to_contain_text(PAYOUT_SHOWN)
    expect(main.locator(".money-box")).to_contain_text(NEED_SHOWN)
    expect_absent(PHONE, [main], "the planted phone number")
    expect_absent(BENEFICIARY, [main], "the beneficiary's name")
    html = page.content()
    assert PHONE not in html, "the planted phone number is in the public page's HTML"
    assert BENEFICIARY not in html, "the beneficiary's name is in the public page's HTML"
    flow.shot("10-public-case")
