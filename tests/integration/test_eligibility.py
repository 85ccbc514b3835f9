"""One eligibility rule: every caller refuses the same source that does not fit a need.

A project fits the case when the plan is built; then it changes so that it no longer does (one
condition at a time). Scoring, the ranker, the plan builder's catalog, the list of service
projects offered for a need, referrals (service and HTML) and plan acceptance (API and HTML)
must all refuse it, because they all ask :func:`matching.rules.misfits`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.models import Case
from marketplace.cases.services import applicant
from marketplace.db_types import local_today
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.ngos import services as ngos
from marketplace.ngos.models import Referral
from marketplace.plans import services as plans
from marketplace.plans.models import Plan, PlanStatus
from marketplace.plans.sources import project_source
from matching.ranker import Ranker
from matching.rules import misfits
from matching.scoring import rank, score
from tests.conftest import case_payload, csrf_from, login, make_user, token_for

PROJECT = {
    "name": "医疗与心理援助",
    "kind": "both",
    "categories": ["medical", "psychological"],
    "regions": ["4210"],
    "budget_fen": 800_000,
    "monthly_units": 20,
    "unit_name": "次",
}

# each makes the project stop fitting the case of case_payload() (421002, 45-59, 4 people)
MISFITS = {
    "category": {"categories": ["education"]},
    "region": {"regions": ["4201"]},
    "age_band": {"age_bands": ["0-17"]},
    "household": {"household_max": 2},
    "not_started": {"starts_on": 1},  # days from today
    "ended": {"ends_on": -1},
}
ENGINE_SEES = {"category", "region", "age_band", "household"}  # sources carry no dates


def _published(client: Any) -> tuple[Case, Any]:
    worker = make_user(Role.social_worker)
    sw = token_for(worker)
    rv = token_for(make_user(Role.reviewer, org_name="平台审核", org_kind=OrgKind.platform))
    payload = case_payload()
    payload["consent"]["scope"] = "anonymized_publication_and_referral"
    ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    return db.session.scalar(select(Case).where(Case.ref == ref)), worker


@pytest.mark.parametrize("misfit", sorted(MISFITS))
def test_every_caller_refuses_a_source_that_no_longer_fits(
    ctx: Any, client: Any, misfit: str
) -> None:
    case, worker = _published(client)
    staff = make_user(Role.ngo_staff, OrgKind.ngo, "荆州综合援助中心")
    project = ngos.create_project(staff, dict(PROJECT))
    db.session.commit()
    money_line = next(n for n in case.need_lines if n.kind == "cash")
    service_line = next(n for n in case.need_lines if n.kind == "service")
    assert ngos.project_fits(project, case, money_line)
    assert ngos.service_projects_for(case, service_line) == [project]
    plan = plans.build_plan(worker, case)
    db.session.commit()
    assert {i.source_id for i in plan.items} == {project.id}
    assert {bool(i.amount_fen) for i in plan.items} == {True, False}  # money and service

    for name, value in MISFITS[misfit].items():
        if name in ("starts_on", "ends_on"):
            value = local_today() + timedelta(days=value)
        setattr(project, name, value)
    db.session.commit()

    # the one rule says no, for both need lines
    today = local_today()
    for line in (money_line, service_line):
        assert misfits(ngos.project_rule(project), applicant(case, line), today)
        assert not ngos.project_fits(project, case, line)
    # the plan builder's catalog leaves it out, so matches and new plans do not offer it
    assert f"project:{project.id}" not in {s.id for s in plans.candidate_sources(case)}
    assert all(not m["sources"] for m in plans.matches(case))
    # scoring and the ranker, given the project anyway (the engine has no clock: not dates)
    if misfit in ENGINE_SEES:
        source = project_source(project, 800_000, 20, None)
        for need in plans.case_needs(case):
            assert not score(source, need).eligible
            assert rank([source], need) == []
            assert Ranker([source]).top(need) == []
    # the service projects offered for the need
    assert ngos.service_projects_for(case, service_line) == []
    # a referral
    with pytest.raises(Conflict) as refused:
        ngos.refer(worker, case, service_line, project, 2)
    assert refused.value.code == "project_does_not_fit" and refused.value.details["reasons"]
    db.session.rollback()
    # plan acceptance, through the API
    sw = token_for(worker)
    db.session.commit()
    answer = client.post(f"/api/v1/plans/{plan.id}/accept", headers=sw)
    assert answer.status_code == 409, answer.json
    assert answer.json["error"] == "source_does_not_fit" and answer.json["details"]["reasons"]
    # ... and the HTML pages: refused with the reason shown, nothing created
    login(client, worker.email)
    page = client.get(f"/work/cases/{case.ref}", headers={"Accept-Language": "en"})
    sent = client.post(
        f"/work/cases/{case.ref}/referrals",
        data={
            "need_line_id": service_line.id,
            "project_id": project.id,
            "units": 2,
            "csrf_token": csrf_from(page.text),
        },
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "This project does not serve this need" in sent.text
    accepted = client.post(
        f"/work/plans/{plan.id}/accept",
        data={"csrf_token": csrf_from(page.text)},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "no longer fits its need" in accepted.text
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 0
    assert db.session.get(Plan, plan.id).status == PlanStatus.draft
    assert case.committed_fen == 0
