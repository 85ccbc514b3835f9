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

from flask_babel import lazy_gettext as _l

from marketplace.errors import Conflict


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

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.draft: frozenset({CaseStatus.submitted, CaseStatus.withdrawn}),
    CaseStatus.submitted: frozenset(
        {CaseStatus.published, CaseStatus.returned, CaseStatus.withdrawn}
    ),
    CaseStatus.returned: frozenset({CaseStatus.submitted, CaseStatus.withdrawn}),
    CaseStatus.published: frozenset({CaseStatus.withdrawn, CaseStatus.expired, CaseStatus.closed}),
    CaseStatus.closed: frozenset(),
    CaseStatus.withdrawn: frozenset(),
    CaseStatus.expired: frozenset(),
}

EDITABLE = frozenset({CaseStatus.draft, CaseStatus.returned})
#: a case in these states counts as "open" for duplicate-aid detection
OPEN = frozenset(
    {CaseStatus.draft, CaseStatus.submitted, CaseStatus.returned, CaseStatus.published}
)
#: shown on public pages (a closed case keeps its record, outcome and follow-ups)
PUBLIC = frozenset({CaseStatus.published, CaseStatus.closed})


class InvalidTransition(Conflict):
    code = "invalid_transition"


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise :class:`InvalidTransition` unless ``current -> target`` is allowed."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            _l(
                "A case that is %(current)s cannot become %(target)s.",
                current=STATUS_LABELS[current],
                target=STATUS_LABELS[target],
            ),
            {"from": current.value, "to": target.value},
        )
