"""The case state machine."""

from __future__ import annotations

import pytest

from marketplace.cases.states import (
    EDITABLE,
    OPEN,
    TRANSITIONS,
    CaseStatus,
    InvalidTransition,
    check_transition,
)

ALLOWED = {
    ("draft", "submitted"),
    ("draft", "withdrawn"),
    ("submitted", "published"),
    ("submitted", "returned"),
    ("submitted", "withdrawn"),
    ("returned", "submitted"),
    ("returned", "withdrawn"),
    ("published", "withdrawn"),
    ("published", "expired"),
    ("published", "closed"),
}


@pytest.mark.parametrize("current", list(CaseStatus))
@pytest.mark.parametrize("target", list(CaseStatus))
def test_every_pair(app: object, current: CaseStatus, target: CaseStatus) -> None:
    with app.test_request_context():  # type: ignore[attr-defined]
        if (current.value, target.value) in ALLOWED:
            check_transition(current, target)
        else:
            with pytest.raises(InvalidTransition) as info:
                check_transition(current, target)
            assert info.value.status == 409
            assert info.value.details == {"from": current.value, "to": target.value}


def test_terminal_states_have_no_way_out() -> None:
    assert TRANSITIONS[CaseStatus.withdrawn] == frozenset()
    assert TRANSITIONS[CaseStatus.expired] == frozenset()
    assert TRANSITIONS[CaseStatus.closed] == frozenset()


def test_publication_needs_review() -> None:
    assert CaseStatus.published not in TRANSITIONS[CaseStatus.draft]
    assert CaseStatus.published not in TRANSITIONS[CaseStatus.returned]


def test_editable_and_open_sets() -> None:
    assert EDITABLE == {CaseStatus.draft, CaseStatus.returned}
    assert CaseStatus.withdrawn not in OPEN and CaseStatus.expired not in OPEN
