"""Issue 12 bug 4: a form posted after the session (or its CSRF token) expired is not lost.

The intake form and the checkouts (a pledge on a case page, a company fund payment) keep their
input for the user who rendered them: signed out -> 303 to sign in -> back on the form with the
input; still signed in -> straight back to the form with a fresh token. Never a bare 400.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select, update

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases import pending_forms
from marketplace.cases.models import Case, PendingForm
from marketplace.db_types import utcnow
from marketplace.donors import funds
from marketplace.extensions import db
from tests.conftest import csrf_from, login, make_user
from tests.integration.test_case_html import FORM
from tests.integration.test_checkout import _published

EN = {"Accept-Language": "en"}


def _owner_claim(html: str) -> str:
    match = re.search(r'name="form_owner" value="([^"]+)"', html)
    assert match, "no form_owner claim on the form"
    return match.group(1)


def _expire_session(client: Any) -> None:
    """What the browser holds after the session cookie expired: nothing."""
    client.delete_cookie("session")


def _open_form(client: Any, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200
    hidden = {"csrf_token": csrf_from(page.text), "form_owner": _owner_claim(page.text)}
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    if token:
        hidden["form_token"] = token.group(1)
    return hidden


def _kept() -> int:
    return db.session.scalar(select(func.count()).select_from(PendingForm)) or 0


def _cases() -> int:
    return db.session.scalar(select(func.count()).select_from(Case)) or 0


def test_intake_posted_after_the_session_expired_comes_back_after_sign_in(
    ctx: Any, client: Any
) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    hidden = _open_form(client, "/work/cases/new")
    _expire_session(client)

    posted = client.post("/work/cases/new", data={**FORM, **hidden}, headers=EN)
    assert posted.status_code == 303
    target = urlsplit(posted.headers["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/work/cases/new"]
    assert _cases() == 0 and _kept() == 1
    # the kept input is encrypted at rest: no private value in the stored row
    raw = db.session.execute(db.text("SELECT fields FROM pending_forms")).scalar_one()
    assert "李桂兰" not in raw and "13712345678" not in raw
    login_page = client.get(posted.headers["Location"], headers=EN)
    assert "Your session expired. Sign in again and your form will be back." in login_page.text

    signed_in = client.post(
        posted.headers["Location"],
        data={
            "email": worker.email,
            "password": "correct-horse-battery-staple",
            "csrf_token": csrf_from(login_page.text),
        },
    )
    assert signed_in.headers["Location"] == "/work/cases/new"
    form = client.get("/work/cases/new", headers=EN)
    assert form.status_code == 200
    for value in (
        "李桂兰",
        "13712345678",
        "沙市区中山路100号2单元301室",
        "助行器与护理床",
        "2400.50",
    ):
        assert value in form.text
    assert re.search(r'value="elderly_care" checked', form.text)
    assert hidden["form_token"] in form.text  # the same one-time token: still one case
    assert "Your input is back" in form.text
    assert _kept() == 0  # given back once, then deleted
    assert "李桂兰" not in client.get("/work/cases/new").text

    # the restored form saves, once, even when sent twice
    again = {**FORM, "csrf_token": csrf_from(form.text), "form_token": hidden["form_token"]}
    assert client.post("/work/cases/new", data=again).status_code == 302
    assert client.post("/work/cases/new", data=again).status_code == 302
    assert _cases() == 1


def test_another_user_never_gets_the_kept_form(ctx: Any, client: Any) -> None:
    owner = make_user(Role.social_worker)
    colleague = make_user(Role.social_worker)
    login(client, owner.email)
    hidden = _open_form(client, "/work/cases/new")
    _expire_session(client)
    assert client.post("/work/cases/new", data={**FORM, **hidden}).status_code == 303

    login(client, colleague.email)
    page = client.get("/work/cases/new")
    assert "李桂兰" not in page.text and _kept() == 1

    # the colleague's session posting the owner's stale form: kept for the owner, shown to nobody
    other = client.post("/work/cases/new", data={**FORM, **hidden, "private_name": "张三"})
    assert other.status_code == 303 and urlsplit(other.headers["Location"]).path == "/"
    assert "张三" not in client.get("/", follow_redirects=True).text
    assert _cases() == 0

    client.post("/logout", data={"csrf_token": csrf_from(client.get("/work").text)})
    login(client, owner.email)
    assert "张三" in client.get("/work/cases/new").text  # the newer post replaced the older


def test_a_forged_or_missing_owner_claim_keeps_nothing(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    hidden = _open_form(client, "/work/cases/new")
    _expire_session(client)
    # change the signature's first character (it carries six full bits; the last one's low bits
    # are padding, so replacing the end could leave the same signature once in a thousand runs)
    payload, _, signature = pending_forms.owner_claim(worker.id).rpartition(".")
    forged = f"{payload}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    for claim in (forged, ""):
        answer = client.post(
            "/work/cases/new", data={**FORM, **hidden, "form_owner": claim}, headers=EN
        )
        assert answer.status_code == 400
        assert "Go back, reload the page and try again." in answer.text
    assert _kept() == 0


def test_kept_forms_expire(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    hidden = _open_form(client, "/work/cases/new")
    _expire_session(client)
    client.post("/work/cases/new", data={**FORM, **hidden})
    db.session.execute(update(PendingForm).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    login(client, worker.email)
    assert "李桂兰" not in client.get("/work/cases/new").text
    assert _kept() == 0
    # and a later keep sweeps expired rows of anyone
    pending_forms.keep(worker.id, "/x", {"a": ["1"]}, now=utcnow() - timedelta(days=2))
    pending_forms.keep(worker.id, "/y", {"a": ["1"]})
    db.session.commit()
    assert _kept() == 1


def test_an_expired_csrf_token_while_signed_in_shows_the_form_again(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    hidden = _open_form(client, "/work/cases/new")
    stale = {**hidden, "csrf_token": hidden["csrf_token"][:-4] + "AAAA"}
    posted = client.post("/work/cases/new", data={**FORM, **stale}, headers=EN)
    assert posted.status_code == 303 and posted.headers["Location"] == "/work/cases/new"
    page = client.get("/work/cases/new", headers=EN)
    assert page.status_code == 200
    assert "李桂兰" in page.text and "The form had expired and was not sent." in page.text
    assert csrf_from(page.text) != stale["csrf_token"]
    assert _cases() == 0


def test_edit_form_is_kept_too(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    hidden = _open_form(client, "/work/cases/new")
    saved = client.post("/work/cases/new", data={**FORM, **hidden})
    ref = re.search(r"/work/cases/(JJN-\w+)", saved.headers["Location"]).group(1)
    edit = _open_form(client, f"/work/cases/{ref}/edit")
    _expire_session(client)
    posted = client.post(f"/work/cases/{ref}/edit", data={**FORM, **edit, "summary": "新的摘要"})
    assert posted.status_code == 303
    login(client, worker.email)
    assert "新的摘要" in client.get(f"/work/cases/{ref}/edit").text


def test_a_pledge_posted_after_the_session_expired_comes_back(ctx: Any, client: Any) -> None:
    case = _published(client)
    donor = make_user(Role.donor)
    login(client, donor.email)
    hidden = _open_form(client, f"/cases/{case.ref}")
    _expire_session(client)
    posted = client.post(
        f"/cases/{case.ref}/pledge",
        data={"amount": "321", "fallback": "refund", **hidden},
        headers=EN,
    )
    assert posted.status_code == 303
    back = parse_qs(urlsplit(posted.headers["Location"]).query)["next"]
    assert back == [f"/cases/{case.ref}#pledge"]
    login(client, donor.email)
    page = client.get(f"/cases/{case.ref}").text
    assert 'value="321"' in page
    assert re.search(r'value="refund"\s+checked', page)
    assert not re.search(r'name="anonymous" value="y"\s+checked', page)


def test_a_fund_payment_posted_after_the_session_expired_comes_back(ctx: Any, client: Any) -> None:
    staff = make_user(Role.company_staff, OrgKind.company, "荆楚爱心企业")
    fund = funds.create_fund(
        staff,
        {"name": "助学基金", "budget_fen": 5_000_000, "categories": ["education"], "region": ""},
    )
    db.session.commit()
    login(client, staff.email)
    hidden = _open_form(client, f"/company/funds/{fund.id}")
    _expire_session(client)
    posted = client.post(f"/company/funds/{fund.id}", data={"amount": "8765", **hidden})
    assert posted.status_code == 303 and urlsplit(posted.headers["Location"]).path == "/login"
    login(client, staff.email)
    assert 'value="8765"' in client.get(f"/company/funds/{fund.id}").text


def test_other_forms_get_a_page_that_says_what_happened(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    login(client, worker.email)
    answer = client.post("/notifications", data={"csrf_token": "stale"}, headers=EN)
    assert answer.status_code == 400
    assert "This page had expired" in answer.text


def test_signed_out_elsewhere_with_a_valid_token_keeps_the_form(ctx: Any, client: Any) -> None:
    """Signed out in another tab (the session cookie no longer loads the user) while the CSRF
    token is still good: ``login_required`` would drop the post; it is kept first."""
    from marketplace.accounts import services as accounts

    worker = make_user(Role.social_worker)
    login(client, worker.email)
    hidden = _open_form(client, "/work/cases/new")
    accounts.end_sessions(worker)
    db.session.commit()
    posted = client.post("/work/cases/new", data={**FORM, **hidden})
    assert posted.status_code == 303 and urlsplit(posted.headers["Location"]).path == "/login"
    assert _kept() == 1 and _cases() == 0
    login(client, worker.email)
    assert "李桂兰" in client.get("/work/cases/new").text


def test_the_purge_job_deletes_expired_forms(ctx: Any, app: Any) -> None:
    import marketplace.jobs.tasks  # noqa: F401 - registers the jobs
    from marketplace.jobs.registry import run_job

    worker = make_user(Role.social_worker)
    pending_forms.keep(worker.id, "/new", {"a": ["1"]})
    old = pending_forms.keep(worker.id, "/old", {"a": ["1"]})
    old.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert run_job(app, "purge-pending-forms") == {"purged": 1}
    db.session.rollback()
    assert _kept() == 1
