"""Statuses as explicit state machines, and the one way a stored status changes.

Each domain declares its statuses as an enum and, next to it, a :class:`Transitions` table: for
every status, the statuses it may move to (a terminal status maps to the empty set). The table is
complete (every status of the enum is a key) and closed (every target is a status of the enum).

A service never assigns ``row.status``; it calls :func:`compare_and_set`, one conditional

    UPDATE <table> SET status = :target, ... WHERE id = :id AND status IN (:sources)

where the sources are the statuses the table lets reach the target (or a subset the caller names).
Of two transactions racing the same change exactly one wins; the other learns it from the result
(``False``) and sees the winner's status on the row. Nothing here knows a domain.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, inspect, update
from sqlalchemy.orm import object_session

from marketplace.errors import Conflict, DomainError

S = TypeVar("S", bound=enum.Enum)


class InvalidTransition(Conflict):
    """A status change that the table does not allow."""

    code = "invalid_transition"


def refuse(current: enum.Enum, target: enum.Enum) -> DomainError:
    """The default error for a move not in a table (a domain may word its own)."""
    return InvalidTransition(
        _l(
            "The status cannot change from %(current)s to %(target)s.",
            current=current.value,
            target=target.value,
        ),
        {"from": current.value, "to": target.value},
    )


class Transitions(Mapping[S, frozenset[S]]):
    """A status enum's transition table: ``table[status]`` is where ``status`` may go next.

    Args:
        exits: every status of the enum, each with the statuses it may move to.
        refusal: builds the domain error for a move not in the table (default :func:`refuse`).

    Raises:
        ValueError: a status is missing from the table, or a target is not one of the enum.
    """

    def __init__(
        self,
        exits: Mapping[S, Iterable[S]],
        refusal: Callable[[S, S], DomainError] | None = None,
    ) -> None:
        self._exits: dict[S, frozenset[S]] = {status: frozenset(to) for status, to in exits.items()}
        if not self._exits:
            raise ValueError("a transition table needs at least one status")
        statuses = frozenset(type(next(iter(self._exits))))
        missing = statuses - self._exits.keys()
        stray = frozenset().union(*self._exits.values()) - statuses
        if missing or stray:
            raise ValueError(f"incomplete transition table: missing {missing}, unknown {stray}")
        self._refusal: Callable[[S, S], DomainError] = refusal or refuse

    def __getitem__(self, status: S) -> frozenset[S]:
        return self._exits[status]

    def __iter__(self) -> Iterator[S]:
        return iter(self._exits)

    def __len__(self) -> int:
        return len(self._exits)

    def allows(self, current: S, target: S) -> bool:
        return target in self._exits[current]

    def check(self, current: S, target: S) -> None:
        """Raise the table's domain error unless ``current -> target`` is allowed."""
        if not self.allows(current, target):
            raise self.refusal(current, target)

    def refusal(self, current: S, target: S) -> DomainError:
        """The domain error saying ``current -> target`` is not allowed."""
        return self._refusal(current, target)

    def sources(self, target: S) -> frozenset[S]:
        """The statuses from which ``target`` may be reached."""
        return frozenset(status for status, to in self._exits.items() if target in to)

    @property
    def terminal(self) -> frozenset[S]:
        """Statuses with no way out."""
        return frozenset(status for status, to in self._exits.items() if not to)


def compare_and_set(
    row: Any,
    table: Transitions[S],
    target: S,
    /,
    *,
    from_: Iterable[S] | None = None,
    **values: Any,
) -> bool:
    """Move a stored row to ``target`` if its status (in the database, not in memory) is one from
    which the table allows it; set ``values`` on the row in the same UPDATE.

    ``from_`` narrows the allowed sources (default: every status the table lets reach
    ``target``). The session is flushed first; afterwards the row is expired, so that its next
    read shows what is stored (after a win, with the row locked until the transaction ends).

    Returns:
        True when this transaction made the change, False when the row was not (or no longer)
        in one of the allowed sources, e.g. because a concurrent transaction moved it first.

    Raises:
        ValueError: ``from_`` names a move the table does not allow, or the row is not stored.
    """
    reachable = table.sources(target)
    allowed = reachable if from_ is None else frozenset(from_)
    if not allowed or not allowed <= reachable:
        raise ValueError(f"{type(row).__name__}: {set(allowed)} -> {target} is not in the table")
    session = object_session(row)
    if session is None:
        raise ValueError(f"{type(row).__name__} is not in a session")
    session.flush()
    state = inspect(row)
    if state.identity is None:
        raise ValueError(f"{type(row).__name__} is not a stored row")
    model: Any = type(row)
    (key,) = state.mapper.primary_key
    result = session.execute(
        update(model)
        .where(key == state.identity[0], model.status.in_([s for s in table if s in allowed]))
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    return cast(CursorResult[Any], result).rowcount == 1
