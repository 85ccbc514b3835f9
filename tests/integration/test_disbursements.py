"""Money out: four eyes, held funds per need line, one payout per approval, receipts."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases.models import Case
from marketplace.disbursements.models import Disbursement, DisbursementStatus
from marketplace.donors import services as donors
from marketplace.donors.models import Pledge
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from tests import pdfs
from tests.conftest import make_user, token_for
from tests.integration.test_plans import _published

PAID = 300_000


def _funded(client: Any) -> tuple[Case, dict[str, str], int]:
    """A published case with PAID fen received for its first money line."""
    case, sw = _published(client)
    line = next(n for n in case.need_lines if n.kind in ("cash", "in_kind"))
    pledge = donors.create_case_pledge(make_user(Role.donor), case, PAID, need_line_id=line.id)
    donors.record_payment(pledge)
    db.session.commit()
    return case, sw, line.id


def _custodian(name: str = "荆州市慈善总会") -> dict[str, str]:
    return token_for(make_user(Role.reviewer, OrgKind.custodian, name))


def _request(client: Any, case: Case, headers: dict[str, str], line: int, **kw: Any) -> Any:
    body = {
        "case_ref": case.ref,
        "need_line_id": line,
        "amount_fen": kw.pop("amount_fen", 120_000),
        "payee_kind": "vendor",
        "payee_name": "荆州市中心医院",
        "purpose": "住院押金",
        "invoice_ref": "INV-2026-001",
        **kw,
    }
    return client.post("/api/v1/disbursements", json=body, headers=headers)


def test_request_then_approve_pays_out_through_the_ledger(ctx: Any, client: Any) -> None:
    case, sw, line = _funded(client)
    before = ledger.platform_totals()
    rv = _request(client, case, sw, line)
    assert rv.status_code == 201, rv.json
    assert rv.json["status"] == "requested"
    assert ledger.platform_totals() == before  # a request moves nothing
    custodian = _custodian()
    done = client.post(f"/api/v1/disbursements/{rv.json['id']}/approve", headers=custodian)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "paid" and done.json["entry_seq"]
    after = ledger.platform_totals()
    assert after["disbursed_fen"] - before["disbursed_fen"] == 120_000
    assert before["held_fen"] - after["held_fen"] == 120_000
    assert ledger.held_by_line(case.id)[line] == PAID - 120_000
    assert ledger.verify() == []


def test_four_eyes_self_approval_is_refused(ctx: Any, client: Any) -> None:
    """A custodian reviewer who also requested (here: a request made in their name) cannot
    approve it; nor can a social worker or a civil-affairs reviewer."""
    case, sw, line = _funded(client)
    rv = _request(client, case, sw, line)
    disbursement = db.session.get(Disbursement, rv.json["id"])
    reviewer = make_user(Role.reviewer, OrgKind.custodian, "荆州市慈善总会")
    disbursement.requested_by_id = reviewer.id
    db.session.commit()
    own = client.post(f"/api/v1/disbursements/{rv.json['id']}/approve", headers=token_for(reviewer))
    assert own.status_code == 403 and own.json["error"] == "four_eyes"
    for other in (sw, token_for(make_user(Role.reviewer))):
        assert (
            client.post(f"/api/v1/disbursements/{rv.json['id']}/approve", headers=other).status_code
            == 403
        )
    db.session.refresh(disbursement)
    assert disbursement.status == DisbursementStatus.requested
    assert ledger.held_by_line(case.id)[line] == PAID


def test_over_disbursement_is_refused(ctx: Any, client: Any) -> None:
    case, sw, line = _funded(client)
    too_much = _request(client, case, sw, line, amount_fen=PAID + 1)
    assert too_much.status_code == 409 and too_much.json["error"] == "exceeds_held"
    # two requests that each fit, but not together: the second approval is refused
    first = _request(client, case, sw, line, amount_fen=200_000).json["id"]
    second = _request(client, case, sw, line, amount_fen=200_000).json["id"]
    custodian = _custodian()
    assert (
        client.post(f"/api/v1/disbursements/{first}/approve", headers=custodian).status_code == 200
    )
    refused = client.post(f"/api/v1/disbursements/{second}/approve", headers=custodian)
    assert refused.status_code == 409 and refused.json["error"] == "exceeds_held"
    assert db.session.get(Disbursement, second).status == DisbursementStatus.requested
    assert ledger.held_by_line(case.id)[line] == PAID - 200_000
    assert ledger.verify() == []


def test_second_approval_changes_nothing(ctx: Any, client: Any) -> None:
    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]
    custodian = _custodian()
    assert client.post(f"/api/v1/disbursements/{did}/approve", headers=custodian).status_code == 200
    totals = ledger.platform_totals()
    again = client.post(f"/api/v1/disbursements/{did}/approve", headers=custodian)
    assert again.status_code == 409 and again.json["error"] == "already_decided"
    assert ledger.platform_totals() == totals


def test_reject_needs_a_reason_and_moves_nothing(ctx: Any, client: Any) -> None:
    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]
    custodian = _custodian()
    bare = client.post(f"/api/v1/disbursements/{did}/reject", json={}, headers=custodian)
    assert bare.status_code == 422
    rv = client.post(
        f"/api/v1/disbursements/{did}/reject", json={"reason": "发票抬头不符"}, headers=custodian
    )
    assert rv.status_code == 200 and rv.json["status"] == "rejected"
    assert ledger.held_by_line(case.id)[line] == PAID
    assert client.post(f"/api/v1/disbursements/{did}/approve", headers=custodian).status_code == 409


def test_bad_requests(ctx: Any, client: Any) -> None:
    case, sw, line = _funded(client)
    service = next(n.id for n in case.need_lines if n.kind == "service")
    for body, code in (
        ({"amount_fen": -5}, 422),
        ({"amount_fen": 1.5}, 422),
        ({"payee_kind": "friend"}, 422),
        ({"need_line_id": 999_999}, 422),
        ({"need_line_id": service}, 422),
        ({"case_ref": "JJN-NOPE"}, 404),
    ):
        rv = _request(client, case, sw, line, **body)
        assert rv.status_code == code, (body, rv.json)
        assert rv.json["error"]
    stranger = token_for(make_user(Role.social_worker, OrgKind.civil_affairs, "公安县民政局"))
    assert _request(client, case, stranger, line).status_code == 404
    assert db.session.scalar(select(Disbursement.id)) is None


def test_two_approvals_at_once_pay_once(ctx: Any, client: Any, app: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]
    reviewers = [_custodian(), _custodian()]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def approve(headers: dict[str, str]) -> None:
        barrier.wait()
        codes.append(
            app.test_client()
            .post(f"/api/v1/disbursements/{did}/approve", headers=headers)
            .status_code
        )

    threads = [threading.Thread(target=approve, args=(h,)) for h in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409], codes
    db.session.expire_all()
    assert ledger.held_by_line(case.id)[line] == PAID - 120_000
    assert ledger.verify() == []


# ---- receipts ---------------------------------------------------------------------------------


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (30.0, 21.0, 0.0), 3: "E", 4: (112.0, 14.0, 0.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _upload(client: Any, did: int, headers: dict[str, str], data: bytes, name: str) -> Any:
    return client.post(
        f"/api/v1/disbursements/{did}/receipts",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_receipts_are_checked_by_content_and_cleaned(ctx: Any, client: Any) -> None:
    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]
    html = b"<!doctype html><html><script>alert(1)</script></html>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for data, name in ((html, "invoice.jpg"), (svg, "invoice.svg"), (b"", "empty.pdf")):
        rv = _upload(client, did, sw, data, name)
        assert rv.status_code == 422, (name, rv.json)
        assert rv.json["details"]["file"]
    big = client.post(
        f"/api/v1/disbursements/{did}/receipts",
        data={"file": (io.BytesIO(b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024)), "big.pdf")},
        headers=sw,
        content_type="multipart/form-data",
    )
    assert big.status_code == 413 and big.json["error"] == "payload_too_large"

    photo = _jpeg_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif().get(0x8825)  # the GPS tag is there
    rv = _upload(client, did, sw, photo, "收据.jpg")
    assert rv.status_code == 201, rv.json
    got = client.get(f"/api/v1/receipts/{rv.json['id']}/file", headers=sw)
    assert got.status_code == 200
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    stored = got.data
    assert not Image.open(io.BytesIO(stored)).getexif()  # no EXIF, no GPS
    assert b"PhoneMaker" not in stored
    import hashlib

    assert hashlib.sha256(stored).hexdigest() == rv.json["sha256"]

    pdf = _upload(client, did, sw, pdfs.classic(), "a.pdf")
    assert pdf.status_code == 201 and pdf.json["content_type"] == "application/pdf"


def test_receipt_access_is_tiered(ctx: Any, client: Any) -> None:
    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]
    original = _upload(client, did, sw, _jpeg_with_gps(), "a.jpg").json["id"]
    redacted = client.post(
        f"/api/v1/disbursements/{did}/receipts",
        data={"file": (io.BytesIO(_jpeg_with_gps()), "b.jpg"), "variant": "redacted"},
        headers=sw,
        content_type="multipart/form-data",
    ).json["id"]
    donor = db.session.scalars(select(Pledge.donor_id)).first()
    donor_headers = token_for(db.session.get(type(case.owner), donor))
    auditor = token_for(make_user(Role.auditor, OrgKind.platform, "平台审核"))
    stranger = token_for(make_user(Role.donor))
    for who, rid, code in (
        ({}, original, 404),
        ({}, redacted, 404),
        (stranger, redacted, 404),
        (donor_headers, original, 404),
        (donor_headers, redacted, 200),
        (auditor, original, 200),
        (_custodian(), original, 200),
    ):
        assert client.get(f"/api/v1/receipts/{rid}/file", headers=who).status_code == code, (
            who,
            rid,
        )


def test_refund_of_a_line_gift_comes_off_that_line(ctx: Any, client: Any) -> None:
    """A gateway refund of a gift booked on a need line takes it off that line, so what is held
    per line stays right and later payouts are judged against it."""
    case, sw, line = _funded(client)
    extra = donors.create_case_pledge(make_user(Role.donor), case, 50_000, need_line_id=line)
    donors.record_payment(extra)
    db.session.commit()
    assert ledger.held_by_line(case.id)[line] == PAID + 50_000
    assert donors.record_refund(extra, 50_000) == "refunded"
    db.session.commit()
    held = ledger.held_by_line(case.id)
    assert held[line] == PAID and held.get(None, 0) == 0
    assert _request(client, case, sw, line, amount_fen=PAID).status_code == 201
    assert ledger.verify() == []


def test_a_waiting_payout_is_a_close_guard_registered_by_disbursements(
    ctx: Any, client: Any
) -> None:
    """Cases import no disbursement code: the disbursements domain registers the check that a
    case with a payout waiting for approval cannot close."""
    from marketplace.cases import lifecycle
    from marketplace.disbursements import services as disbursements
    from marketplace.errors import Conflict

    assert disbursements.no_payout_waiting in lifecycle._CLOSE_GUARDS.values()
    case, sw, line = _funded(client)
    disbursements.no_payout_waiting(case)  # nothing waits yet
    assert _request(client, case, sw, line).status_code == 201
    with pytest.raises(Conflict) as refused:
        disbursements.no_payout_waiting(case)
    assert refused.value.code == "payout_waiting"
