"""The district service-level table (绩效): for each county, how its public cases moved and what
paperwork is overdue, counted from the rows themselves (never from separate counters).

Per county (``Case.region``), over the **public** cases (published or closed):

- ``cases``: public cases; ``planned`` / ``funded`` / ``paid``: those of them with
  ``planned_at`` / ``funded_at`` / ``disbursing_at`` (the first payout) set;
- ``median_hours_to_plan`` / ``_to_fund`` / ``_to_pay``: the median of that stamp minus
  ``published_at`` over the cases that have both, in hours rounded to 0.1 (None if none);
- ``overdue_follow_ups``: 30/90-day follow-ups of those cases not answered and due before
  today (Asia/Shanghai);
- ``overdue_receipts``: their paid disbursements without a receipt ``RECEIPT_DUE_DAYS`` after
  payout (:func:`marketplace.disbursements.evidence.receipts_overdue`, the alert job's rule).

The totals row is computed the same way over all counties: counts add up, and each median is
the median over every county's cases (PostgreSQL: ``GROUP BY ROLLUP``; never an average of the
counties' medians). One query per figure kind, grouped by county, not one per county.

The table is kept per process like :func:`marketplace.transparency.figures.cases` and summed again
when its fingerprint changes (the newest case id, stage stamps, end, follow-up answer, receipt
and disbursement decision; today's date: see :func:`_fingerprint`), when the next paid
disbursement without a receipt becomes overdue, and at least every
``TRANSPARENCY_CASE_FIGURES_MAX_AGE`` seconds (default 60).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import extract, func, select

from marketplace.cases import reference
from marketplace.cases.models import Case, FollowUp
from marketplace.cases.states import PUBLIC
from marketplace.db_types import local_today, utcnow
from marketplace.disbursements import evidence
from marketplace.disbursements.models import Disbursement, Receipt
from marketplace.extensions import db

_STORE = "transparency_districts"
_lock = threading.RLock()

#: the counted figures of a row, in the order they are shown
COUNTS = ("cases", "planned", "funded", "paid", "overdue_follow_ups", "overdue_receipts")
#: median name -> the stamp it measures from ``published_at``
MEDIANS = {
    "median_hours_to_plan": "planned_at",
    "median_hours_to_fund": "funded_at",
    "median_hours_to_pay": "disbursing_at",
}


@dataclass
class ServiceLevels:
    fingerprint: tuple[Any, ...]
    computed_at: float
    #: recompute from this moment on (the next receipt to become overdue), if any
    valid_until: datetime | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] = field(default_factory=dict)


def table() -> dict[str, Any]:
    """``{"items": [one row per county, by code], "total": {the same figures, all counties}}``."""
    state = _current()
    return {"items": state.items, "total": state.total}


def service_levels() -> list[dict[str, Any]]:
    """One row per county with public cases, sorted by county code (see the module docstring)."""
    return _current().items


def totals() -> dict[str, Any]:
    """The same figures over every county's public cases."""
    return _current().total


def _fingerprint() -> tuple[Any, ...]:
    """Every event that changes the table moves one of these, and each maximum is read through
    an index as its own scalar subquery: a new case, a case published, planned, funded, first
    paid out or ended (the stamps are set to the current time, once), a follow-up answered, a
    receipt stored, a disbursement decided. The ledger's head is not part of it: a gift that
    does not fund a case changes nothing here, and at 100,000 cases summing again takes a
    few hundred milliseconds."""
    newest = (
        select(func.max(Case.id)).scalar_subquery(),
        *(
            select(func.max(stamp)).scalar_subquery()
            for stamp in (
                Case.published_at,
                Case.planned_at,
                Case.funded_at,
                Case.disbursing_at,
                Case.ended_at,
                FollowUp.answered_at,
                Disbursement.decided_at,
            )
        ),
        select(func.max(Receipt.id)).scalar_subquery(),
    )
    return tuple(db.session.execute(select(*newest)).one())


def _current() -> ServiceLevels:
    today = local_today()  # a follow-up becomes overdue when the date changes
    fingerprint = (*_fingerprint(), today)
    max_age = float(current_app.config.get("TRANSPARENCY_CASE_FIGURES_MAX_AGE", 60))
    with _lock:
        state: ServiceLevels | None = current_app.extensions.get(_STORE)
        if (
            state is not None
            and state.fingerprint == fingerprint
            and time.monotonic() - state.computed_at < max_age
            and (state.valid_until is None or utcnow() < state.valid_until)
        ):
            return state
        state = _compute(fingerprint, today)
        current_app.extensions[_STORE] = state
        return state


def _compute(fingerprint: tuple[Any, ...], today: date) -> ServiceLevels:
    now = utcnow()
    state = ServiceLevels(fingerprint=fingerprint, computed_at=time.monotonic())
    public = Case.status.in_(PUBLIC)
    #: region -> figures; key None: all counties
    rows: dict[str | None, dict[str, Any]] = defaultdict(_empty_row)

    def add(region: str, name: str, n: int) -> None:
        rows[region][name] += n
        rows[None][name] += n

    for region, cases, planned, funded, paid in db.session.execute(
        select(
            Case.region,
            func.count(),
            func.count(Case.planned_at),
            func.count(Case.funded_at),
            func.count(Case.disbursing_at),
        )
        .where(public)
        .group_by(Case.region)
    ):
        for name, n in (("cases", cases), ("planned", planned), ("funded", funded), ("paid", paid)):
            add(region, name, int(n or 0))
    for region, n in db.session.execute(
        select(Case.region, func.count())
        .select_from(FollowUp)
        .join(Case, FollowUp.case_id == Case.id)
        .where(public, FollowUp.answered_at.is_(None), FollowUp.due_on < today)
        .group_by(Case.region)
    ):
        add(region, "overdue_follow_ups", int(n))
    for region, n in db.session.execute(
        select(Case.region, func.count())
        .select_from(Disbursement)
        .join(Case, Disbursement.case_id == Case.id)
        .where(public, evidence.receipts_overdue(now))
        .group_by(Case.region)
    ):
        add(region, "overdue_receipts", int(n))
    # the next paid disbursement still waiting for a receipt becomes overdue at this moment
    cutoff = now - evidence.receipt_due_after()
    next_paid = db.session.scalar(
        select(func.min(Disbursement.decided_at))
        .select_from(Disbursement)
        .join(Case, Disbursement.case_id == Case.id)
        .where(public, evidence.awaiting_receipts(), Disbursement.decided_at > cutoff)
    )
    if next_paid is not None:
        state.valid_until = next_paid + evidence.receipt_due_after()
    for name, stamp in MEDIANS.items():
        for region, value in _medians(getattr(Case, stamp)).items():
            rows[region][name] = value

    state.total = rows.pop(None, None) or _empty_row()  # no public case: zero totals
    state.items = [
        {
            "region": region,
            "label": reference.county_label(region),
            "short_label": reference.county_short_name(region),
            **values,
        }
        for region, values in sorted(rows.items())
    ]
    return state


def _empty_row() -> dict[str, Any]:
    return {**dict.fromkeys(COUNTS, 0), **dict.fromkeys(MEDIANS)}


def _medians(end: Any) -> dict[str | None, float]:
    """County -> median hours from ``published_at`` to ``end`` over the public cases that have
    both, rounded to 0.1 hour; key None: over all counties' cases together. A county with no
    such case has no key.

    PostgreSQL takes each median with percentile_cont (ROLLUP adds the all-counties row in the
    same query); elsewhere (SQLite) the database computes each span and Python the medians.
    """
    start = Case.published_at
    both = (Case.status.in_(PUBLIC), start.is_not(None), end.is_not(None))
    if db.engine.dialect.name == "postgresql":
        hours = extract("epoch", end - start) / 3600.0
        median = func.percentile_cont(0.5).within_group(hours)
        return {
            region: round(float(value), 1)
            for region, value in db.session.execute(
                select(Case.region, median).where(*both).group_by(func.rollup(Case.region))
            )
            if value is not None
        }
    spans: dict[str | None, list[float]] = defaultdict(list)
    hours = (func.julianday(end) - func.julianday(start)) * 24.0
    for region, value in db.session.execute(select(Case.region, hours).where(*both)):
        spans[region].append(float(value))
        spans[None].append(float(value))
    return {region: round(float(statistics.median(values)), 1) for region, values in spans.items()}
