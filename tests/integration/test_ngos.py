"""NGOs: verification, projects (API), referrals with a time limit, contact release, delivery."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OrgKind, Role, User
from marketplace.audit.models import AuditEvent
from marketplace.cases.models import Case, NeedLine
from marketplace.db_types import utcnow
from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.ngos import services
from marketplace.ngos.models import Referral, ReferralStatus
from marketplace.notifications.models import Notification
from tests.conftest import case_payload, csrf_from, login, make_user, token_for

PROJECT = {
    "name": "心灵港湾心理疏导",
    "kind": "service",
    "categories": ["psychological"],
    "regions": ["4210"],
    "monthly_units": 20,
    "unit_name": "次",
}


def _published(client: Any, scope: str = "anonymized_publication_and_referral") -> tuple[Case, Any]:
    worker = make_user(Role.social_worker)
    sw = token_for(worker)
    rv = token_for(make_user(Role.reviewer))
    payload = case_payload()
    payload["consent"]["scope"] = scope
    ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    return db.session.scalar(select(Case).where(Case.ref == ref)), worker


def _ngo(client: Any) -> tuple[Any, dict[str, str], int]:
    staff = make_user(Role.ngo_staff, OrgKind.ngo, "心灵港湾")
    headers = token_for(staff)
    created = client.post("/api/v1/projects", json=PROJECT, headers=headers)
    assert created.status_code == 201, created.json
    return staff, headers, created.json["id"]


def test_projects_api(ctx: Any, client: Any) -> None:
    staff, headers, project_id = _ngo(client)
    listing = client.get("/api/v1/projects?category=psychological&region=421002").json
    assert listing["total"] == 1 and listing["items"][0]["units_left_this_month"] == 20
    assert client.get(f"/api/v1/projects/{project_id}").json["organization_verified"] is False
    assert client.get("/api/v1/projects/99999999999999999999").status_code == 404
    donor = token_for(make_user(Role.donor))
    assert client.post("/api/v1/projects", json=PROJECT, headers=donor).status_code == 403
    bad = client.post("/api/v1/projects", json=PROJECT | {"monthly_units": None}, headers=headers)
    assert bad.status_code == 422 and "monthly_units" in bad.json["details"]
    assert (
        client.post(
            "/api/v1/projects", json=PROJECT | {"regions": ["abc"]}, headers=headers
        ).status_code
        == 422
    )


def test_verification_with_check_character(ctx: Any, client: Any) -> None:
    staff, _, _ = _ngo(client)
    with pytest.raises(ValidationFailed):
        services.submit_registration(staff, "91110000600037341X")  # wrong check character
    org = services.submit_registration(staff, "9111 0000 6000 3734 1L")
    db.session.commit()
    assert org.registration_number == "91110000600037341L" and not org.verified
    reviewer = make_user(Role.reviewer)
    login(client, reviewer.email)
    queue = client.get("/review/ngos")
    assert "91110000600037341L" in queue.text
    client.post("/review/ngos", data={"org_id": str(org.id), "csrf_token": csrf_from(queue.text)})
    db.session.refresh(org)
    assert org.verified and org.verified_by_id == reviewer.id
    public = client.get(f"/ngos/{org.id}", headers={"Accept-Language": "en"})
    assert "Verified" in public.text and PROJECT["name"] in public.text


def test_referral_accept_release_deliver(ctx: Any, client: Any, app: Any) -> None:
    case, worker = _published(client)
    staff, _, project_id = _ngo(client)
    login(client, worker.email)
    manage = client.get(f"/work/cases/{case.ref}")
    assert PROJECT["name"] in manage.text  # offered for the service need
    line = next(n for n in case.need_lines if n.kind == "service")
    sent = client.post(
        f"/work/cases/{case.ref}/referrals",
        data={
            "need_line_id": line.id,
            "project_id": project_id,
            "units": 6,
            "csrf_token": csrf_from(manage.text),
        },
    )
    assert sent.status_code == 302
    referral = db.session.scalars(select(Referral)).one()
    assert referral.status == ReferralStatus.pending
    assert timedelta(hours=71) < referral.due_at - utcnow() <= timedelta(hours=72)
    ngo = app.test_client()
    login(ngo, staff.email)
    dashboard = ngo.get("/ngo", headers={"Accept-Language": "en"})
    assert case.ref in dashboard.text and "hours" in dashboard.text
    page = ngo.get(f"/ngo/referrals/{referral.id}")
    assert "王秀英" not in page.text and "13912345678" not in page.text  # nothing private yet
    ngo.post(
        f"/ngo/referrals/{referral.id}",
        data={"action": "accept", "csrf_token": csrf_from(page.text)},
    )
    db.session.refresh(referral)
    assert referral.status == ReferralStatus.accepted
    # contact stays hidden until the social worker releases it
    assert "13912345678" not in ngo.get(f"/ngo/referrals/{referral.id}?contact=1").text
    manage = client.get(f"/work/cases/{case.ref}")
    client.post(
        f"/work/referrals/{referral.id}/release", data={"csrf_token": csrf_from(manage.text)}
    )
    shown = ngo.get(f"/ngo/referrals/{referral.id}?contact=1")
    assert "13912345678" in shown.text and "王秀英" in shown.text
    actions = set(db.session.scalars(select(AuditEvent.action)).all())
    assert {"referral.release_contact", "referral.contact.view"} <= actions
    page = ngo.get(f"/ngo/referrals/{referral.id}")
    ngo.post(
        f"/ngo/referrals/{referral.id}",
        data={"action": "deliver", "units": "6", "csrf_token": csrf_from(page.text)},
    )
    db.session.refresh(referral)
    assert (
        referral.status == ReferralStatus.delivered
        and services.track_record(referral.project) == 1.0
    )
    assert client.get(f"/api/v1/projects/{project_id}").json["units_left_this_month"] == 14


def test_release_needs_consent_scope(ctx: Any, client: Any) -> None:
    case, worker = _published(client, scope="anonymized_publication")
    staff, _, project_id = _ngo(client)
    line = next(n for n in case.need_lines if n.kind == "service")
    referral = services.refer(worker, case, line, services.get_project(project_id), 6)
    services.decide_referral(staff, referral, accept=True)
    with pytest.raises(Conflict):
        services.release_contact(worker, referral)


def test_decline_needs_reason_and_answers_once(ctx: Any, client: Any) -> None:
    case, worker = _published(client)
    staff, _, project_id = _ngo(client)
    line = next(n for n in case.need_lines if n.kind == "service")
    referral = services.refer(worker, case, line, services.get_project(project_id), 6)
    with pytest.raises(ValidationFailed):
        services.decide_referral(staff, referral, accept=False, reason="  ")
    services.decide_referral(staff, referral, accept=False, reason="本月名额已满")
    with pytest.raises(Conflict):
        services.decide_referral(staff, referral, accept=True)


def test_capacity_and_overdue_job(ctx: Any, client: Any) -> None:
    staff, _, project_id = _ngo(client)
    project = services.get_project(project_id)
    referred = []
    for _ in range(4):  # four cases, each with a service need of 6 units
        case, worker = _published(client)
        line = next(n for n in case.need_lines if n.kind == "service")
        referred.append((worker, case, line))
    first = services.refer(*referred[0], project, 6)
    worker = referred[0][0]
    services.refer(*referred[1], project, 6)
    services.refer(*referred[2], project, 6)
    with pytest.raises(Conflict):  # 18 of 20 used
        services.refer(*referred[3], project, 6)
    first.due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    runner = ctx.test_cli_runner()
    assert '"overdue": 1' in runner.invoke(args=["jobs", "run", "overdue-referrals"]).output
    assert '"overdue": 0' in runner.invoke(args=["jobs", "run", "overdue-referrals"]).output
    notes = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == worker.id)
    )
    assert notes >= 1
    db.session.refresh(first)
    assert first.status == ReferralStatus.overdue
    with pytest.raises(Conflict):
        services.decide_referral(staff, first, accept=True)


def test_other_ngo_cannot_see_referral(ctx: Any, client: Any, app: Any) -> None:
    case, worker = _published(client)
    _, _, project_id = _ngo(client)
    line = next(n for n in case.need_lines if n.kind == "service")
    referral = services.refer(worker, case, line, services.get_project(project_id), 2)
    db.session.commit()
    other = make_user(Role.ngo_staff, OrgKind.ngo, "别的机构")
    login(client, other.email)
    assert client.get(f"/ngo/referrals/{referral.id}").status_code == 404


def test_a_referral_to_a_project_that_does_not_fit_is_refused(ctx: Any, client: Any) -> None:
    """Bug: refer() skipped the eligibility check, so a project serving Wuhan (4201) got a
    referral for a Jingzhou case (421002). Refused now (409), in the service and the HTML form."""
    case, worker = _published(client)
    staff = make_user(Role.ngo_staff, OrgKind.ngo, "武汉心理援助")
    created = client.post(
        "/api/v1/projects", json=PROJECT | {"regions": ["4201"]}, headers=token_for(staff)
    )
    project = services.get_project(created.json["id"])
    line = next(n for n in case.need_lines if n.kind == "service")
    with pytest.raises(Conflict) as refused:
        services.refer(worker, case, line, project, 2)
    assert refused.value.status == 409 and refused.value.code == "project_does_not_fit"
    assert any("region 421002" in r for r in refused.value.details["reasons"])
    db.session.rollback()
    login(client, worker.email)
    page = client.get(f"/work/cases/{case.ref}")
    assert PROJECT["name"] not in page.text  # not offered for the need either
    sent = client.post(
        f"/work/cases/{case.ref}/referrals",
        data={
            "need_line_id": line.id,
            "project_id": project.id,
            "units": 2,
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=True,
    )
    assert "该项目不适用于这项需求" in sent.text
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 0


def test_referrals_never_exceed_the_need_lines_units(ctx: Any, client: Any) -> None:
    """Issue 12 bug 8: a need of 6 sessions could be referred to two NGOs (12 sessions).
    Declined and overdue referrals give their units back."""
    case, worker = _published(client)
    staff, _, project_id = _ngo(client)
    other = make_user(Role.ngo_staff, OrgKind.ngo, "另一家社工机构")
    second = client.post("/api/v1/projects", json=PROJECT, headers=token_for(other)).json["id"]
    line = next(n for n in case.need_lines if n.kind == "service")
    first = services.refer(worker, case, line, services.get_project(project_id), 4)
    with pytest.raises(Conflict) as refused:
        services.refer(worker, case, line, services.get_project(second), 3)
    assert refused.value.status == 409 and refused.value.code == "referrals_exceed_need"
    assert refused.value.details == {"units": 3, "units_left": 2, "need_units": 6}
    services.decide_referral(staff, first, accept=False, reason="本月名额已满")
    services.refer(worker, case, line, services.get_project(second), 6)  # the 4 came back
    db.session.commit()
    login(client, worker.email)
    page = client.get(f"/work/cases/{case.ref}")
    sent = client.post(
        f"/work/cases/{case.ref}/referrals",
        data={
            "need_line_id": line.id,
            "project_id": project_id,
            "units": 1,
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=True,
    )
    assert "这项需求只剩 0 个单位可转介" in sent.text
    assert (
        db.session.scalar(select(func.sum(Referral.units)).where(Referral.status != "declined"))
        == 6
    )


def test_project_form_marks_bad_fields_and_speaks_chinese(ctx: Any, client: Any) -> None:
    """Issue 12 bug 7: no category drew the untranslated "Length must be between 1 and 12.",
    and the bad fields carried no aria-invalid."""
    staff = make_user(Role.ngo_staff, OrgKind.ngo, "心灵港湾")
    login(client, staff.email)
    zh = {"Accept-Language": "zh-CN"}
    page = client.get("/ngo/projects/new", headers=zh)
    sent = client.post(
        "/ngo/projects/new",
        data={
            "name": "",
            "kind": "service",
            "monthly_units": "5",
            "csrf_token": csrf_from(page.text),
        },
        headers=zh,
    )
    assert sent.status_code == 200
    assert "请选择 1 至 12 个类别。" in sent.text and "Length must be" not in sent.text
    assert '<input name="name" maxlength="100" value="" aria-invalid="true">' in sent.text
    assert 'aria-label="类别" aria-invalid="true"' in sent.text
    assert 'name="monthly_units" inputmode="numeric" value="5">' in sent.text  # a good field


def test_two_referrals_racing_for_the_same_units_one_wins(ctx: Any, client: Any, app: Any) -> None:
    """The need line's row lock: two social workers' requests referring all 6 units of one
    line to two NGOs at the same moment refer it once (PostgreSQL; SQLite has no row locks)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    case, worker = _published(client)
    _, _, first = _ngo(client)
    other = make_user(Role.ngo_staff, OrgKind.ngo, "另一家社工机构")
    second = client.post("/api/v1/projects", json=PROJECT, headers=token_for(other)).json["id"]
    line_id = next(n.id for n in case.need_lines if n.kind == "service")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def contend(project_id: int) -> None:
        with app.app_context():
            actor, mine = db.session.get(User, worker.id), db.session.get(Case, case.id)
            line, project = db.session.get(NeedLine, line_id), services.get_project(project_id)
            barrier.wait(timeout=30)
            try:
                services.refer(actor, mine, line, project, 6)
                db.session.commit()
                outcomes.append("referred")
            except Conflict:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=contend, args=(p,)) for p in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["referred", "refused"]
    assert db.session.scalar(select(func.sum(Referral.units))) == 6
