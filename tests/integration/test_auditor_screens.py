"""The auditor's screens: the ledger explorer (filters, pages, an entry's place in the hash
chain), the verify button and its audit event, and the audit log of private views; who may see
what (platform and custodian auditors everything, an office's auditor its own cases)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from marketplace.accounts.models import OrgKind, Role
from marketplace.audit.models import AuditEvent
from marketplace.audit.services import record
from marketplace.cases.models import Case
from marketplace.cases.services import account_code
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side
from marketplace.ledger.models import JournalEntry
from tests.conftest import case_payload, csrf_from, login, make_user, token_for


def _case(client: Any, worker: Any) -> Case:
    ref = client.post("/api/v1/cases", json=case_payload(), headers=token_for(worker)).json["ref"]
    return db.session.scalar(select(Case).where(Case.ref == ref))


def _pay(case: Case, amount: int) -> JournalEntry:
    draft = EntryDraft(
        EntryKind.pledge_paid,
        "gift",
        (
            PostingDraft(ledger.WORLD_DONORS, Side.credit, amount),
            PostingDraft(account_code(case), Side.debit, amount),
        ),
    )
    return ledger.post_entry(draft)


@pytest.fixture
def world(ctx: Any, client: Any) -> dict[str, Any]:
    """Two offices with a case each, money into both, and auditors of several kinds."""
    worker = make_user(Role.social_worker)
    other_worker = make_user(Role.social_worker, org_name="荆州区民政局")
    mine, theirs = _case(client, worker), _case(client, other_worker)
    _pay(mine, 10_000)
    _pay(theirs, 20_000)
    _pay(mine, 30_000)
    db.session.commit()
    return {
        "worker": worker,
        "mine": mine,
        "theirs": theirs,
        "platform": make_user(Role.auditor, OrgKind.platform),
        "custodian": make_user(Role.auditor, OrgKind.custodian),
        "office": make_user(Role.auditor),  # the same office as ``worker``
    }


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.social_worker, OrgKind.civil_affairs),
        (Role.reviewer, OrgKind.platform),
        (Role.reviewer, OrgKind.custodian),
        (Role.admin, OrgKind.platform),
        (Role.ngo_staff, OrgKind.ngo),
        (Role.company_staff, OrgKind.company),
        (Role.donor, None),
    ],
)
def test_other_roles_are_refused(ctx: Any, client: Any, role: Role, kind: Any) -> None:
    user = make_user(role, kind)
    login(client, user.email)
    for path in ("/audit/ledger", "/audit/ledger/1", "/audit/log"):
        assert client.get(path).status_code == 403, path
    page = client.get("/settings")
    assert (
        client.post("/audit/ledger/verify", data={"csrf_token": csrf_from(page.text)}).status_code
        == 403
    )
    assert (
        db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "ledger.verify")) is None
    )


def test_signed_out_visitors_go_to_sign_in(client: Any) -> None:
    response = client.get("/audit/ledger")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_auditors_land_on_the_ledger_and_see_it_in_the_menu(
    world: dict[str, Any], client: Any
) -> None:
    landed = login(client, world["platform"].email)
    assert landed.headers["Location"].endswith("/audit/ledger")
    page = client.get("/audit/ledger")
    assert 'href="/audit/ledger"' in page.text and 'href="/audit/log"' in page.text


def test_ledger_lists_entries_newest_first_with_filters(world: dict[str, Any], client: Any) -> None:
    login(client, world["platform"].email)
    page = client.get("/audit/ledger", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    seqs = [int(s) for s in re.findall(r'href="/audit/ledger/(\d+)"', page.text)]
    assert seqs == [3, 2, 1]
    assert "¥300.00" in page.text and "Gift received" in page.text
    by_ref = client.get(f"/audit/ledger?account={world['theirs'].ref}")
    assert re.findall(r'href="/audit/ledger/(\d+)"', by_ref.text) == ["2"]
    by_code = client.get(f"/audit/ledger?account=case:{world['mine'].ref}")
    assert re.findall(r'href="/audit/ledger/(\d+)"', by_code.text) == ["3", "1"]
    by_kind = client.get("/audit/ledger?kind=disbursement")
    assert "/audit/ledger/1" not in by_kind.text and 'class="empty"' in by_kind.text
    today = utcnow().date()
    in_range = client.get(
        f"/audit/ledger?date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}"
    )
    assert len(re.findall(r'href="/audit/ledger/(\d+)"', in_range.text)) == 3
    later = client.get(f"/audit/ledger?date_from={today + timedelta(days=2)}")
    assert not re.findall(r'href="/audit/ledger/(\d+)"', later.text)


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2026-13-45",
        "date_to=yesterday",
        "date_from=2026-05-02&date_to=2026-05-01",
        "kind=no-such-kind",
        "account=" + "x" * 65,
        "page=-3&date_from=%00",
    ],
)
def test_bad_filters_are_form_errors_never_a_server_error(
    world: dict[str, Any], client: Any, query: str
) -> None:
    login(client, world["platform"].email)
    page = client.get(f"/audit/ledger?{query}")
    assert page.status_code in (400, 422)
    if "%00" not in query:  # a NUL byte is refused before any view (input_guard)
        assert 'class="field-error"' in page.text and 'aria-invalid="true"' in page.text


def test_ledger_pages(world: dict[str, Any], client: Any) -> None:
    for _ in range(26):
        _pay(world["mine"], 100)
    db.session.commit()
    login(client, world["platform"].email)
    first = client.get("/audit/ledger")
    assert len(re.findall(r'href="/audit/ledger/(\d+)"', first.text)) == 25
    assert 'rel="next"' in first.text
    second = client.get("/audit/ledger?page=2")
    assert re.findall(r'href="/audit/ledger/(\d+)"', second.text) == ["4", "3", "2", "1"]
    assert client.get("/audit/ledger?page=99999999999").status_code == 200


def test_an_entry_shows_postings_and_its_place_in_the_chain(
    world: dict[str, Any], client: Any
) -> None:
    login(client, world["custodian"].email)
    page = client.get("/audit/ledger/2", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    entries = {e.seq: e for e in db.session.scalars(select(JournalEntry))}
    assert entries[2].hash in page.text and entries[1].hash == entries[2].prev_hash
    assert entries[2].prev_hash in page.text
    assert 'href="/audit/ledger/1"' in page.text and 'href="/audit/ledger/3"' in page.text
    assert "Recomputes correctly" in page.text and "Matches" in page.text
    assert f"case:{world['theirs'].ref}" in page.text and "¥200.00" in page.text
    assert "world:donors" in page.text
    assert client.get("/audit/ledger/99").status_code == 404
    assert client.get("/audit/ledger/99999999999").status_code == 404


def test_a_tampered_entry_shows_it_and_verify_names_it(world: dict[str, Any], client: Any) -> None:
    if db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL refuses the edit itself")
    login(client, world["platform"].email)
    page = client.get("/audit/ledger")
    en = {"Accept-Language": "en"}
    done = client.post(
        "/audit/ledger/verify", data={"csrf_token": csrf_from(page.text)}, headers=en
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/audit/ledger")
    shown = client.get("/audit/ledger", headers={"Accept-Language": "en"})
    assert "The ledger checks out: 3 entries" in shown.text and "Checks out" in shown.text
    assert world["platform"].email in shown.text  # who ran it, and when
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.verify"))
    assert event.actor_id == world["platform"].id and event.data["ok"] is True
    assert event.data["entries"] == 3

    db.session.execute(text("UPDATE journal_entries SET memo = 'changed' WHERE seq = 2"))
    db.session.commit()
    entry = client.get("/audit/ledger/2", headers={"Accept-Language": "en"})
    assert "Does not recompute" in entry.text
    client.post("/audit/ledger/verify", data={"csrf_token": csrf_from(shown.text)})
    broken = client.get("/audit/ledger", headers={"Accept-Language": "en"})
    assert "Problems found" in broken.text and "First broken entry" in broken.text
    assert 'href="/audit/ledger/2">#2<' in broken.text
    last = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ledger.verify").order_by(AuditEvent.id)
    ).all()[-1]
    assert last.data["ok"] is False and last.data["first_broken_seq"] == 2


def test_verify_needs_its_csrf_token(world: dict[str, Any], client: Any) -> None:
    login(client, world["platform"].email)
    assert client.post("/audit/ledger/verify", data={}).status_code == 400


def test_an_office_auditor_sees_only_its_own_cases(world: dict[str, Any], client: Any) -> None:
    login(client, world["office"].email)
    page = client.get("/audit/ledger")
    assert re.findall(r'href="/audit/ledger/(\d+)"', page.text) == ["3", "1"]
    assert client.get("/audit/ledger/2").status_code == 404
    entry = client.get("/audit/ledger/3")
    assert entry.status_code == 200 and 'href="/audit/ledger/2"' not in entry.text
    assert "/audit/ledger/verify" not in page.text  # the whole-ledger check is not theirs
    assert (
        client.post("/audit/ledger/verify", data={"csrf_token": csrf_from(page.text)}).status_code
        == 403
    )


def _private_views(world: dict[str, Any]) -> None:
    worker = world["worker"]
    record(worker, "case.private.view", "case", world["mine"].ref)
    record(worker, "case.private.view", "case", world["theirs"].ref)
    record(worker, "referral.contact.view", "referral", 7, case=world["mine"].ref)
    record(worker, "case.submit", "case", world["mine"].ref)  # not a private view
    db.session.commit()


def test_the_audit_log_of_private_views(world: dict[str, Any], client: Any) -> None:
    _private_views(world)
    login(client, world["platform"].email)
    page = client.get("/audit/log", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert page.text.count("Viewed a case's private details") == 2
    assert "Viewed a referral's contact details" in page.text
    assert "case.submit" not in page.text
    assert world["worker"].email in page.text
    assert "王秀英" not in page.text and "13912345678" not in page.text  # never private data
    mine = client.get(f"/audit/log?object={world['mine'].ref}")
    assert mine.text.count(f"{world['mine'].ref}") >= 2 and world["theirs"].ref not in mine.text
    by_action = client.get("/audit/log?action=referral.contact.view")
    assert "referral 7" in by_action.text and world["theirs"].ref not in by_action.text
    by_email = client.get(f"/audit/log?actor={world['worker'].email}")
    assert by_email.text.count("<tr>") == 4  # the header and three events
    by_id = client.get(f"/audit/log?actor={world['platform'].id}")
    assert 'class="empty"' in by_id.text
    nobody = client.get("/audit/log?actor=nobody@example.org")
    assert 'class="empty"' in nobody.text
    assert client.get("/audit/log?actor=not-a-user").status_code == 422
    assert client.get("/audit/log?date_to=31/12/2026").status_code == 422
    assert client.get("/audit/log?action=case.submit").status_code == 422


def test_an_office_auditor_sees_private_views_of_its_own_cases_only(
    world: dict[str, Any], client: Any
) -> None:
    _private_views(world)
    login(client, world["office"].email)
    page = client.get("/audit/log")
    assert world["mine"].ref in page.text and world["theirs"].ref not in page.text
    assert "ledger.verify" not in page.text  # staff actions are for platform auditors


def test_empty_ledger_and_log_say_so(ctx: Any, client: Any) -> None:
    auditor = make_user(Role.auditor, OrgKind.platform)
    login(client, auditor.email)
    assert "尚无资金变动" in client.get("/audit/ledger").text
    assert "目前还没有人查阅过隐私信息" in client.get("/audit/log").text
    filtered = client.get("/audit/log?action=case.private.view")
    assert "没有符合筛选条件的记录" in filtered.text and "清除筛选条件" in filtered.text
