"""Household members: recorded in the private part (encrypted), and their names, like those of
other people named in the free text, never reach a public page or response."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.cases.models import Case, CasePrivate
from marketplace.extensions import db
from tests.conftest import case_payload, csrf_from, login, make_user, token_for

SPOUSE = "张建国"
DAUGHTER = "张小雨"
NEIGHBOUR = "欧阳秀兰"  # not recorded anywhere: found from the kinship word only
MEMBERS = [{"relation": "丈夫", "name": SPOUSE}, {"relation": "女儿", "name": DAUGHTER}]


def _publish(client: Any, payload: dict[str, Any]) -> str:
    sw = token_for(make_user(Role.social_worker))
    rv = token_for(make_user(Role.reviewer))
    created = client.post("/api/v1/cases", json=payload, headers=sw)
    assert created.status_code == 201, created.json
    ref = created.json["ref"]
    assert client.post(f"/api/v1/cases/{ref}/submit", headers=sw).status_code == 200
    r = client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    assert r.status_code == 200, r.json
    return ref


def test_household_and_other_names_never_reach_a_public_response(
    ctx: Any, client: Any, app: Any
) -> None:
    payload = case_payload()
    payload["private"]["household_members"] = MEMBERS
    payload["summary"] = (
        f"丈夫{SPOUSE}因车祸住院,女儿小雨正在读初中;邻居{NEIGHBOUR}经常帮忙照看。"
        f"{SPOUSE}的手术费尚有缺口。"
    )
    payload["need_lines"][0]["description"] = f"{SPOUSE}住院押金,{DAUGHTER}的学费"
    ref = _publish(client, payload)

    case = db.session.scalar(select(Case).where(Case.ref == ref))
    assert "丈夫[姓名]因车祸住院" in case.public_summary
    anonymous = app.test_client()
    secrets = [SPOUSE, "建国", DAUGHTER, "小雨", NEIGHBOUR, "秀兰"]
    for lang in ("zh-CN", "en"):
        for url in ("/cases", f"/cases/{ref}", "/api/v1/cases", f"/api/v1/cases/{ref}"):
            response = anonymous.get(url, headers={"Accept-Language": lang})
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            assert ref in body, url  # the probe really looked at the case
            for secret in secrets:
                assert secret not in body, (url, secret)


def test_household_members_are_private_and_encrypted(ctx: Any, client: Any) -> None:
    sw_user = make_user(Role.social_worker)
    sw = token_for(sw_user)
    payload = case_payload()
    payload["private"]["household_members"] = MEMBERS
    ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]

    private = client.get(f"/api/v1/cases/{ref}/private", headers=sw)
    assert private.status_code == 200
    assert private.json["household_members"] == MEMBERS
    for url in (f"/api/v1/cases/{ref}", "/api/v1/cases/mine"):
        assert SPOUSE not in client.get(url, headers=sw).get_data(as_text=True)

    stored = db.session.execute(
        db.text(
            "SELECT household_members FROM case_private JOIN cases ON cases.id = case_id "
            "WHERE cases.ref = :ref"
        ),
        {"ref": ref},
    ).scalar_one()
    assert stored.startswith("gAAAA") and SPOUSE not in stored

    # PATCH replaces the list; an empty list clears it
    patched = client.patch(
        f"/api/v1/cases/{ref}",
        json={"private": {"household_members": [{"relation": "母亲", "name": "李秀珍"}]}},
        headers=sw,
    )
    assert patched.status_code == 200, patched.json
    again = client.get(f"/api/v1/cases/{ref}/private", headers=sw).json
    assert again["household_members"] == [{"relation": "母亲", "name": "李秀珍"}]
    assert again["name"] == payload["private"]["name"]  # the other private fields are kept
    client.patch(f"/api/v1/cases/{ref}", json={"private": {"household_members": []}}, headers=sw)
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    db.session.refresh(case.private)
    assert case.private.household_members is None and case.private.members == []


def test_key_rotation_reencrypts_household_members(ctx: Any, client: Any) -> None:
    sw = token_for(make_user(Role.social_worker))
    payload = case_payload()
    payload["private"]["household_members"] = MEMBERS
    ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]
    query = db.text("SELECT household_members FROM case_private")
    before = db.session.execute(query).scalar_one()
    old_key = ctx.config["PII_ENCRYPTION_KEY"]
    new_key = Fernet.generate_key().decode()
    ctx.config["PII_ENCRYPTION_KEY"] = f"{new_key},{old_key}"
    try:
        result = ctx.test_cli_runner().invoke(args=["pii", "rotate"])
        assert result.exit_code == 0, result.output
        db.session.rollback()
        after = db.session.execute(query).scalar_one()
        assert after != before
        with pytest.raises(InvalidToken):
            Fernet(old_key.encode()).decrypt(after.encode())
        ctx.config["PII_ENCRYPTION_KEY"] = new_key  # the old key is gone
        private = client.get(f"/api/v1/cases/{ref}/private", headers=sw)
        assert private.status_code == 200 and private.json["household_members"] == MEMBERS
    finally:
        ctx.config["PII_ENCRYPTION_KEY"] = old_key


def test_household_members_are_validated(ctx: Any, client: Any) -> None:
    sw = token_for(make_user(Role.social_worker))
    bad_lists: list[Any] = [
        [{"relation": "丈夫", "name": "张" * 41}],
        [{"relation": "丈夫", "name": ""}],
        [{"relation": "", "name": "张三"}],
        [{"relation": "丈夫"}],
        [{"relation": "子女", "name": f"张{i}"} for i in range(21)],
        "丈夫 张建国",
    ]
    for members in bad_lists:
        payload = case_payload()
        payload["private"]["household_members"] = members
        response = client.post("/api/v1/cases", json=payload, headers=sw)
        assert response.status_code == 422, members
        assert "household_members" in str(response.json["details"])
    assert db.session.scalar(select(CasePrivate.case_id)) is None


def test_household_members_in_the_html_form(ctx: Any, client: Any) -> None:
    from tests.integration.test_case_html import FORM, _post_form

    worker = make_user(Role.social_worker)
    login(client, worker.email)
    bad = _post_form(
        client, "/work/cases/new", {**FORM, "private_household_members": "丈夫 张建国\n张小雨"}
    )
    assert bad.status_code == 200
    assert "Line 2" in bad.text or "第 2 行" in bad.text
    assert db.session.scalar(select(Case.id)) is None

    saved = _post_form(
        client,
        "/work/cases/new",
        {**FORM, "private_household_members": "丈夫 张建国\r\n\r\n女儿:张小雨\n"},
    )
    assert saved.status_code == 302, saved.text
    ref = re.search(r"/work/cases/(JJN-\w+)", saved.headers["Location"]).group(1)
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    assert case.private.members == MEMBERS
    edit = client.get(f"/work/cases/{ref}/edit")
    assert edit.status_code == 200
    assert "丈夫 张建国\n女儿 张小雨" in edit.text  # pre-filled for the owner
    assert csrf_from(edit.text)
