"""The whole case flow through the JSON API, on the real database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import OrgKind, Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from tests.conftest import case_payload, make_user, token_for


def _setup(ctx: Any) -> tuple[dict[str, str], dict[str, str]]:
    worker = make_user(Role.social_worker)
    reviewer = make_user(Role.reviewer)
    return token_for(worker), token_for(reviewer)


def test_intake_submit_review_publish(ctx: Any, client: Any) -> None:
    sw, rv = _setup(ctx)
    created = client.post("/api/v1/cases", json=case_payload(), headers=sw)
    assert created.status_code == 201, created.json
    body = created.json
    ref = body["ref"]
    assert ref.startswith("JJN-") and body["status"] == "draft"
    assert body["flags"] == []
    # not public yet
    assert client.get(f"/api/v1/cases/{ref}").status_code == 404
    assert client.get("/api/v1/cases").json["total"] == 0

    submitted = client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted"

    reviewed = client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    assert reviewed.status_code == 200, reviewed.json
    assert reviewed.json["status"] == "published"

    public = client.get(f"/api/v1/cases/{ref}")
    assert public.status_code == 200
    case = public.json
    assert case["government_paid_fen"] == 2_500_000
    assert case["residual_fen"] == 3_800_000
    assert case["total_need_fen"] == 6_300_000
    assert case["funded_fen"] == 0 and case["open_fen"] == 3_800_000
    assert case["household_size"] == "4"
    assert "13912345678" not in case["summary"] and "王秀英" not in case["summary"]
    assert "[手机号]" in case["summary"] and "[姓名]" in case["summary"]
    assert {s["scheme"] for s in case["government_paid_by_scheme"]} == {"medical", "temporary"}
    listing = client.get("/api/v1/cases?category=medical&region=4210").json
    assert listing["total"] == 1 and listing["items"][0]["ref"] == ref
    assert client.get("/api/v1/cases?category=housing").json["total"] == 0
    # the maintained "still open" aggregate drives the amount filter and the home page total
    assert client.get("/api/v1/cases?min_open_fen=3800000").json["total"] == 1
    assert client.get("/api/v1/cases?min_open_fen=3800001").json["total"] == 0
    assert "¥38,000.00" in client.get("/", headers={"Accept-Language": "en"}).text


def test_submission_refused_while_government_payout_unpaid(ctx: Any, client: Any) -> None:
    sw, _ = _setup(ctx)
    payload = case_payload()
    payload["government_payouts"][0].update(status="approved", paid_on=None)
    ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]
    refused = client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    assert refused.status_code == 409
    assert refused.json["error"] == "cannot_submit"
    assert client.get(f"/api/v1/cases/{ref}/manage", headers=sw).json["status"] == "draft"


def test_emergency_case_publishes_with_paperwork_pending(ctx: Any, client: Any) -> None:
    sw, rv = _setup(ctx)
    payload = case_payload(emergency=True)
    payload["government_payouts"][0].update(status="applied", paid_on=None)
    ref = client.post("/api/v1/cases", json=payload, headers=sw).json["ref"]
    submitted = client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    assert submitted.status_code == 200
    assert submitted.json["paperwork_deadline"] is not None
    client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    public = client.get(f"/api/v1/cases/{ref}").json
    assert public["emergency"] is True and public["paperwork_pending"] is True
    # only what government actually paid counts
    assert public["government_paid_fen"] == 500_000


def test_consent_required(ctx: Any, client: Any) -> None:
    sw, _ = _setup(ctx)
    ref = client.post(
        "/api/v1/cases", json=case_payload(consent={"publish": False}), headers=sw
    ).json["ref"]
    refused = client.post(f"/api/v1/cases/{ref}/submit", headers={**sw, "Accept-Language": "en"})
    assert refused.status_code == 409
    assert any("consent" in p.lower() for p in refused.json["details"]["problems"])


def test_return_with_reason_then_edit_and_resubmit(ctx: Any, client: Any) -> None:
    sw, rv = _setup(ctx)
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    no_reason = client.post(f"/api/v1/cases/{ref}/review", json={"decision": "return"}, headers=rv)
    assert no_reason.status_code == 422
    returned = client.post(
        f"/api/v1/cases/{ref}/review",
        json={"decision": "return", "reason": "摘要过细"},
        headers=rv,
    )
    assert returned.json["status"] == "returned" and returned.json["return_reason"] == "摘要过细"
    patched = client.patch(f"/api/v1/cases/{ref}", json={"summary": "家庭困难。"}, headers=sw)
    assert patched.status_code == 200 and patched.json["summary"] == "家庭困难。"
    assert client.post(f"/api/v1/cases/{ref}/submit", headers=sw).json["status"] == "submitted"


def test_reviewer_cannot_approve_own_submission(ctx: Any, client: Any) -> None:
    # a reviewer who is also the submitter: simulate by making the owner a reviewer's account
    sw, _ = _setup(ctx)
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
    from marketplace.cases.models import Case

    case = db.session.scalar(select(Case).where(Case.ref == ref))
    owner = case.owner
    owner.role = Role.reviewer
    db.session.commit()
    refused = client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=sw)
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(Case.status).where(Case.ref == ref)) == "submitted"


def test_private_endpoint_is_audited_and_org_only(ctx: Any, client: Any) -> None:
    sw, _ = _setup(ctx)
    other = token_for(make_user(Role.social_worker, OrgKind.civil_affairs, "公安县民政局"))
    ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    private = client.get(f"/api/v1/cases/{ref}/private", headers=sw)
    assert private.status_code == 200 and private.json["id_number"] == "42100219800101100X"
    assert client.get(f"/api/v1/cases/{ref}/private", headers=other).status_code == 404
    assert client.get(f"/api/v1/cases/{ref}/private").status_code == 401
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.private.view")
    ).all()
    assert len(views) == 1 and views[0].object_id == ref


def test_duplicate_aid_flag_across_organizations(ctx: Any, client: Any) -> None:
    sw, _ = _setup(ctx)
    other = token_for(make_user(Role.social_worker, OrgKind.civil_affairs, "公安县民政局"))
    first = client.post("/api/v1/cases", json=case_payload(), headers=sw).json
    assert first["flags"] == []
    payload = case_payload()
    # same person written differently: lower-case x, spaces, full-width digits
    payload["private"]["id_number"] = "４２１００２ 19800101100x"
    payload["private"]["name"] = "另一人"
    second = client.post("/api/v1/cases", json=payload, headers=other)
    assert second.status_code == 201
    assert second.json["flags"] == ["possible_duplicate"]
    # the flag reveals nothing of the other organization's case
    assert first["ref"] not in second.text and "王秀英" not in second.text


def test_withdrawn_cases_do_not_count_as_duplicates(ctx: Any, client: Any) -> None:
    sw, _ = _setup(ctx)
    first = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
    client.post(f"/api/v1/cases/{first}/withdraw", json={"reason": "重复登记"}, headers=sw)
    second = client.post("/api/v1/cases", json=case_payload(), headers=sw).json
    assert second["flags"] == []


def test_pagination(ctx: Any, client: Any) -> None:
    sw, rv = _setup(ctx)
    for _ in range(5):
        ref = client.post("/api/v1/cases", json=case_payload(), headers=sw).json["ref"]
        client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
        client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    page1 = client.get("/api/v1/cases?per_page=2&page=1").json
    page3 = client.get("/api/v1/cases?per_page=2&page=3").json
    assert page1["total"] == 5 and len(page1["items"]) == 2 and page1["pages"] == 3
    assert len(page3["items"]) == 1
    seen = {
        c["ref"]
        for p in (1, 2, 3)
        for c in client.get(f"/api/v1/cases?per_page=2&page={p}").json["items"]
    }
    assert len(seen) == 5


def test_quasi_identifier_peers(ctx: Any, client: Any) -> None:
    from marketplace.cases import services
    from marketplace.cases.models import Case

    sw, rv = _setup(ctx)
    refs = []
    for size in (5, 7, 3):
        ref = client.post("/api/v1/cases", json=case_payload(household_size=size), headers=sw)
        refs.append(ref.json["ref"])
    for ref in refs[:2]:
        client.post(f"/api/v1/cases/{ref}/submit", headers=sw)
        client.post(f"/api/v1/cases/{ref}/review", json={"decision": "approve"}, headers=rv)
    cases = {r: db.session.scalar(select(Case).where(Case.ref == r)) for r in refs}
    assert services.quasi_identifier_peers(cases[refs[0]]) == 1  # 5 and 7 are both "5+"
    assert services.quasi_identifier_peers(cases[refs[2]]) == 0  # household of 3: unique


def test_own_cases_path_is_not_a_case_reference(client: Any) -> None:
    """``/cases/mine`` is its own resource: its Allow header does not borrow the PATCH of
    ``/cases/<ref>`` (schemathesis' allow_header_conformance), and PATCH there is a 405."""
    allow = {m.strip() for m in client.options("/api/v1/cases/mine").headers["Allow"].split(",")}
    assert allow == {"GET", "HEAD", "OPTIONS"}
    assert client.patch("/api/v1/cases/mine", json={}).status_code == 405
    assert "PATCH" in client.options("/api/v1/cases/JJN-ANYTHING").headers["Allow"]
