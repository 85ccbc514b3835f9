"""The status transition tables of cases, pledges, plans, disbursements and referrals, and the
shared table type: every listed move is allowed, every other one refused with a 409."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from marketplace.cases.states import TRANSITIONS as CASE_TRANSITIONS
from marketplace.cases.states import CaseStatus
from marketplace.disbursements.models import DISBURSEMENT_TRANSITIONS, DisbursementStatus
from marketplace.donors.models import PLEDGE_TRANSITIONS, PledgeStatus
from marketplace.ngos.models import REFERRAL_TRANSITIONS, ReferralStatus
from marketplace.plans.models import PLAN_TRANSITIONS, PlanStatus
from marketplace.state_machine import InvalidTransition, Transitions
from tests.unit.cases.test_states import ALLOWED as CASE_PAIRS

#: table, every allowed (from, to), the statuses a row is created in, terminal statuses
TABLES: dict[str, tuple[Transitions[Any], set[tuple[str, str]], set[str], set[str]]] = {
    "case": (
        CASE_TRANSITIONS,
        CASE_PAIRS,
        {"draft"},
        {"withdrawn", "expired", "closed"},
    ),
    "pledge": (
        PLEDGE_TRANSITIONS,
        {
            ("pending", "paid"),
            ("pending", "expired"),
            ("pending", "cancelled"),
            ("pending", "failed"),
            ("expired", "paid"),  # a late payment is still taken (or follows the fallback)
            ("cancelled", "paid"),
            ("failed", "paid"),
            ("paid", "refunded"),
        },
        {"pending"},
        {"refunded"},
    ),
    "plan": (
        PLAN_TRANSITIONS,
        {
            ("proposed", "draft"),
            ("proposed", "accepted"),
            ("proposed", "superseded"),
            ("draft", "draft"),  # editing a draft keeps it a draft
            ("draft", "accepted"),
            ("draft", "superseded"),
        },
        {"proposed", "draft"},
        {"accepted", "superseded", "rejected"},
    ),
    "disbursement": (
        DISBURSEMENT_TRANSITIONS,
        {("requested", "paid"), ("requested", "rejected")},
        {"requested"},
        {"paid", "rejected"},
    ),
    "referral": (
        REFERRAL_TRANSITIONS,
        {
            ("pending", "accepted"),
            ("pending", "declined"),
            ("pending", "overdue"),
            ("accepted", "delivered"),
        },
        {"pending"},
        {"declined", "overdue", "delivered"},
    ),
}

#: statuses no service moves a row into (reported, not removed: the column may hold them)
UNREACHED = {"plan": {"rejected"}}


def _pairs(name: str) -> list[tuple[str, Any, Any]]:
    table = TABLES[name][0]
    return [(name, current, target) for current in table for target in table]


@pytest.mark.parametrize(
    ("name", "current", "target"), [pair for name in TABLES for pair in _pairs(name)]
)
def test_every_pair(app: Any, name: str, current: enum.Enum, target: enum.Enum) -> None:
    table, allowed, _, _ = TABLES[name]
    listed = (current.value, target.value) in allowed
    assert table.allows(current, target) is listed
    assert (current in table.sources(target)) is listed
    with app.test_request_context():
        if listed:
            table.check(current, target)
        else:
            with pytest.raises(InvalidTransition) as info:
                table.check(current, target)
            assert info.value.status == 409 and info.value.code == "invalid_transition"
            assert info.value.details == {"from": current.value, "to": target.value}


@pytest.mark.parametrize("name", list(TABLES))
def test_terminal_statuses_have_no_exits(name: str) -> None:
    table, allowed, _, terminal = TABLES[name]
    assert {status.value for status in table.terminal} == terminal
    for status in table.terminal:
        assert table[status] == frozenset()
    assert not {current for current, _ in allowed} & terminal


@pytest.mark.parametrize("name", list(TABLES))
def test_every_status_is_a_key_and_reached(name: str) -> None:
    table, allowed, initial, _ = TABLES[name]
    statuses = {status.value for status in table}
    assert statuses == {status.value for status in type(next(iter(table)))}
    reached = initial | {target for _, target in allowed}
    assert statuses - reached == UNREACHED.get(name, set())


def test_the_case_table_keeps_its_wording(app: Any) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(InvalidTransition) as info:
            CASE_TRANSITIONS.check(CaseStatus.closed, CaseStatus.published)
        assert str(info.value.message) == "A case that is Closed cannot become Published."
        with pytest.raises(InvalidTransition) as info:
            PLEDGE_TRANSITIONS.check(PledgeStatus.refunded, PledgeStatus.paid)
        assert str(info.value.message) == "The status cannot change from refunded to paid."


def test_a_table_must_name_every_status_and_only_those() -> None:
    with pytest.raises(ValueError, match="missing"):
        Transitions({PlanStatus.draft: {PlanStatus.accepted}})
    with pytest.raises(ValueError, match="unknown"):
        Transitions(
            {
                DisbursementStatus.requested: {ReferralStatus.accepted},
                DisbursementStatus.paid: set(),
                DisbursementStatus.rejected: set(),
            }
        )
    with pytest.raises(ValueError, match="at least one"):
        Transitions({})
