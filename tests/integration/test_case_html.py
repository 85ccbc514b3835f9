"""The whole case flow through the HTML forms (with CSRF), on the real database."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.cases.models import Case
from marketplace.extensions import db
from tests.conftest import csrf_from, login, make_user

FORM = {
    "private_name": "李桂兰",
    "private_id_number": "421002197503150021",
    "private_phone": "13712345678",
    "private_address": "沙市区中山路100号2单元301室",
    "private_narrative": "独居老人,摔伤后行动不便。",
    "consent_publish": "y",
    "consent_recorded_on": "2026-11-02",
    "consent_scope": "anonymized_publication",
    "region": "421002",
    "household_size": "1",
    "age_band": "70-79",
    "categories": ["elderly_care", "daily_care"],
    "summary": "李桂兰老人独居,家住中山路100号,摔伤后需要照护,电话13712345678。",
    "payout-0-scheme": "tekun",
    "payout-0-amount": "1,200",
    "payout-0-status": "paid",
    "payout-0-paid_on": "2026-10-30",
    "need-0-kind": "in_kind",
    "need-0-category": "elderly_care",
    "need-0-description": "助行器与护理床",
    "need-0-amount": "2400.50",
    "need-0-payee_kind": "vendor",
    "need-1-kind": "service",
    "need-1-category": "daily_care",
    "need-1-description": "居家生活照料",
    "need-1-units": "40",
    "need-1-unit_name": "小时",
    "need-1-payee_kind": "beneficiary",
}


def _post_form(client: Any, url: str, data: dict[str, Any]) -> Any:
    token = csrf_from(client.get(url).text)
    return client.post(url, data={**data, "csrf_token": token})


def test_record_submit_approve_and_find(ctx: Any, client: Any, app: Any) -> None:
    worker = make_user(Role.social_worker)
    reviewer = make_user(Role.reviewer)
    login(client, worker.email)
    saved = _post_form(client, "/work/cases/new", FORM)
    assert saved.status_code == 302, saved.text
    ref = re.search(r"/work/cases/(JJN-\w+)", saved.headers["Location"]).group(1)
    manage = client.get(f"/work/cases/{ref}")
    assert manage.status_code == 200
    assert "[姓名]" in manage.text and "[手机号]" in manage.text  # the preview is scrubbed
    submitted = client.post(
        f"/work/cases/{ref}/submit", data={"csrf_token": csrf_from(manage.text)}
    )
    assert submitted.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/work").text)})

    login(client, reviewer.email)
    queue = client.get("/review")
    assert ref in queue.text
    page = client.get(f"/review/{ref}")
    assert "13712345678" not in page.text and "李桂兰" not in page.text
    approved = client.post(
        f"/review/{ref}", data={"decision": "approve", "csrf_token": csrf_from(page.text)}
    )
    assert approved.status_code == 302

    anonymous = app.test_client()
    listing = anonymous.get("/cases?category=elderly_care", headers={"Accept-Language": "en"})
    assert ref in listing.text
    detail = anonymous.get(f"/cases/{ref}", headers={"Accept-Language": "en"})
    assert detail.status_code == 200
    assert "¥2,400.50" in detail.text and "¥1,200.00" in detail.text
    for secret in ("李桂兰", "13712345678", "中山路100号", "421002197503150021"):
        assert secret not in detail.text and secret not in listing.text


def test_form_errors_are_shown_and_nothing_is_saved(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    bad = dict(FORM)
    bad.update(
        {
            "region": "999999",
            "household_size": "abc",
            "payout-0-amount": "12.345",
            "need-0-amount": "-5",
            "categories": ["not-a-category"],
        }
    )
    response = _post_form(client, "/work/cases/new", bad)
    assert response.status_code == 200
    assert response.text.count('class="field-error"') >= 4
    assert (
        "Unknown county code" in response.text or "未知" in response.text or "区县" in response.text
    )
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    # the typed values are kept
    assert 'value="12.345"' in response.text


def test_submit_refused_with_clear_message_when_payout_unpaid(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    data = dict(FORM, **{"payout-0-status": "applied", "payout-0-paid_on": ""})
    ref = re.search(
        r"/work/cases/(JJN-\w+)", _post_form(client, "/work/cases/new", data).headers["Location"]
    ).group(1)
    page = client.get(f"/work/cases/{ref}", headers={"Accept-Language": "en"})
    refused = client.post(
        f"/work/cases/{ref}/submit",
        data={"csrf_token": csrf_from(page.text)},
        headers={"Accept-Language": "en"},
    )
    # issue 12 bug 2: the refusal is the case page with its message, not a redirect with a 409
    assert refused.status_code == 409 and "Location" not in refused.headers
    assert "not paid yet" in refused.text
    assert db.session.scalar(select(Case.status).where(Case.ref == ref)) == "draft"


def test_forms_require_csrf(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    response = client.post("/work/cases/new", data=FORM)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_edit_returned_case(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    ref = re.search(
        r"/work/cases/(JJN-\w+)", _post_form(client, "/work/cases/new", FORM).headers["Location"]
    ).group(1)
    edit = client.get(f"/work/cases/{ref}/edit")
    assert edit.status_code == 200 and 'value="2400.50"' in edit.text
    changed = dict(FORM, summary="老人独居,需要照护。")
    assert _post_form(client, f"/work/cases/{ref}/edit", changed).status_code == 302
    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    assert case.summary == "老人独居,需要照护。" and len(case.need_lines) == 2


def test_saving_the_same_intake_form_twice_creates_one_case(ctx: Any, client: Any) -> None:
    """A double click on "Save draft" (or a retried request) sends the same form twice: the form's
    one-time token finds the first case instead of creating a second (issue 12, bug 5)."""
    from sqlalchemy import func, select

    from marketplace.cases.models import Case

    worker = make_user(Role.social_worker)
    login(client, worker.email)
    page = client.get("/work/cases/new").text
    token = re.search(r'name="form_token" value="([0-9a-f-]{36})"', page).group(1)
    data = {**FORM, "csrf_token": csrf_from(page), "form_token": token}
    first = client.post("/work/cases/new", data=data)
    second = client.post("/work/cases/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Case)) == 1
    # a new form gets a new token, so the next case is a new one
    again = client.get("/work/cases/new").text
    assert token not in again
    _post_form(client, "/work/cases/new", FORM)
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2


def test_a_future_date_shows_its_message_as_one_element(ctx: Any, client: Any) -> None:
    """Issue 12 bug 3: the message was drawn one character per ``<p role="alert">``."""
    login(client, make_user(Role.social_worker).email)
    data = dict(FORM, **{"consent_recorded_on": "2999-01-01", "payout-0-paid_on": "2999-01-01"})
    for language, message in (("en", "This date is in the future."), ("zh-CN", None)):
        token = csrf_from(client.get("/work/cases/new").text)
        response = client.post(
            "/work/cases/new",
            data={**data, "csrf_token": token},
            headers={"Accept-Language": language},
        )
        alerts = re.findall(r'<p class="field-error" role="alert">([^<]*)</p>', response.text)
        assert len(alerts) == 2, alerts
        assert all(len(alert) > 3 for alert in alerts), alerts
        if message:
            assert alerts == [message, message]
