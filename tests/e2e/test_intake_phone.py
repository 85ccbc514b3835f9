"""The intake form on a phone (issue 12): steps with Next / Back, payouts and needs as cards,
numeric keyboards, tap targets of 44 px, no sideways scroll at 375 px, one POST at the end.

Without JavaScript the same form shows every step on one page (checked too), and a validation
error opens the step that holds the first error.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "demo-password-2026"
SOCIAL_WORKER = "sw.shashi@demo.jjn.cn"
PHONE = {"width": 375, "height": 812}


def _sign_in(page: Page) -> None:
    page.goto("/login")
    page.locator("main [name=email]").fill(SOCIAL_WORKER)
    page.locator("main [name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/work$"))


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width} px wide"


def _small_targets(page: Page) -> list[str]:
    """Visible buttons, inputs and selects of the form shorter than 44 px (checkboxes count by
    their label)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'form.case-form button, form.case-form input, form.case-form select,'
              + ' form.case-form textarea, form.case-form label.check'))
            .filter(el => el.type !== 'hidden' && el.type !== 'checkbox' && el.offsetParent)
            .filter(el => el.getBoundingClientRect().height < 44)
            .map(el => (el.name || el.className || el.tagName) + ' '
                       + Math.round(el.getBoundingClientRect().height))"""
    )


def _household_then_payout(form: Locator, next_step: Locator) -> None:
    """The household step's required fields, on to the payouts step, a medical payout's scheme."""
    form.locator("[name=private_name]").fill("王秀英")
    form.locator("[name=region]").fill("421002")
    form.locator("[name=age_band]").select_option("45-59")
    form.locator("[name=categories][value=medical]").check()
    next_step.click()
    form.locator("[name=payout-0-scheme]").select_option("medical")


@pytest.mark.browser_context_args(viewport=PHONE, locale="zh-CN")
def test_intake_form_through_its_steps_on_a_phone(
    page: Page, load_demo_data: Any, artifacts_dir: Path, server_errors: list[str]
) -> None:
    load_demo_data(n_cases=2)
    page.set_default_timeout(10_000)
    recent = (date.today() - timedelta(days=5)).isoformat()
    _sign_in(page)
    page.goto("/work/cases/new")
    form = page.locator("form.case-form")
    steps = form.locator("fieldset.step")
    expect(steps).to_have_count(5)
    next_step = form.locator("fieldset.step:not([hidden]) [data-step-next]")

    def on_step(n: int) -> None:
        expect(form.locator("fieldset.step:not([hidden])")).to_have_count(1)
        expect(steps.nth(n - 1)).to_be_visible()
        expect(form.locator(".step-progress a[aria-current=step]")).to_have_attribute(
            "href", re.compile(r"#step-")
        )
        assert form.locator(".step-count").inner_text().startswith(f"第 {n} 步")
        _no_sideways_scroll(page)
        assert _small_targets(page) == []
        page.screenshot(path=str(artifacts_dir / f"intake-phone-step{n}.png"), full_page=True)

    # 1 household
    on_step(1)
    assert form.locator("[name=household_size]").get_attribute("inputmode") == "numeric"
    assert form.locator("[name=region]").get_attribute("inputmode") == "numeric"
    name = form.locator("[name=private_name]")
    assert name.bounding_box()["width"] > 250  # full width, not one character
    name.fill("王秀英")
    form.locator("[name=private_phone]").fill("13800138000")
    form.locator("[name=region]").fill("421002")
    form.locator("[name=household_size]").fill("3")
    form.locator("[name=age_band]").select_option("45-59")
    assert form.locator("[name=age_band]").bounding_box()["width"] > 250
    form.locator("[name=categories][value=medical]").check()
    next_step.click()

    # 2 payouts as cards: add one, remove it again
    on_step(2)
    cards = form.locator("[data-rows=payout] [data-row]")
    expect(cards).to_have_count(1)  # the spare blank cards for no-JS users are dropped
    amount = form.locator("[name=payout-0-amount]")
    assert amount.get_attribute("inputmode") == "decimal"
    assert amount.bounding_box()["width"] > 250
    form.locator("[name=payout-0-scheme]").select_option("medical")
    amount.fill("5000")
    form.locator("[name=payout-0-paid_on]").fill(recent)
    form.locator("[data-add-row=payout]").click()
    expect(cards).to_have_count(2)
    expect(cards.nth(1).locator("select").first).to_have_value("")
    assert cards.nth(1).locator("[name$=-amount]").get_attribute("name") == "payout-1-amount"
    cards.nth(1).locator("[data-remove-row]").click()
    expect(cards).to_have_count(1)
    next_step.click()

    # 3 needs: a cash need and a service need (units, numeric keyboard)
    on_step(3)
    form.locator("[name=need-0-category]").select_option("medical")
    form.locator("[name=need-0-description]").fill("住院自付医疗费")
    form.locator("[name=need-0-amount]").fill("12345")
    form.locator("[data-add-row=need]").click()
    form.locator("[name=need-1-kind]").select_option("service")
    expect(form.locator("[name=need-1-amount]")).to_be_hidden()
    units = form.locator("[name=need-1-units]")
    assert units.get_attribute("inputmode") == "numeric"
    form.locator("[name=need-1-category]").select_option("medical")
    form.locator("[name=need-1-description]").fill("康复训练")
    units.fill("6")
    form.locator("[name=need-1-unit_name]").fill("次")
    # Back keeps what was typed
    form.locator("fieldset.step:not([hidden]) [data-step-back]").click()
    on_step(2)
    expect(form.locator("[name=payout-0-amount]")).to_have_value("5000")
    next_step.click()
    next_step.click()

    # 4 summary and consent
    on_step(4)
    form.locator("[name=summary]").fill("患者住院治疗,医保和医疗救助报销后仍有自付缺口。")
    form.locator("[name=consent_publish]").check()
    form.locator("[name=consent_recorded_on]").fill(recent)
    form.locator("[name=consent_scope]").select_option("anonymized_publication")
    next_step.click()

    # 5 check and save: what was entered, listed per step
    on_step(5)
    review = form.locator("[data-review]")
    expect(review).to_contain_text("王秀英")
    expect(review).to_contain_text("12345")
    expect(review).to_contain_text("康复训练")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/work/cases/new")
    ) as posted:
        form.locator(".form-actions button[type=submit]").click()
    assert posted.value.status == 302
    page.wait_for_url(re.compile(r"/work/cases/JJN-[0-9A-Z]+$"))
    _no_sideways_scroll(page)
    expect(page.locator("main h1 .ref")).to_be_visible()
    assert not page.locator("ul.problems li").all_inner_texts()
    assert server_errors == []


@pytest.mark.browser_context_args(viewport=PHONE, locale="en")
def test_an_error_opens_its_step(page: Page, load_demo_data: Any) -> None:
    load_demo_data(n_cases=1)
    page.set_default_timeout(10_000)
    _sign_in(page)
    page.goto("/work/cases/new")
    form = page.locator("form.case-form")
    next_step = form.locator("fieldset.step:not([hidden]) [data-step-next]")
    _household_then_payout(form, next_step)
    form.locator("[name=payout-0-amount]").fill("12,34.5.6")  # not an amount
    for _ in range(3):
        next_step.click()
    form.locator(".form-actions button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#step-payouts")).to_be_visible()
    expect(page.locator("#step-household")).to_be_hidden()
    expect(page.locator("#step-payouts .field-error")).to_have_count(1)
    expect(page.locator("[name=payout-0-amount]")).to_have_value("12,34.5.6")
    _no_sideways_scroll(page)


def test_without_javascript_every_step_shows_on_one_page(
    browser: Browser, base_url: str, load_demo_data: Any
) -> None:
    load_demo_data(n_cases=1)
    context = browser.new_context(
        base_url=base_url, java_script_enabled=False, viewport=PHONE, locale="en"
    )
    page = context.new_page()
    try:
        page.set_default_timeout(10_000)
        page.goto("/login")
        page.locator("main [name=email]").fill(SOCIAL_WORKER)
        page.locator("main [name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.goto("/work/cases/new")
        for step in ("household", "payouts", "needs", "summary", "review"):
            expect(page.locator(f"#step-{step}")).to_be_visible()
        expect(page.locator("[data-step-next]").first).to_be_hidden()
        expect(page.locator(".step-progress")).to_be_hidden()
        expect(page.locator("[data-rows=need] [data-row]")).to_have_count(3)  # spare cards
        _no_sideways_scroll(page)
    finally:
        context.close()


@pytest.mark.browser_context_args(viewport=PHONE, locale="en")
def test_a_session_that_expires_while_typing_loses_nothing(
    page: Page, load_demo_data: Any, server_errors: list[str]
) -> None:
    """Bug 4 in the browser: the cookies go (the session expired), the user presses Save, signs
    in again and is back on the form's check step with everything typed; saving then works."""
    load_demo_data(n_cases=1)
    page.set_default_timeout(10_000)
    recent = (date.today() - timedelta(days=5)).isoformat()
    _sign_in(page)
    page.goto("/work/cases/new")
    form = page.locator("form.case-form")
    next_step = form.locator("fieldset.step:not([hidden]) [data-step-next]")
    _household_then_payout(form, next_step)
    form.locator("[name=payout-0-amount]").fill("5000")
    form.locator("[name=payout-0-paid_on]").fill(recent)
    next_step.click()
    form.locator("[name=need-0-category]").select_option("medical")
    form.locator("[name=need-0-description]").fill("住院自付医疗费")
    form.locator("[name=need-0-amount]").fill("12345")
    next_step.click()
    form.locator("[name=summary]").fill("医保报销后仍有自付缺口。")
    form.locator("[name=consent_publish]").check()
    form.locator("[name=consent_recorded_on]").fill(recent)
    form.locator("[name=consent_scope]").select_option("anonymized_publication")
    next_step.click()

    page.context.clear_cookies()
    form.locator(".form-actions button[type=submit]").click()
    page.wait_for_url(re.compile(r"/login\?next=/work/cases/new$"))
    expect(page.locator(".flashes")).to_contain_text(
        "Your session expired. Sign in again and your form will be back."
    )
    page.locator("main [name=email]").fill(SOCIAL_WORKER)
    page.locator("main [name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/work/cases/new$"))
    expect(page.locator("#step-review")).to_be_visible()  # back where the user pressed Save
    review = form.locator("[data-review]")
    for typed in ("王秀英", "5000", "住院自付医疗费", "12345", "医保报销后仍有自付缺口。"):
        expect(review).to_contain_text(typed)
    form.locator(".form-actions button[type=submit]").click()
    expect(page.locator(".error-summary")).to_have_count(0)
    page.wait_for_url(re.compile(r"/work/cases/JJN-[0-9A-Z]+$"))
    assert server_errors == []
