"""Money out in HTML: request, four-eyes approval, receipts, closing, follow-ups, jobs."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image
from sqlalchemy import select

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.models import Case, FollowUp
from marketplace.cases.states import CaseStage, CaseStatus
from marketplace.db_types import utcnow
from marketplace.disbursements.models import Disbursement, DisbursementStatus
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.notifications.models import Notification
from tests.conftest import csrf_from, login, make_user
from tests.integration.test_disbursements import PAID, _funded


def _form(page: str, **fields: Any) -> dict[str, Any]:
    return {"csrf_token": csrf_from(page), **fields}


def _request_via_form(client: Any, case: Case, line: int, amount: str) -> Any:
    page = client.get(f"/work/cases/{case.ref}/money")
    assert page.status_code == 200
    return client.post(
        f"/work/cases/{case.ref}/money",
        data=_form(
            page.text,
            need_line_id=str(line),
            amount=amount,
            payee_kind="vendor",
            payee_name="荆州市中心医院",
            purpose="住院押金",
            invoice_ref="INV-7",
        ),
    )


def test_request_approve_upload_and_close(ctx: Any, client: Any, app: Any) -> None:
    case, _, line = _funded(client)
    owner = case.owner
    login(client, owner.email)
    bad = _request_via_form(client, case, line, "abc")
    assert bad.status_code == 422 and "荆州市中心医院" in bad.text  # input kept
    assert db.session.scalar(select(Disbursement.id)) is None
    ok = _request_via_form(client, case, line, "3,000")
    assert ok.status_code == 302
    found = db.session.scalars(select(Disbursement)).one()
    assert found.amount_fen == PAID and found.status == DisbursementStatus.requested

    # the requester sees no approve button; the custodian reviewer does
    page = client.get(f"/work/disbursements/{found.id}")
    assert f"/work/disbursements/{found.id}/approve" not in page.text
    assert "双人审核" in page.text or "Four eyes" in page.text
    client.get("/logout")
    reviewer = make_user(Role.reviewer, OrgKind.custodian, "荆州市慈善总会")
    custodian = app.test_client()
    login(custodian, reviewer.email)
    queue = custodian.get("/work/disbursements")
    assert queue.status_code == 200 and case.ref in queue.text
    detail = custodian.get(f"/work/disbursements/{found.id}")
    done = custodian.post(f"/work/disbursements/{found.id}/approve", data=_form(detail.text))
    assert done.status_code == 302
    db.session.expire_all()
    assert found.status == DisbursementStatus.paid
    assert ledger.held_by_line(case.id).get(line, 0) == 0
    assert db.session.get(Case, case.id).stage == CaseStage.disbursing

    # receipts through the form, then the case can close
    worker = app.test_client()
    login(worker, owner.email)
    detail = worker.get(f"/work/disbursements/{found.id}")
    image = io.BytesIO()
    Image.new("RGB", (10, 10)).save(image, "PNG")
    image.seek(0)
    stored = worker.post(
        f"/work/disbursements/{found.id}/receipts",
        data=_form(detail.text, variant="original", file=(image, "r.png")),
        content_type="multipart/form-data",
    )
    assert stored.status_code == 302
    html_as_jpg = worker.post(
        f"/work/disbursements/{found.id}/receipts",
        data=_form(detail.text, variant="original", file=(io.BytesIO(b"<html>"), "x.jpg")),
        content_type="multipart/form-data",
    )
    assert html_as_jpg.status_code == 422  # the form again, the reason next to the file
    assert "只接受 PDF、JPEG 和 PNG 文件" in html_as_jpg.text
    assert len(db.session.get(Disbursement, found.id).receipts) == 1
    money = worker.get(f"/work/cases/{case.ref}/money")
    closed = worker.post(
        f"/work/cases/{case.ref}/close",
        data=_form(money.text, outcome="resolved", note="王秀英一家已渡过难关"),
    )
    assert closed.status_code == 302
    db.session.expire_all()
    final = db.session.get(Case, case.id)
    assert final.status == CaseStatus.closed and final.stage == CaseStage.closed
    assert "王秀英" not in final.public_outcome_note  # scrubbed for donors
    assert final.outcome_note == "王秀英一家已渡过难关"  # as typed, encrypted at rest
    assert [f.days for f in db.session.scalars(select(FollowUp))] == [30, 90]
    assert client.get(f"/cases/{case.ref}").status_code == 200  # still public


def test_close_is_refused_while_money_is_held(ctx: Any, client: Any) -> None:
    case, _, _ = _funded(client)
    login(client, case.owner.email)
    money = client.get(f"/work/cases/{case.ref}/money")
    rv = client.post(
        f"/work/cases/{case.ref}/close", data=_form(money.text, outcome="resolved", note="")
    )
    assert rv.status_code == 302
    assert db.session.get(Case, case.id).status == CaseStatus.published
    assert "仍有托管资金" in client.get(f"/work/cases/{case.ref}/money").text  # the flash


def test_strangers_cannot_see_the_money_page(ctx: Any, client: Any) -> None:
    case, _, _ = _funded(client)
    other = make_user(Role.social_worker, OrgKind.civil_affairs, "公安县民政局")
    login(client, other.email)
    assert client.get(f"/work/cases/{case.ref}/money").status_code == 404
    assert client.get("/work/disbursements").status_code == 403


def test_overdue_receipts_and_follow_up_jobs(ctx: Any, client: Any, app: Any) -> None:
    from marketplace.cases.lifecycle import close_case
    from marketplace.disbursements import services

    case, _, line = _funded(client)
    owner = case.owner
    found = services.request_disbursement(
        owner,
        case,
        {
            "need_line_id": line,
            "amount_fen": PAID,
            "payee_kind": "beneficiary",
            "payee_name": "王秀英",
            "purpose": "生活费",
        },
    )
    services.approve(make_user(Role.reviewer, OrgKind.custodian, "荆州市慈善总会"), found)
    db.session.commit()
    runner = app.test_cli_runner()

    def notes() -> list[str]:
        return list(
            db.session.scalars(select(Notification.text).where(Notification.user_id == owner.id))
        )

    assert '"overdue": 0' in runner.invoke(args=["jobs", "run", "overdue-receipts"]).output
    found.decided_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert '"overdue": 1' in runner.invoke(args=["jobs", "run", "overdue-receipts"]).output
    runner.invoke(args=["jobs", "run", "overdue-receipts"])
    assert sum("overdue" in n or "逾期" in n for n in notes()) == 1  # once

    close_case(owner, db.session.get(Case, case.id), "partly", "")
    db.session.commit()
    assert '"due": 0' in runner.invoke(args=["jobs", "run", "follow-ups"]).output
    for f in db.session.scalars(select(FollowUp)):
        f.due_on = f.due_on - timedelta(days=30)
    db.session.commit()
    assert '"due": 1' in runner.invoke(args=["jobs", "run", "follow-ups"]).output
