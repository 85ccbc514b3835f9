"""A case's human title: written on the intake form or through the API, refused when the
anonymizer finds personal data in it (like the public summary, but never scrubbed), shown to the
public and donors, and a neutral generated title when none was written (issue 12, item 4)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.cases.models import Case
from marketplace.extensions import db
from tests.conftest import case_payload, login, make_user, token_for
from tests.integration.test_case_html import FORM, _post_form
from tests.integration.test_plans import _published

EN = {"Accept-Language": "en"}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case)) or 0


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("李桂兰老人需要护理床", "Name"),  # the beneficiary's own name
        ("独居老人需要护理床,电话13712345678", "Mobile number"),
        ("住在中山路100号的老人需要护理床", "Address"),
        ("421002197503150021号老人", "ID number"),
    ],
)
def test_the_intake_form_refuses_a_title_with_personal_data(
    ctx: Any, client: Any, title: str, kind: str
) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/work/cases/new").text)
    response = client.post(
        "/work/cases/new",
        data={**FORM, "title": title, "csrf_token": token.group(1)},
        headers=EN,
    )
    assert response.status_code == 422
    assert "The title must not contain personal data" in response.text
    assert kind in response.text
    # the message sits under the field as a message, and what was typed is kept
    assert re.search(r'name="title" value="[^"]*"', response.text)
    assert "护理床" in response.text
    assert _count() == 0


def test_a_clean_title_is_saved_published_and_shown_before_the_reference(
    ctx: Any, client: Any
) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    saved = _post_form(client, "/work/cases/new", {**FORM, "title": "独居老人摔伤后需要护理床"})
    assert saved.status_code == 302, saved.text
    case = db.session.scalar(select(Case))
    assert case.title == "独居老人摔伤后需要护理床"
    # the edit form shows it again
    assert 'value="独居老人摔伤后需要护理床"' in client.get(f"/work/cases/{case.ref}/edit").text
    case.status = "published"  # published directly: the review flow has its own tests
    db.session.commit()
    page = client.get(f"/cases/{case.ref}").text
    assert re.search(r"<h1>\s*独居老人摔伤后需要护理床\s*</h1>", page)
    assert "<title>独居老人摔伤后需要护理床" in page
    listing = client.get("/cases").text
    assert f'<a href="/cases/{case.ref}">独居老人摔伤后需要护理床</a>' in listing
    assert case.ref in client.get("/cases?q=护理床").text


def test_the_api_refuses_a_title_with_personal_data_and_exposes_a_clean_one(
    ctx: Any, client: Any
) -> None:
    sw = token_for(make_user(Role.social_worker))
    # the beneficiary of case_payload() is 王秀英; her husband 王建华 is named in the narrative
    refused = client.post(
        "/api/v1/cases", json=case_payload(title="王秀英的住院费缺口"), headers=sw | EN
    )
    assert refused.status_code == 422, refused.json
    assert refused.json["error"] == "validation_error"
    assert "personal data" in refused.json["details"]["title"][0]
    too_long = client.post("/api/v1/cases", json=case_payload(title="长" * 61), headers=sw)
    assert too_long.status_code == 422 and "title" in too_long.json["details"]
    assert _count() == 0

    created = client.post(
        "/api/v1/cases", json=case_payload(title="住院治疗后的自付费用缺口"), headers=sw
    )
    assert created.status_code == 201, created.json
    assert created.json["title"] == "住院治疗后的自付费用缺口"
    assert created.json["title_written"] is True
    ref = created.json["ref"]
    patched = client.patch(
        f"/api/v1/cases/{ref}", json={"title": "联系13912345678"}, headers=sw | EN
    )
    assert patched.status_code == 422 and "title" in patched.json["details"]
    db.session.expire_all()
    assert (
        db.session.scalar(select(Case.title).where(Case.ref == ref)) == "住院治疗后的自付费用缺口"
    )


def test_a_case_without_title_gets_a_neutral_generated_one(ctx: Any, client: Any) -> None:
    case, _ = _published(client)  # case_payload(): no title, medical, 沙市区
    assert case.title is None
    public = client.get(f"/api/v1/cases/{case.ref}", headers=EN).json
    assert public["title_written"] is False
    assert public["title"] == "Medical need in 沙市区"
    zh = client.get(f"/api/v1/cases/{case.ref}", headers={"Accept-Language": "zh-CN"}).json
    assert zh["title"] == "沙市区·医疗求助"
    page = client.get(f"/cases/{case.ref}", headers=EN).text
    assert re.search(r"<h1>\s*Medical need in 沙市区\s*</h1>", page)
    listing = client.get("/api/v1/cases", headers=EN).json
    assert listing["items"][0]["title"] == "Medical need in 沙市区"
    # the preview its organization sees says the title was generated
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    manage = client.get(f"/work/cases/{case.ref}", headers=EN).text
    assert "(generated: no title written yet)" in manage


def test_the_demo_titles_pass_the_anonymizer(ctx: Any) -> None:
    from marketplace.cases import anonymize
    from marketplace.demo.stories import STORIES, TITLES

    assert len(TITLES) == len(STORIES)
    for title in TITLES:
        assert 0 < len(title) <= 60 and anonymize.find_pii(title) == []
