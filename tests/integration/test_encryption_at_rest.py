"""Private text encrypted at rest (issue 10, point 4).

After the demo data (the ``flask demo`` code path) plus a planted case whose private part and
every typed free text (summary, need-line descriptions, return reason, disbursement payee,
purpose and rejection reason, outcome note, follow-up answer, referral decline note, withdraw
reason) hold a beneficiary's name, resident ID number, mobile number, street address, bank
card number and her husband's name, the raw SQLite files (main file and -wal) and a ``pg_dump``
of the PostgreSQL test database contain none of those strings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.cases import lifecycle
from marketplace.cases import services as cases
from marketplace.cases.models import Case, FollowUp
from marketplace.cases.schemas import CaseCreateSchema
from marketplace.cases.vault import is_valid_id_number
from marketplace.disbursements import services as payouts
from marketplace.donors import services as donors
from marketplace.extensions import db
from marketplace.ngos import services as ngos
from marketplace.ngos.models import Project

NAME = "欧阳秀英"
ID_NUMBER = "421002197503152131"
PHONE = "13971234567"
ADDRESS = "沙市区北京中路128号3栋502室"
CARD = "6217002880123456789"  # passes Luhn
SPOUSE = "司马建国"  # another person: a household member named in the typed text
PLANTED = (NAME, ID_NUMBER, PHONE, ADDRESS, CARD, SPOUSE)
MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
CASH_FEN = 500_000


def _all(prefix: str = "") -> str:
    return f"{prefix}{NAME},住{ADDRESS},身份证{ID_NUMBER},手机{PHONE},银行卡{CARD},丈夫{SPOUSE}"


def test_planted_values_are_valid() -> None:
    from stdnum import luhn

    assert is_valid_id_number(ID_NUMBER)
    assert luhn.is_valid(CARD)


def plant(app: Flask) -> str:
    """Load the demo, then take a planted case through its whole life; return its ref."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    users = {u.email: u for u in db.session.scalars(select(User))}
    worker = users["sw.shashi@demo.jjn.cn"]
    reviewer = users["reviewer.shashi@demo.jjn.cn"]
    custodian = users["custodian@demo.jjn.cn"]
    harbor = users["ngo.harbor@demo.jjn.cn"]
    payload = {
        "private": {
            "name": NAME,
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "address": ADDRESS,
            "narrative": _all("叙述:"),
            "household_members": [{"relation": "丈夫", "name": SPOUSE}],
        },
        "consent": {
            "publish": True,
            "recorded_on": "2026-11-01",
            "scope": "anonymized_publication_and_referral",
        },
        "region": "421002",
        "categories": ["medical"],
        "household_size": 3,
        "age_band": "45-59",
        "summary": _all("摘要:") + ",住院后仍有自付缺口。",
        "emergency": False,
        "government_payouts": [
            {
                "scheme": "medical",
                "amount_fen": 1_000_000,
                "status": "paid",
                "paid_on": "2026-10-20",
            }
        ],
        "need_lines": [
            {
                "kind": "cash",
                "category": "medical",
                "description": _all("住院自付:"),
                "amount_fen": CASH_FEN,
                "payee_kind": "beneficiary",
            },
            {
                "kind": "service",
                "category": "psychological",
                "description": _all("心理疏导:"),
                "units": 4,
                "unit_name": "次",
                "payee_kind": "beneficiary",
            },
        ],
    }
    data = CaseCreateSchema().load(payload)
    case = cases.create_case(worker, data)
    cases.submit_case(worker, case)
    cases.review_case(reviewer, case, "return", _all("退回:"))
    cases.submit_case(worker, case)
    cases.review_case(reviewer, case, "approve")
    db.session.commit()

    cash = next(n for n in case.need_lines if n.kind == "cash")
    service = next(n for n in case.need_lines if n.kind == "service")
    project = db.session.scalar(select(Project).where(Project.name.like("心灵港湾%")))
    assert project is not None
    referral = ngos.refer(worker, case, service, project, 2)
    ngos.decide_referral(harbor, referral, accept=False, reason=_all("婉拒:"))

    pledge = donors.create_case_pledge(
        users["donor@demo.jjn.cn"], case, CASH_FEN, need_line_id=cash.id
    )
    donors.record_payment(pledge)
    request = {
        "need_line_id": cash.id,
        "amount_fen": CASH_FEN,
        "payee_kind": "beneficiary",
        "payee_name": NAME,
        "purpose": _all("用途:")[:300],
        "invoice_ref": "",
    }
    refused = payouts.request_disbursement(worker, case, request)
    payouts.reject(custodian, refused, _all("驳回:"))
    payouts.approve(custodian, payouts.request_disbursement(worker, case, request))
    lifecycle.close_case(worker, case, "resolved", _all("结案:"))
    follow_up = db.session.scalar(
        select(FollowUp).where(FollowUp.case_id == case.id, FollowUp.days == 30)
    )
    assert follow_up is not None
    lifecycle.answer_follow_up(worker, follow_up, "partly", _all("回访:"))

    other = cases.create_case(worker, CaseCreateSchema().load({**payload, "summary": "另一户"}))
    cases.withdraw_case(worker, other, _all("撤回:"))
    db.session.commit()
    return case.ref


def _count(blob: bytes) -> dict[str, int]:
    """Matches of each planted string in UTF-8, plus its \\u-escaped form (JSON columns)."""
    counts = {}
    for value in PLANTED:
        forms = {value.encode(), json.dumps(value)[1:-1].encode()}
        counts[value] = sum(blob.count(form) for form in forms)
    return counts


def _assert_readable(ref: str) -> None:
    """The social worker still reads what they typed (the type decrypts)."""
    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    assert case is not None
    assert NAME in case.summary and CARD in case.need_lines[0].description
    assert NAME not in case.public_summary and CARD not in case.need_lines[0].public_description


def test_sqlite_files_hold_no_planted_string(tmp_path: Path, app: Flask) -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and not url.startswith("sqlite"):
        pytest.skip("the raw-file check runs on SQLite")
    path = tmp_path / "at-rest.sqlite"
    dedicated = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    dedicated.instance_path = str(tmp_path)
    with dedicated.app_context():
        upgrade(directory=MIGRATIONS)
        ref = plant(dedicated)
        _assert_readable(ref)
        db.session.remove()
        files = sorted(p for p in tmp_path.iterdir() if p.name.startswith(path.name))
        blob = b"".join(p.read_bytes() for p in files)  # main file, -wal and -shm as they are
        counts = _count(blob)
        db.engine.dispose()
    print(f"SQLite files {[p.name for p in files]}, {len(blob)} bytes: {counts}")
    assert any(p.name.endswith("-wal") for p in files)
    assert ref.encode() in blob  # the files hold the planted case
    assert counts == dict.fromkeys(PLANTED, 0)


def test_pg_dump_holds_no_planted_string(ctx: Flask, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the pg_dump check runs on PostgreSQL (TEST_DATABASE_URL)")
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed")
    ref = plant(ctx)
    _assert_readable(ref)
    db.session.commit()
    url = make_url(database_url).set(drivername="postgresql")
    dump = subprocess.run(  # noqa: S603 - fixed program, URL from the test configuration
        [pg_dump, "--no-owner", "--dbname", url.render_as_string(hide_password=False)],
        capture_output=True,
        check=True,
    ).stdout
    counts = _count(dump)
    print(f"pg_dump, {len(dump)} bytes: {counts}")
    assert ref.encode() in dump  # the dump holds the planted case
    assert counts == dict.fromkeys(PLANTED, 0)


def test_length_limits_hold_without_the_database(ctx: Flask, client: Any) -> None:
    """The old VARCHAR limits (need line 500, purpose 300) are kept by the schemas: a longer
    text is a 422 naming the field, not a 500, on every database."""
    from marketplace.accounts.models import Role
    from tests.conftest import case_payload, make_user, token_for
    from tests.integration.test_disbursements import _funded, _request

    sw = token_for(make_user(Role.social_worker))
    payload = case_payload()
    payload["need_lines"][0]["description"] = "长" * 501
    too_long = client.post("/api/v1/cases", json=payload, headers=sw)
    assert too_long.status_code == 422
    assert "need_lines" in too_long.json["details"]
    payload["need_lines"][0]["description"] = "长" * 500
    assert client.post("/api/v1/cases", json=payload, headers=sw).status_code == 201

    case, owner, line = _funded(client)
    refused = _request(client, case, owner, line, purpose="长" * 301)
    assert refused.status_code == 422 and "purpose" in refused.json["details"]
    assert _request(client, case, owner, line, purpose="长" * 300).status_code == 201


def test_migration_encrypts_existing_rows_and_downgrade_decrypts(
    tmp_path: Path, app: Flask
) -> None:
    """0014 down (to the clear schema of 0013) and up again over the demo plus the planted case:
    down, the typed text is back in clear; up, it is encrypted again and reads the same."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and not url.startswith("sqlite"):
        pytest.skip("runs on a dedicated SQLite file")
    from flask_migrate import downgrade
    from sqlalchemy import text

    path = tmp_path / "cycle.sqlite"
    dedicated = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    dedicated.instance_path = str(tmp_path)
    clear = (
        "SELECT c.summary, n.description, d.purpose, d.reason, r.decline_reason "
        "FROM cases c JOIN need_lines n ON n.case_id = c.id AND n.position = 0 "
        "JOIN disbursements d ON d.case_id = c.id AND d.status = 'rejected' "
        "JOIN referrals r ON r.case_id = c.id WHERE c.ref = :ref"
    )
    with dedicated.app_context():
        upgrade(directory=MIGRATIONS)
        ref = plant(dedicated)
        db.session.remove()
        downgrade(directory=MIGRATIONS, revision="0013")
        row = db.session.execute(text(clear), {"ref": ref}).one()
        assert all(CARD in value for value in row), row
        withdrawn = db.session.scalar(
            text("SELECT data FROM audit_events WHERE action = 'case.withdraw' ORDER BY id DESC")
        )
        assert NAME in json.loads(withdrawn)["reason"]
        db.session.remove()

        upgrade(directory=MIGRATIONS)
        row = db.session.execute(text(clear), {"ref": ref}).one()
        assert all(value.startswith("gAAAAA") and CARD not in value for value in row), row
        _assert_readable(ref)
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        assert case is not None and case.return_reason is None  # cleared by the resubmission
        assert case.outcome_note == case.public_outcome_note  # the typed note was never kept
        db.session.remove()
        db.engine.dispose()
