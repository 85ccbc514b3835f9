"""The platform's aggregate figures, kept current along the ledger's hash chain.

**Money.** Journal entries are immutable, numbered 1..head without gaps, and each carries the hash
of its predecessor. So the sums over postings (raised and disbursed per month; received and
disbursed per county and hardship category) are computed in full once per process and afterwards
only for the entries appended since: a state summed up to entry *n* whose hash still matches the
chain is extended with the entries *n+1..head* (GROUP BY over that range only); a state that no
longer matches (another database; tests that empty the tables) is summed again from scratch. The
result is exactly what the same GROUP BY over every posting gives: no counter is kept anywhere
else. A case's county and categories are fixed once it is published (only draft and returned
cases are edited) and money moves only for published cases, so an entry's money is attributed to
the county and categories its case has when the entry is summed.

**Cases.** Counts, medians and cases per month, county and category are summed again whenever
the cases' fingerprint changes (see :func:`cases`: every event that changes these figures
appends to the ledger or stamps a case with the current time) and at least every
``TRANSPARENCY_CASE_FIGURES_MAX_AGE`` seconds (default 60).

Both states live in the application object, one copy per process, behind a lock.
"""

from __future__ import annotations

import copy
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, extract, func, literal, select
from sqlalchemy import case as case_when

from marketplace.cases.models import Case
from marketplace.cases.states import PUBLIC, CaseStatus
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.ledger.core import GENESIS, AccountKind, Side
from marketplace.ledger.models import JournalEntry, LedgerAccount, LedgerHead, Posting

#: months of public figures are Asia/Shanghai's (UTC+8 without daylight saving since 1991)
LOCAL_TZ = "Asia/Shanghai"
_SQLITE_OFFSET = "+8 hours"

_lock = threading.RLock()


def _store() -> dict[str, Any]:
    return current_app.extensions.setdefault("transparency_figures", {})


def _is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def month_of(column: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of a UTC timestamp column, in Asia/Shanghai."""
    if _is_postgres():
        return func.to_char(func.timezone(LOCAL_TZ, column), "YYYY-MM")
    return func.strftime("%Y-%m", column, _SQLITE_OFFSET)


def _debit_positive() -> ColumnElement[int]:
    return case_when((Posting.side == Side.debit, Posting.amount_fen), else_=-Posting.amount_fen)


# ---- money, from the postings --------------------------------------------------------------------


@dataclass
class Money:
    """Sums over the postings of entries 1..``seq`` (the entry with hash ``hash``)."""

    seq: int = 0
    hash: str = GENESIS
    #: month -> [raised, disbursed]: postings on world:donors (credits) and world:payees (debits)
    months: dict[str, list[int]] = field(default_factory=dict)
    #: (county, ",cat1,cat2,") -> [received, disbursed] by the cases with that county and tags
    groups: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    #: debits minus credits of every world and NGO-project account (the ones outside the
    #: custodian; what all other accounts hold together is minus their sum)
    outside: dict[str, int] = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        """Raised, disbursed, refunded and held: the same figures as
        :func:`marketplace.ledger.services.platform_totals` reads from the account balances."""
        return {
            "raised_fen": -self.outside.get(ledger.WORLD_DONORS, 0),
            "disbursed_fen": self.outside.get(ledger.WORLD_PAYEES, 0),
            "refunded_fen": self.outside.get(ledger.WORLD_REFUNDS, 0),
            # every entry balances, so the custodian holds what the outside accounts gave
            "held_fen": -sum(self.outside.values()),
        }


def head() -> tuple[int, str]:
    """The chain's last sequence number and hash."""
    found = db.session.execute(
        select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == 1)
    ).first()
    return (int(found.seq), found.hash) if found else (0, GENESIS)


def money(at: tuple[int, str] | None = None) -> Money:
    """The money sums, brought up to the chain's head (see the module docstring)."""
    seq, digest = at or head()
    with _lock:
        state: Money | None = _store().get("money")
        if state is not None and (state.seq, state.hash) == (seq, digest):
            return state
        if state is None or not _extends(state, seq):
            state = Money()
        fresh = copy.deepcopy(state)
        _add_entries(fresh, state.seq, seq)
        fresh.seq, fresh.hash = seq, digest
        _store()["money"] = fresh
        return fresh


def _extends(state: Money, seq: int) -> bool:
    """The chain now holds ``state``'s entries unchanged and more after them."""
    if seq <= state.seq:
        return False
    if state.seq == 0:
        return True
    found = db.session.scalar(select(JournalEntry.hash).where(JournalEntry.seq == state.seq))
    return found == state.hash


def _add_entries(state: Money, after: int, upto: int) -> None:
    """Add the postings of the entries ``after < seq <= upto``, grouped in the database."""
    if upto <= after:
        return
    entry_id = JournalEntry.id + 0  # read the range through the seq index, not the id index
    first, last = db.session.execute(
        select(func.min(entry_id), func.max(entry_id)).where(
            JournalEntry.seq > after, JournalEntry.seq <= upto
        )
    ).one()
    if first is None:
        return
    # the seq range decides; the id bounds let the database start from the range's postings
    in_range = (
        JournalEntry.seq > after,
        JournalEntry.seq <= upto,
        Posting.entry_id >= first,
        Posting.entry_id <= last,
    )
    ids = dict(
        db.session.execute(
            select(LedgerAccount.code, LedgerAccount.id).where(
                LedgerAccount.code.in_((ledger.WORLD_DONORS, ledger.WORLD_PAYEES))
            )
        ).all()
    )
    donors, payees = ids.get(ledger.WORLD_DONORS), ids.get(ledger.WORLD_PAYEES)
    if ids:
        month = month_of(JournalEntry.created_at).label("month")
        for m, account, total in db.session.execute(
            select(month, Posting.account_id, func.sum(_debit_positive()))
            .join(JournalEntry, Posting.entry_id == JournalEntry.id)
            .where(Posting.account_id.in_(list(ids.values())), *in_range)
            .group_by(month, Posting.account_id)
        ):
            row = state.months.setdefault(m, [0, 0])
            if account == donors:
                row[0] -= int(total or 0)
            else:
                row[1] += int(total or 0)
    for code, total in db.session.execute(
        select(LedgerAccount.code, func.sum(_debit_positive()))
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(LedgerAccount.kind.in_((AccountKind.world, AccountKind.project)), *in_range)
        .group_by(LedgerAccount.code)
    ):
        state.outside[code] = state.outside.get(code, 0) + int(total or 0)
    if payees is None:
        disbursed: ColumnElement[Any] = literal(0)
    else:  # a case account's credits (net of corrections) in the entries that pay out
        payouts = (
            select(Posting.entry_id)
            .join(JournalEntry, Posting.entry_id == JournalEntry.id)
            .where(Posting.account_id == payees, *in_range)
        )
        disbursed = case_when((Posting.entry_id.in_(payouts), -_debit_positive()), else_=0)
    per_case = (
        select(
            LedgerAccount.case_id.label("case_id"),
            func.sum(Posting.received_delta_fen).label("received"),
            func.sum(disbursed).label("disbursed"),
        )
        .select_from(Posting)
        .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(LedgerAccount.kind == AccountKind.case, *in_range)
        .group_by(LedgerAccount.case_id)
        .subquery()
    )
    for region, tags, received, out in db.session.execute(
        select(
            Case.region,
            Case.category_tags,
            func.sum(per_case.c.received),
            func.sum(per_case.c.disbursed),
        )
        .join_from(per_case, Case, Case.id == per_case.c.case_id)
        .group_by(Case.region, Case.category_tags)
    ):
        row = state.groups.setdefault((region, tags or ""), [0, 0])
        row[0] += int(received or 0)
        row[1] += int(out or 0)


# ---- cases -------------------------------------------------------------------------------------


@dataclass
class CaseFigures:
    fingerprint: tuple[Any, ...]
    computed_at: float
    published: int = 0
    funded: int = 0
    closed: int = 0
    median_hours_to_funded: float | None = None
    median_hours_funded_to_disbursed: float | None = None
    #: month -> [cases published, cases funded]
    months: dict[str, list[int]] = field(default_factory=dict)
    #: (county, ",cat1,cat2,") -> public cases
    groups: dict[tuple[str, str], int] = field(default_factory=dict)


def cases(at: tuple[int, str] | None = None) -> CaseFigures:
    """The case figures, summed again when the cases' fingerprint changed or they are older
    than ``TRANSPARENCY_CASE_FIGURES_MAX_AGE`` seconds.

    The fingerprint is the ledger's head (a case is funded, and first paid out, in the
    transaction that posts the gift or the payout), the newest case id, the latest publication
    and the latest end (withdrawn, expired or closed); each maximum is read through an index
    (``cases.ended_at`` needs one) as its own scalar subquery.
    """
    newest = (
        select(func.max(Case.id)).scalar_subquery(),
        select(func.max(Case.published_at)).scalar_subquery(),
        select(func.max(Case.ended_at)).scalar_subquery(),
    )
    fingerprint = (*(at or head()), *db.session.execute(select(*newest)).one())
    max_age = float(current_app.config.get("TRANSPARENCY_CASE_FIGURES_MAX_AGE", 60))
    with _lock:
        state: CaseFigures | None = _store().get("cases")
        if (
            state is not None
            and state.fingerprint == fingerprint
            and time.monotonic() - state.computed_at < max_age
        ):
            return state
        state = _case_figures(fingerprint)
        _store()["cases"] = state
        return state


def _case_figures(fingerprint: tuple[Any, ...]) -> CaseFigures:
    figures = CaseFigures(fingerprint=fingerprint, computed_at=time.monotonic())
    published, funded, closed = db.session.execute(
        select(
            func.count(case_when((Case.status.in_(PUBLIC), 1))),
            func.count(Case.funded_at),
            func.count(case_when((Case.status == CaseStatus.closed, 1))),
        )
    ).one()
    figures.published, figures.funded, figures.closed = (
        int(published or 0),
        int(funded or 0),
        int(closed or 0),
    )
    figures.median_hours_to_funded = median_hours(Case.published_at, Case.funded_at)
    figures.median_hours_funded_to_disbursed = median_hours(
        Case.funded_at, Case.disbursing_at, floor_zero=True
    )
    for column, index, where in (
        (Case.published_at, 0, Case.status.in_(PUBLIC)),
        (Case.funded_at, 1, Case.funded_at.is_not(None)),
    ):
        month = month_of(column).label("month")
        for m, n in db.session.execute(
            select(month, func.count()).where(where, column.is_not(None)).group_by(month)
        ):
            figures.months.setdefault(m, [0, 0])[index] += int(n)
    for region, tags, n in db.session.execute(
        select(Case.region, Case.category_tags, func.count())
        .where(Case.status.in_(PUBLIC))
        .group_by(Case.region, Case.category_tags)
    ):
        figures.groups[(region, tags or "")] = int(n)
    return figures


def median_hours(start: Any, end: Any, *, floor_zero: bool = False) -> float | None:
    """Median of ``end - start`` in hours over the cases that have both (None if none),
    rounded to 0.1 hour.

    With ``floor_zero`` a negative span counts as 0 (a first payout made before the case was
    fully funded waited no time after funding). PostgreSQL computes it with percentile_cont;
    elsewhere (SQLite) the database computes each span and Python takes the median.
    """
    both = (start.is_not(None), end.is_not(None))
    if _is_postgres():
        hours = extract("epoch", end - start) / 3600.0
        if floor_zero:
            hours = func.greatest(hours, 0)
        value = db.session.scalar(
            select(func.percentile_cont(0.5).within_group(hours)).where(*both)
        )
        return None if value is None else round(float(value), 1)
    hours = (func.julianday(end) - func.julianday(start)) * 24.0
    if floor_zero:
        hours = func.max(hours, 0.0)
    spans = db.session.scalars(select(hours).where(*both)).all()
    return round(float(statistics.median(spans)), 1) if spans else None


def categories_of(tags: str) -> list[str]:
    """``",medical,housing,"`` -> ``["medical", "housing"]``."""
    return [t for t in tags.split(",") if t]
