"""The ledger's write path on the real database: invariants, reversals, tamper evidence,
immutability on PostgreSQL, concurrency, and a Hypothesis state machine over money operations."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select, text

from marketplace.accounts.models import Role
from marketplace.cases.models import Case
from marketplace.cases.services import account_code, public_view
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.core import EntryDraft, EntryKind, PostingDraft, Side
from marketplace.ledger.models import JournalEntry
from tests.conftest import case_payload, make_user, token_for

D, C = Side.debit, Side.credit
NEED = 3_800_000  # the residual of case_payload()


def _case(client: Any, headers: dict[str, str] | None = None) -> Case:
    headers = headers or token_for(make_user(Role.social_worker))
    ref = client.post("/api/v1/cases", json=case_payload(), headers=headers).json["ref"]
    return db.session.scalar(select(Case).where(Case.ref == ref))


def _pay(case: Case, amount: int, line: int | None = None) -> JournalEntry:
    code = account_code(case)
    draft = EntryDraft(
        EntryKind.pledge_paid,
        "gift",
        (PostingDraft(ledger.WORLD_DONORS, C, amount), PostingDraft(code, D, amount, line)),
    )
    return ledger.post_entry(draft)


def _move(kind: str, src: str, dst: str, amount: int) -> JournalEntry:
    postings = (PostingDraft(src, C, amount), PostingDraft(dst, D, amount))
    draft = EntryDraft(EntryKind(kind), kind, postings)
    return ledger.post_entry(draft)


def test_payment_shows_on_the_case(ctx: Any, client: Any) -> None:
    case = _case(client)
    line = case.need_lines[0].id
    _pay(case, 100_000, line)
    _pay(case, 50_000)
    db.session.commit()
    view = public_view(case)
    assert view["funded_fen"] == 150_000 and view["open_fen"] == NEED - 150_000
    assert next(n for n in view["need_lines"] if n["id"] == line)["funded_fen"] == 100_000
    assert ledger.balance(ledger.WORLD_DONORS) == -150_000
    assert ledger.verify() == []


def test_overfunding_refused_and_nothing_written(ctx: Any, client: Any) -> None:
    case = _case(client)
    _pay(case, NEED - 100)
    db.session.commit()
    with pytest.raises(ledger.LedgerRefused) as info:
        _pay(case, 101)
    assert info.value.details["rule"] == "overfunded"
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(JournalEntry)) == 1
    _pay(case, 100)  # exactly the rest is fine
    db.session.commit()
    assert ledger.verify() == []


def test_overdraft_refused(ctx: Any, client: Any) -> None:
    case = _case(client)
    code = account_code(case)
    _pay(case, 1000)
    db.session.commit()
    with pytest.raises(ledger.LedgerRefused) as info:
        _move("disbursement", code, ledger.WORLD_PAYEES, 1001)
    assert info.value.details["rule"] == "negative_balance"
    db.session.rollback()
    _move("disbursement", code, ledger.WORLD_PAYEES, 1000)
    db.session.commit()
    assert ledger.balance(code) == 0 and ledger.balance(ledger.WORLD_PAYEES) == 1000


def test_unbalanced_refused(ctx: Any, client: Any) -> None:
    case = _case(client)
    draft = EntryDraft(
        EntryKind.pledge_paid,
        "",
        (
            PostingDraft(ledger.WORLD_DONORS, C, 100),
            PostingDraft(account_code(case), D, 99),
        ),
    )
    with pytest.raises(ledger.LedgerRefused):
        ledger.post_entry(draft)


def test_reversal_restores_and_cannot_repeat(ctx: Any, client: Any) -> None:
    case = _case(client)
    entry = _pay(case, 5000)
    db.session.commit()
    reversal = ledger.reverse_entry(entry, None, "entered twice")
    db.session.commit()
    assert reversal.reverses_id == entry.id
    assert public_view(case)["funded_fen"] == 0
    assert ledger.balance(ledger.WORLD_DONORS) == 0
    with pytest.raises(ledger.LedgerRefused):
        ledger.reverse_entry(entry, None, "again")
    db.session.rollback()
    assert ledger.verify() == []


def test_disbursement_does_not_reopen_need_but_refund_does(ctx: Any, client: Any) -> None:
    case = _case(client)
    code = account_code(case)
    _pay(case, NEED)
    _move("disbursement", code, ledger.WORLD_PAYEES, 1000)
    db.session.commit()
    assert public_view(case)["open_fen"] == 0  # paid out, still counts as received
    _move("refund", code, ledger.WORLD_REFUNDS, 500)
    db.session.commit()
    assert public_view(case)["open_fen"] == 500
    assert ledger.verify() == []


def test_chain_links_every_entry(ctx: Any, client: Any) -> None:
    case = _case(client)
    entries = [_pay(case, 100 + i) for i in range(5)]
    db.session.commit()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash


def test_verify_detects_tampering(ctx: Any, client: Any) -> None:
    if db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL refuses the edit itself (see test_postgres_refuses_edits)")
    case = _case(client)
    _pay(case, 100)
    _pay(case, 200)
    db.session.commit()
    runner = ctx.test_cli_runner()
    ok = runner.invoke(args=["ledger", "verify"])
    assert ok.exit_code == 0 and "ledger OK: 2 entries" in ok.output
    db.session.execute(text("UPDATE postings SET amount_fen = 150 WHERE amount_fen = 100"))
    db.session.commit()
    broken = runner.invoke(args=["ledger", "verify"])
    assert broken.exit_code == 1
    assert "tampered" in broken.output or "does not balance" in broken.output


def test_postgres_refuses_edits(ctx: Any, client: Any) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the immutability trigger is PostgreSQL's")
    from sqlalchemy.exc import IntegrityError

    case = _case(client)
    _pay(case, 100)
    db.session.commit()
    for statement in (
        "UPDATE postings SET amount_fen = 1",
        "DELETE FROM postings",
        "UPDATE journal_entries SET memo = 'x'",
        "DELETE FROM journal_entries",
    ):
        with pytest.raises(IntegrityError, match="immutable"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert ledger.verify() == []


def test_concurrent_payments_never_overfund(ctx: Any, client: Any, app: Any) -> None:
    """20 threads each try to give 10% of the need: at most 10 succeed, the rest are refused."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    case = _case(client)
    case_id = case.id
    account_code(case)
    db.session.commit()
    results: list[str] = []
    barrier = threading.Barrier(20)

    def give() -> None:
        with app.app_context():
            barrier.wait()
            for _attempt in range(20):
                try:
                    _pay(db.session.get(Case, case_id), NEED // 10)
                    db.session.commit()
                    results.append("ok")
                    return
                except ledger.LedgerRefused as exc:
                    db.session.rollback()
                    if exc.details.get("rule") == "overfunded":
                        results.append("refused")
                        return
                except Exception:  # noqa: BLE001 - serialization conflicts: try again
                    db.session.rollback()
            results.append("gave up")

    threads = [threading.Thread(target=give) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 10 and results.count("refused") == 10, results
    db.session.expire_all()
    assert public_view(db.session.get(Case, case_id))["open_fen"] == 0
    assert ledger.verify() == []


class LedgerMachine(RuleBasedStateMachine):
    """Random sequences of money operations; every ledger invariant holds after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    @initialize()
    def setup(self) -> None:
        from tests.conftest import IsolatedClient

        app = self.app  # type: ignore[attr-defined]
        app.test_client_class = IsolatedClient
        client = app.test_client()
        headers = token_for(make_user(Role.social_worker))
        self.cases = [_case(client, headers) for _ in range(2)]
        self.codes = [account_code(c) for c in self.cases]
        self.fund = ledger.fund_account(1).code
        self.pool = ledger.pool_account(1).code
        db.session.commit()

    def _try(self, fn: Any) -> None:
        try:
            fn()
            db.session.commit()
        except ledger.LedgerRefused:
            db.session.rollback()
            self.refused += 1

    @rule(i=st.integers(0, 1), amount=st.integers(1, NEED))
    def pledge_paid(self, i: int, amount: int) -> None:
        self._try(lambda: _pay(self.cases[i], amount))

    @rule(amount=st.integers(1, 5_000_000))
    def rule_pledge_paid(self, amount: int) -> None:
        self._try(lambda: _move("pledge_paid", ledger.WORLD_DONORS, self.pool, amount))

    @rule(amount=st.integers(1, 5_000_000))
    def company_deposit(self, amount: int) -> None:
        self._try(lambda: _move("fund_deposit", ledger.WORLD_DONORS, self.fund, amount))

    @rule(i=st.integers(0, 1), amount=st.integers(1, NEED))
    def allocate(self, i: int, amount: int) -> None:
        self._try(lambda: _move("allocation", self.pool, self.codes[i], amount))

    @rule(i=st.integers(0, 1), amount=st.integers(1, NEED))
    def match(self, i: int, amount: int) -> None:
        self._try(lambda: _move("match", self.fund, self.codes[i], amount))

    @rule(i=st.integers(0, 1), amount=st.integers(1, NEED))
    def disburse(self, i: int, amount: int) -> None:
        self._try(lambda: _move("disbursement", self.codes[i], ledger.WORLD_PAYEES, amount))

    @rule(i=st.integers(0, 1), amount=st.integers(1, NEED))
    def refund(self, i: int, amount: int) -> None:
        self._try(lambda: _move("refund", self.codes[i], ledger.WORLD_REFUNDS, amount))

    @rule(amount=st.integers(1, 5_000_000))
    def expire_rule_pledge(self, amount: int) -> None:
        self._try(lambda: _move("refund", self.pool, ledger.WORLD_REFUNDS, amount))

    @rule(pick=st.integers(0, 10**6))
    def reverse_something(self, pick: int) -> None:
        entries = db.session.scalars(
            select(JournalEntry).where(JournalEntry.kind != "reversal").order_by(JournalEntry.seq)
        ).all()
        if entries:
            entry = entries[pick % len(entries)]
            self._try(lambda: ledger.reverse_entry(entry, None, "correction"))

    @invariant()
    def ledger_holds(self) -> None:
        if not hasattr(self, "cases"):
            return
        assert ledger.verify() == []
        for case in self.cases:
            view = public_view(case)
            assert 0 <= view["funded_fen"] <= view["residual_fen"]


def test_ledger_state_machine(ctx: Any, app: Any) -> None:
    from tests.conftest import _empty_tables

    def teardown_rows() -> None:
        db.session.rollback()
        _empty_tables()

    class Machine(LedgerMachine):
        def teardown(self) -> None:
            teardown_rows()

    Machine.app = app  # type: ignore[attr-defined]
    Machine.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    Machine.TestCase().runTest()
