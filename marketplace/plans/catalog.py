"""Candidate sources for one case's plan, read in a few small queries.

* Rule pledges: one engine source per **rule class** (pledges with the same rule) that has money
  in its pool account ``pool:<class id>``; the ledger balance is the class's unplaced money, so
  no pledge rows are read. A plan's class item is later taken from the class's pledges, oldest
  first (:class:`PoolTaker`).
* Company funds: active funds with a positive ledger balance (there are few).
* NGO projects: their static attributes are cached per process and re-read only when a project
  changes (``max(id)`` / ``max(updated_at)`` of ``projects``); the case's region, categories, age
  band and household pick the fitting ones in memory through an index by region prefix; money
  left, units left this month and the track record are read for those only.

The cache holds no private case data: projects are public.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.accounts.models import Organization, User
from marketplace.cases.models import Case
from marketplace.cases.services import applicant
from marketplace.db_types import local_today, utcnow
from marketplace.donors.models import Pledge, PledgeStatus, RuleClass
from marketplace.donors.services import pledge_rule
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger.models import AccountKind, LedgerAccount, LedgerHead
from marketplace.ngos.models import Project, ProjectStatus, Referral, ReferralStatus
from marketplace.ngos.services import project_rule
from matching.rules import Rule, fits
from matching.types import Source

ANONYMOUS = "爱心人士"
_TAKING = (ReferralStatus.pending, ReferralStatus.accepted, ReferralStatus.delivered)


@dataclass(frozen=True, slots=True)
class ProjectRow:
    """What the plan builder needs to know about a project that rarely changes."""

    id: int
    kind: str
    categories: frozenset[str]
    regions: tuple[str, ...]
    age_bands: tuple[str, ...]
    household_min: int | None
    household_max: int | None
    per_case_cap_fen: int | None
    monthly_units: int | None
    starts_on: date | None
    ends_on: date | None
    active: bool
    org_name: str
    org_region: str | None
    rule: Rule


class _Catalog:
    MEMO_LIMIT = 200_000

    def __init__(self, rows: list[ProjectRow]) -> None:
        # engine sources already built, by (project, money, units, cap, record): values are
        # immutable and most projects' figures do not change between two requests
        self.memo: dict[tuple[int, int, int, int | None, float], Source] = {}
        # (region prefix served, category) -> projects; "" = every region / any category
        self.index: dict[tuple[str, str], list[ProjectRow]] = defaultdict(list)
        for row in rows:
            for region in row.regions or ("",):
                for category in row.categories or ("",):
                    self.index[(region, category)].append(row)

    def fitting(self, case: Case, today: date) -> list[ProjectRow]:
        """Active projects whose rule accepts the case (any of its and its need lines'
        categories) today; the index only narrows down whom to ask."""
        wanted = applicant(case)
        region = case.region
        seen: dict[int, ProjectRow] = {}
        for k in range(len(region) + 1):
            for category in (*wanted.categories, ""):
                for row in self.index.get((region[:k], category), ()):
                    if row.id not in seen and row.active and fits(row.rule, wanted, today):
                        seen[row.id] = row
        return sorted(seen.values(), key=lambda r: r.id)


@dataclass(frozen=True, slots=True)
class Versions:
    """What tells each cache whether it is still current, read in one query: projects and
    referrals by ``max(id)`` / ``max(updated_at)`` (rows are never deleted and every edit moves
    ``updated_at``), rule classes by ``max(id)`` (only ever added), balances by the ledger head
    (every entry advances it)."""

    projects: tuple[Any, Any]
    referrals: tuple[Any, Any]
    rule_classes: int
    ledger_seq: tuple[int, str]


def versions() -> Versions:
    """The current :class:`Versions` (scalar subqueries: SQLite answers a lone ``max()`` from
    the index but scans the table for two in one SELECT)."""
    columns = (
        Project.id,
        Project.updated_at,
        Referral.id,
        Referral.updated_at,
        RuleClass.id,
    )
    row = db.session.execute(
        select(
            *(select(func.max(c)).scalar_subquery() for c in columns),
            select(LedgerHead.seq).scalar_subquery(),
            select(LedgerHead.hash).scalar_subquery(),
        )
    ).one()
    # the head's hash as well as its number: a database emptied and refilled (tests) reaches
    # the same number again, never the same hash
    return Versions((row[0], row[1]), (row[2], row[3]), row[4] or 0, (row[5] or 0, row[6] or ""))


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], _Catalog]] = {}


def _catalog(version: tuple[Any, Any]) -> _Catalog:
    key = str(db.engine.url)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = [
        ProjectRow(
            id=p.id,
            kind=p.kind.value,
            categories=frozenset(p.categories or ()),
            regions=tuple(p.regions or ()),
            age_bands=tuple(p.age_bands or ()),
            household_min=p.household_min,
            household_max=p.household_max,
            per_case_cap_fen=p.per_case_cap_fen,
            monthly_units=p.monthly_units,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            active=p.status == ProjectStatus.active,
            org_name=name,
            org_region=region,
            rule=project_rule(p),
        )
        for p, name, region in db.session.execute(
            select(Project, Organization.name, Organization.region).join(
                Organization, Project.organization_id == Organization.id
            )
        )
    ]
    catalog = _Catalog(rows)
    with _lock:
        _cache[key] = (version, catalog)
    return catalog


def project_sources(
    case: Case, given: dict[str, int], current: Versions | None = None
) -> list[Source]:
    """Fitting projects with money or units left, as engine sources (caps net of ``given``)."""
    current = current or versions()
    catalog = _catalog(current.projects)
    rows = catalog.fitting(case, local_today())
    if not rows:
        return []
    budgets = balances(current)["project"]
    used, record = _referral_state(current.referrals)
    sources = []
    for row in rows:
        money = budgets.get(row.id, 0) if row.kind != "service" else 0
        units = max((row.monthly_units or 0) - used.get(row.id, 0), 0) if row.kind != "money" else 0
        if money <= 0 and units <= 0:
            continue
        cap = row.per_case_cap_fen
        if cap is not None:
            cap = max(cap - given.get(codes.project(row.id), 0), 0)
        key = (row.id, max(money, 0), units, cap, record.get(row.id, 0.5))
        source = catalog.memo.get(key)
        if source is None:
            if len(catalog.memo) >= catalog.MEMO_LIMIT:
                catalog.memo.clear()
            source = catalog.memo[key] = Source(
                id=f"project:{row.id}",
                kind="project",
                amount_fen=key[1],
                categories=tuple(sorted(row.categories)),
                regions=row.regions,
                age_bands=row.age_bands,
                per_case_cap_fen=cap,
                service_units=units or None,
                home_region=row.org_region,
                track_record=key[4],
                name=row.org_name,
                household_min=row.household_min,
                household_max=row.household_max,
            )
        sources.append(source)
    return sources


_balance_cache: dict[str, tuple[Any, dict[str, dict[int, int]]]] = {}


def balances(current: Versions | None = None) -> dict[str, dict[int, int]]:
    """Positive balances of every project, pool and fund account, by kind and id, cached until
    the ledger's head moves (every entry advances it, so a cached value is never stale)."""
    seq = (current or versions()).ledger_seq
    key = str(db.engine.url)
    with _lock:
        cached = _balance_cache.get(key)
    if cached is not None and cached[0] == seq:
        return cached[1]
    found: dict[str, dict[int, int]] = {"project": {}, "pool": {}, "fund": {}}
    for code, fen in db.session.execute(
        select(LedgerAccount.code, LedgerAccount.balance_fen).where(
            LedgerAccount.kind.in_((AccountKind.project, AccountKind.pool, AccountKind.fund)),
            LedgerAccount.balance_fen > 0,
        )
    ):
        kind, raw = codes.split(code)
        found[kind][int(raw)] = int(fen)
    with _lock:
        _balance_cache[key] = (seq, found)
    return found


_referral_cache: dict[str, tuple[tuple[Any, ...], tuple[dict[int, int], dict[int, float]]]] = {}


def _referral_state(current: tuple[Any, Any]) -> tuple[dict[int, int], dict[int, float]]:
    """Units each project has taken this month and its track record (share of decided
    referrals accepted; 0.5 without a record), cached until a referral is added or changes
    (``max(id)`` / ``max(updated_at)`` of ``referrals``) or the month turns."""
    start = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    version = (*current, start)
    key = str(db.engine.url)
    with _lock:
        cached = _referral_cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    used = {
        int(pid): int(units or 0)
        for pid, units in db.session.execute(
            select(Referral.project_id, func.sum(Referral.units))
            .where(Referral.created_at >= start, Referral.status.in_(_TAKING))
            .group_by(Referral.project_id)
        )
    }
    decided: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for project_id, status, n in db.session.execute(
        select(Referral.project_id, Referral.status, func.count())
        .where(Referral.status != ReferralStatus.pending)
        .group_by(Referral.project_id, Referral.status)
    ):
        decided[project_id][1] += n
        if status in (ReferralStatus.accepted, ReferralStatus.delivered):
            decided[project_id][0] += n
    record = {pid: round(took / total, 3) for pid, (took, total) in decided.items() if total}
    with _lock:
        _referral_cache[key] = (version, (used, record))
    return used, record


@dataclass(frozen=True, slots=True)
class RuleRow:
    id: int
    region: str
    rule: Rule


_rule_cache: dict[str, tuple[int, dict[str, list[RuleRow]]]] = {}


def _rule_classes(newest: int) -> dict[str, list[RuleRow]]:
    """Every rule class by region prefix (rows are only ever added, so ``max(id)`` tells when
    to re-read)."""
    key = str(db.engine.url)
    with _lock:
        cached = _rule_cache.get(key)
    if cached is not None and cached[0] == newest:
        return cached[1]
    rows: dict[str, list[RuleRow]] = defaultdict(list)
    for cid, categories, region, age_band in db.session.execute(
        select(RuleClass.id, RuleClass.categories, RuleClass.region, RuleClass.age_band).order_by(
            RuleClass.id
        )
    ):
        rule = pledge_rule({"categories": categories, "region": region, "age_band": age_band})
        rows[region or ""].append(RuleRow(cid, region or "", rule))
    with _lock:
        _rule_cache[key] = (newest, rows)
    return rows


def pool_sources(case: Case | None = None, current: Versions | None = None) -> list[Source]:
    """One source per rule class with money in its pool (the ledger balance); with ``case``,
    only the classes whose rule could accept one of the case's need lines."""
    current = current or versions()
    by_region = _rule_classes(current.rule_classes)
    if case is None:
        rules = [r for group in by_region.values() for r in group]
    else:
        wanted = applicant(case, categories="needs")
        rules = [
            r
            for k in range(len(case.region) + 1)
            for r in by_region.get(case.region[:k], ())
            if fits(r.rule, wanted)
        ]
    if not rules:
        return []
    pools = balances(current)["pool"]
    name = str(_l("Donors giving by rule"))
    return [
        Source(
            id=f"class:{r.id}",
            kind="pledge",
            amount_fen=pools[r.id],
            categories=r.rule.categories,
            regions=r.rule.regions,
            age_bands=r.rule.age_bands,
            name=name,
        )
        for r in rules
        if r.id in pools
    ]


class PoolTaker:
    """Takes a rule class's money from its open pledges, oldest first, across a plan's items
    (a pledge partly used by one item continues in the next)."""

    BATCH = 100

    def __init__(self) -> None:
        self._queues: dict[int, list[list[Any]]] = {}
        self._after: dict[int, int] = {}

    def take(self, class_id: int, amount_fen: int) -> list[tuple[int, int, str]]:
        """``(pledge id, fen, public name)`` parts adding up to ``amount_fen`` (or less, if the
        class has less)."""
        parts = []
        while amount_fen > 0:
            queue = self._queue(class_id)
            if not queue:
                break
            head = queue[0]
            fen = min(head[1], amount_fen)
            parts.append((head[0], fen, head[2]))
            head[1] -= fen
            amount_fen -= fen
            if head[1] == 0:
                queue.pop(0)
        return parts

    def _queue(self, class_id: int) -> list[list[Any]]:
        queue = self._queues.setdefault(class_id, [])
        if not queue and self._after.get(class_id, 0) >= 0:
            rows = db.session.execute(
                select(
                    Pledge.id,
                    Pledge.amount_fen - Pledge.placed_fen,
                    Pledge.anonymous,
                    User.display_name,
                )
                .join(User, Pledge.donor_id == User.id)
                .where(
                    Pledge.rule_class_id == class_id,
                    Pledge.status == PledgeStatus.paid,
                    Pledge.placed_fen < Pledge.amount_fen,
                    Pledge.id > self._after.get(class_id, 0),
                )
                .order_by(Pledge.id)
                .limit(self.BATCH)
            ).all()
            queue.extend(
                [pid, int(left), ANONYMOUS if anonymous else (name or ANONYMOUS)]
                for pid, left, anonymous, name in rows
            )
            self._after[class_id] = rows[-1][0] if len(rows) == self.BATCH else -1
        return queue
