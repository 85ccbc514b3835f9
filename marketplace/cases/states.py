"""The case lifecycle as an explicit state machine (DESIGN.md §5).

draft -> submitted -> published -> (later issues: planned -> funded -> disbursing -> closed)
            |             \\-> withdrawn / expired
            \\-> returned -> submitted (after edits)
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


STATUS_LABELS = {
    CaseStatus.draft: _l("Draft"),
    CaseStatus.submitted: _l("Awaiting review"),
    CaseStatus.returned: _l("Returned"),
    CaseStatus.published: _l("Published"),
    CaseStatus.withdrawn: _l("Withdrawn"),
    CaseStatus.expired: _l("Expired"),
}

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.draft: frozenset({CaseStatus.submitted, CaseStatus.withdrawn}),
    CaseStatus.submitted: frozenset(
        {CaseStatus.published, CaseStatus.returned, CaseStatus.withdrawn}
    ),
    CaseStatus.returned: frozenset({CaseStatus.submitted, CaseStatus.withdrawn}),
    CaseStatus.published: frozenset({CaseStatus.withdrawn, CaseStatus.expired}),
    CaseStatus.withdrawn: frozenset(),
    CaseStatus.expired: frozenset(),
}

EDITABLE = frozenset({CaseStatus.draft, CaseStatus.returned})
#: a case in these states counts as "open" for duplicate-aid detection
OPEN = frozenset(
    {CaseStatus.draft, CaseStatus.submitted, CaseStatus.returned, CaseStatus.published}
)
PUBLIC = frozenset({CaseStatus.published})


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
