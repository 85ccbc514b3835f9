"""The case lifecycle as an explicit state machine (DESIGN.md §5).

draft -> submitted -> published -> closed (outcome recorded; follow-ups at 30 and 90 days)
            |             \\-> withdrawn / expired
            \\-> returned -> submitted (after edits)

While a case is published, its money moves it through the **stages** (``Case.stage``, each with
the time it was first reached): published -> planned (a plan accepted) -> funded (everything
after government received) -> disbursing (first payout) -> closed.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

from marketplace.errors import DomainError
from marketplace.state_machine import InvalidTransition, Transitions, compare_and_set

if TYPE_CHECKING:
    from marketplace.cases.models import Case


class CaseStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    published = "published"
    withdrawn = "withdrawn"
    expired = "expired"
    closed = "closed"


class CaseStage(enum.StrEnum):
    """Where a published case's money stands (DESIGN.md §5)."""

    published = "published"
    planned = "planned"
    funded = "funded"
    disbursing = "disbursing"
    closed = "closed"


STAGE_ORDER = list(CaseStage)

STAGE_LABELS = {
    CaseStage.published: _l("Published"),
    CaseStage.planned: _l("Planned"),
    CaseStage.funded: _l("Funded"),
    CaseStage.disbursing: _l("Disbursing"),
    CaseStage.closed: _l("Closed"),
}


STATUS_LABELS = {
    CaseStatus.draft: _l("Draft"),
    CaseStatus.submitted: _l("Awaiting review"),
    CaseStatus.returned: _l("Returned"),
    CaseStatus.published: _l("Published"),
    CaseStatus.withdrawn: _l("Withdrawn"),
    CaseStatus.expired: _l("Expired"),
    CaseStatus.closed: _l("Closed"),
}


def _refusal(current: CaseStatus, target: CaseStatus) -> DomainError:
    return InvalidTransition(
        _l(
            "A case that is %(current)s cannot become %(target)s.",
            current=STATUS_LABELS[current],
            target=STATUS_LABELS[target],
        ),
        {"from": current.value, "to": target.value},
    )


TRANSITIONS: Transitions[CaseStatus] = Transitions(
    {
        CaseStatus.draft: {CaseStatus.submitted, CaseStatus.withdrawn},
        CaseStatus.submitted: {CaseStatus.published, CaseStatus.returned, CaseStatus.withdrawn},
        CaseStatus.returned: {CaseStatus.submitted, CaseStatus.withdrawn},
        CaseStatus.published: {CaseStatus.withdrawn, CaseStatus.expired, CaseStatus.closed},
        CaseStatus.closed: set(),
        CaseStatus.withdrawn: set(),
        CaseStatus.expired: set(),
    },
    _refusal,
)

EDITABLE = frozenset({CaseStatus.draft, CaseStatus.returned})
#: a case in these states counts as "open" for duplicate-aid detection
OPEN = frozenset(
    {CaseStatus.draft, CaseStatus.submitted, CaseStatus.returned, CaseStatus.published}
)
#: shown on public pages (a closed case keeps its record, outcome and follow-ups)
PUBLIC = frozenset({CaseStatus.published, CaseStatus.closed})


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise :class:`InvalidTransition` unless ``current -> target`` is allowed."""
    TRANSITIONS.check(current, target)


def move(case: Case, target: CaseStatus, **values: Any) -> None:
    """Change a stored case's status with one compare-and-set (``values`` in the same UPDATE).

    Raises:
        InvalidTransition: the case is not (or, after a concurrent change, no longer) in a
            status from which ``target`` may be reached.
    """
    if not compare_and_set(case, TRANSITIONS, target, **values):
        raise TRANSITIONS.refusal(case.status, target)
