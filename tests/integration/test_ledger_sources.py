"""The ledger knows no domain: case accounts carry their ceiling (set by the cases domain),
every entry names its source document (the migration finds the same sources in old entries),
and on PostgreSQL the database itself refuses an entry that does not balance."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import OrgKind, Role
from marketplace.cases import services as cases
from marketplace.cases.models import Case
from marketplace.donors import services as donors
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side, SourceKind
from marketplace.ledger.models import JournalEntry, LedgerAccount
from tests.conftest import case_payload, make_user, token_for
from tests.integration.test_disbursements import _custodian, _request
from tests.integration.test_plans import _published, _sources

MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0016_ledger_source.py"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0016", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ceiling(case: Case) -> int | None:
    return db.session.scalar(
        select(LedgerAccount.ceiling_fen).where(LedgerAccount.code == codes.case(case.ref))
    )


def _line(kind: str, amount_fen: int | None = None, units: int | None = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "category": "medical" if kind != "service" else "psychological",
        "description": "需要",
        "amount_fen": amount_fen,
        "units": units,
        "unit_name": "次" if units else None,
        "payee_kind": "vendor",
    }


def test_the_ceiling_follows_every_need_line_change(ctx: Any, client: Any) -> None:
    worker = make_user(Role.social_worker)
    ref = client.post("/api/v1/cases", json=case_payload(), headers=token_for(worker)).json["ref"]
    case = cases.get_case(ref)
    assert _ceiling(case) is None  # no account yet: a draft has no money
    cases.account_code(case)  # opened with the residual need as its ceiling
    assert _ceiling(case) == cases.residual_fen(case) == 3_800_000

    cases.update_case(
        worker,
        case,
        {
            "need_lines": [
                _line("cash", 1_000_000),
                _line("in_kind", 200_000),
                _line("service", None, 3),
            ]
        },
    )
    assert _ceiling(case) == cases.residual_fen(case) == 1_200_000
    cases.update_case(worker, case, {"summary": "只改了摘要"})  # need lines untouched
    assert _ceiling(case) == cases.residual_fen(case)
    cases.update_case(worker, case, {"need_lines": [_line("cash", 500_000)]})
    assert _ceiling(case) == cases.residual_fen(case) == 500_000

    cases.submit_case(worker, case)
    reviewer = make_user(Role.reviewer, OrgKind.platform, "平台审核")
    cases.review_case(reviewer, case, "approve")
    assert _ceiling(case) == cases.residual_fen(case) == 500_000
    db.session.commit()

    # the ledger enforces the ceiling it was given, without asking the cases domain
    code = cases.account_code(case)
    gift = EntryDraft(
        EntryKind.pledge_paid,
        "gift",
        (
            PostingDraft(ledger.WORLD_DONORS, Side.credit, 500_001),
            PostingDraft(code, Side.debit, 500_001),
        ),
    )
    with pytest.raises(ledger.LedgerRefused) as info:
        ledger.post_entry(gift)
    assert info.value.details == {"rule": "overfunded", "account": code, "need_fen": 500_000}
    db.session.rollback()


def test_a_case_account_without_a_ceiling_takes_nothing(ctx: Any) -> None:
    account = ledger.case_account("JJN-NOCASE00", None)
    gift = EntryDraft(
        EntryKind.pledge_paid,
        "gift",
        (
            PostingDraft(ledger.WORLD_DONORS, Side.credit, 1),
            PostingDraft(account.code, Side.debit, 1),
        ),
    )
    with pytest.raises(ledger.LedgerRefused) as info:
        ledger.post_entry(gift)
    assert info.value.details["rule"] == "overfunded"
    ledger.set_ceiling(account.code, 1)
    ledger.post_entry(gift)
    assert ledger.verify() == []
    ledger.set_ceiling(account.code, 0)  # the need went away after the money came
    assert ledger.verify() == [f"{account.code} would receive 1 fen, need is 0"]
    db.session.rollback()


def _story(client: Any) -> Case:
    """Money of every kind: deposits, gifts, a match, a plan (pool, fund and project items), a
    project budget, a payout, a refund and a correction."""
    case, sw = _published(client)
    _sources()
    built = client.post(f"/api/v1/cases/{case.ref}/plans", headers=sw)
    assert client.post(f"/api/v1/plans/{built.json['id']}/accept", headers=sw).status_code == 200
    pledge = donors.create_case_pledge(make_user(Role.donor), case, 100_000)
    donors.record_payment(pledge)
    db.session.commit()
    line = next(n.id for n in case.need_lines if n.kind == "cash")
    rv = _request(client, case, sw, line, amount_fen=50_000)
    assert client.post(f"/api/v1/disbursements/{rv.json['id']}/approve", headers=_custodian())
    refunded = donors.create_case_pledge(make_user(Role.donor), case, 20_000)
    donors.record_payment(refunded)
    donors.record_refund(refunded, 20_000)
    gift = db.session.scalars(
        select(JournalEntry).where(
            JournalEntry.source_type == SourceKind.pledge, JournalEntry.source_id == pledge.id
        )
    ).one()
    ledger.reverse_entry(gift, None, "entered twice")
    db.session.commit()
    return case


def test_every_entry_names_its_source_and_the_migration_finds_the_same(
    ctx: Any, client: Any
) -> None:
    case = _story(client)
    entries = db.session.scalars(select(JournalEntry).order_by(JournalEntry.seq)).all()
    expected = {
        "pledge_paid": SourceKind.pledge,
        "fund_deposit": SourceKind.pledge,
        "match": SourceKind.pledge,
        "refund": SourceKind.pledge,
        "allocation": SourceKind.plan_item,
        "fund_grant": SourceKind.plan_item,
        "project_commitment": SourceKind.plan_item,
        "project_budget": SourceKind.project,
        "disbursement": SourceKind.disbursement,
        "reversal": SourceKind.journal_entry,
    }
    assert {e.kind for e in entries} == set(expected) - {"match"}  # no match offer here
    for entry in entries:
        assert entry.source_type == expected[entry.kind] and entry.source_id, entry.kind
        if entry.kind == "reversal":
            assert entry.source_id == entry.reverses_id
    sources = {e.id: (e.source_type, e.source_id) for e in entries}
    ceilings = dict(db.session.execute(select(LedgerAccount.id, LedgerAccount.ceiling_fen)).all())
    assert ceilings[ledger.get_account(codes.case(case.ref)).id] == cases.residual_fen(case)

    # what the migration works out from the refs and memos of entries written before it
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(
            text("ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_immutable")
        )
    connection.execute(text("UPDATE journal_entries SET source_type = NULL, source_id = NULL"))
    connection.execute(text("UPDATE ledger_accounts SET ceiling_fen = NULL"))
    if postgres:
        connection.execute(
            text("ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_immutable")
        )
    migration = _migration()
    migration.fill_sources(connection)
    migration.fill_ceilings(connection)
    db.session.expire_all()
    found = {e.id: (e.source_type, e.source_id) for e in db.session.scalars(select(JournalEntry))}
    assert found == sources
    refilled = dict(db.session.execute(select(LedgerAccount.id, LedgerAccount.ceiling_fen)).all())
    assert refilled == ceilings
    db.session.rollback()


def test_every_entry_kind_reads_in_public() -> None:
    from marketplace.templating import ENTRY_KIND_LABELS

    assert set(ENTRY_KIND_LABELS) == set(EntryKind)


def _raw_entry(seq: int, amounts: list[tuple[str, int]]) -> None:
    """An entry written straight into the tables, past ``post_entry``."""
    donors_id = ledger.get_account(ledger.WORLD_DONORS).id
    clearing = ledger.get_account(ledger.CLEARING).id
    entry_id = db.session.execute(
        text(
            "INSERT INTO journal_entries (seq, kind, memo, created_at, meta, prev_hash, hash) "
            "VALUES (:seq, 'pledge_paid', '', now(), '{}', :prev, :hash) RETURNING id"
        ),
        {"seq": seq, "prev": f"p{seq}", "hash": f"h{seq}"},
    ).scalar_one()
    for side, amount in amounts:
        db.session.execute(
            text(
                "INSERT INTO postings (entry_id, account_id, side, amount_fen, received_delta_fen) "
                "VALUES (:entry, :account, :side, :amount, 0)"
            ),
            {
                "entry": entry_id,
                "account": donors_id if side == "credit" else clearing,
                "side": side,
                "amount": amount,
            },
        )


def test_postgres_refuses_an_unbalanced_entry_at_commit(ctx: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the balance trigger is PostgreSQL's")
    ledger.get_account(ledger.WORLD_DONORS)
    ledger.get_account(ledger.CLEARING)
    db.session.commit()
    _raw_entry(1001, [("credit", 100), ("debit", 100)])
    db.session.commit()  # a balanced entry is fine
    for seq, amounts in (
        (1002, [("credit", 100), ("debit", 99)]),  # off by one fen
        (1003, [("debit", 100)]),  # one posting
        (1004, []),  # no posting at all
    ):
        _raw_entry(seq, amounts)
        with pytest.raises(IntegrityError, match="does not balance"):
            db.session.commit()
        db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(JournalEntry)) == 1
