"""Pure ledger invariants (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.ledger.core import (
    GENESIS,
    AccountKind,
    EntryDraft,
    InvariantViolation,
    PostingDraft,
    Side,
    balance_deltas,
    check_case_not_overfunded,
    check_entry,
    check_global_zero,
    check_no_forbidden_negative,
    entry_hash,
)

D, C = Side.debit, Side.credit


def _entry(*postings: tuple[str, Side, int]) -> EntryDraft:
    return EntryDraft("test", "", tuple(PostingDraft(a, s, n) for a, s, n in postings))


def test_balanced_entry_passes() -> None:
    check_entry(_entry(("case:A", D, 100), ("world:donors", C, 100)))


@pytest.mark.parametrize(
    ("postings", "code"),
    [
        ((("case:A", D, 100), ("world:donors", C, 99)), "unbalanced"),
        ((("case:A", D, 100),), "two_postings"),
        ((("case:A", D, 0), ("world:donors", C, 0)), "positive_amount"),
        ((("case:A", D, -5), ("world:donors", C, -5)), "positive_amount"),
        ((("case:A", D, 1.5), ("world:donors", C, 1.5)), "integer_fen"),
        ((("case:A", D, True), ("world:donors", C, True)), "integer_fen"),
    ],
)
def test_bad_entries(postings: tuple[tuple[str, Side, int], ...], code: str) -> None:
    with pytest.raises(InvariantViolation) as info:
        check_entry(_entry(*postings))
    assert info.value.code == code


@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=6))
def test_any_split_of_one_credit_balances(parts: list[int]) -> None:
    postings = [("case:A", D, n) for n in parts] + [("world:donors", C, sum(parts))]
    entry = _entry(*postings)
    check_entry(entry)
    assert sum(balance_deltas(entry.postings).values()) == 0


def test_negative_only_for_world() -> None:
    kinds = {"world:donors": AccountKind.world, "case:A": AccountKind.case}
    check_no_forbidden_negative({"world:donors": -100, "case:A": 100}, kinds)
    with pytest.raises(InvariantViolation):
        check_no_forbidden_negative({"world:donors": 100, "case:A": -100}, kinds)


def test_global_zero_and_overfunding() -> None:
    check_global_zero({"a": 5, "b": -5})
    with pytest.raises(InvariantViolation):
        check_global_zero({"a": 5, "b": -4})
    check_case_not_overfunded({"case:A": 100}, {"case:A": 100})
    with pytest.raises(InvariantViolation):
        check_case_not_overfunded({"case:A": 101}, {"case:A": 100})


def test_hash_depends_on_everything() -> None:
    base = entry_hash(
        GENESIS, 1, "k", "m", "t", [("a", "debit", 1, None), ("b", "credit", 1, None)]
    )
    assert len(base) == 64
    assert base == entry_hash(
        GENESIS, 1, "k", "m", "t", [("b", "credit", 1, None), ("a", "debit", 1, None)]
    )
    changed = [
        entry_hash("1" * 64, 1, "k", "m", "t", [("a", "debit", 1, None), ("b", "credit", 1, None)]),
        entry_hash(GENESIS, 2, "k", "m", "t", [("a", "debit", 1, None), ("b", "credit", 1, None)]),
        entry_hash(GENESIS, 1, "k", "m2", "t", [("a", "debit", 1, None), ("b", "credit", 1, None)]),
        entry_hash(GENESIS, 1, "k", "m", "t", [("a", "debit", 2, None), ("b", "credit", 2, None)]),
    ]
    assert base not in changed and len(set(changed)) == 4
