"""Whose money a journal entry moves, for an organization's public record
(:mod:`marketplace.transparency.organizations`), and its share of what cases paid out.

An entry belongs to an organization when the money comes from it:

- a posting credits one of its accounts (a company fund ``fund:<id>``, an NGO project
  ``project:<id>``): a fund's grant or match, a project's commitment, a refund out of a fund;
- otherwise the entry's source (``source_type``, ``source_id``) is the organization's: a pledge
  its staff made in its name (a gift, a fund deposit, a refund, a move to another case), or, for
  an allocation, a plan item whose pooled pledge is the organization's; or the budget of one of
  its projects;
- a correction (``reversal``) belongs to whoever the entry it reverses belongs to.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import select, union
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Organization
from marketplace.donors.models import CompanyFund, Pledge
from marketplace.extensions import db
from marketplace.ledger import codes
from marketplace.ledger.core import AccountKind, Side
from marketplace.ledger.core import SourceKind as EntrySource
from marketplace.ledger.models import JournalEntry, LedgerAccount, Posting
from marketplace.ledger.services import case_payouts as case_payouts
from marketplace.ledger.services import share as share
from marketplace.ngos.models import Project
from marketplace.plans.models import PlanItem, SourceKind

#: refs per IN list (SQLite allows 32,766 parameters; PostgreSQL more)
_CHUNK = 5000


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """``values`` in slices short enough for one ``IN`` list."""
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class _Posting(NamedTuple):
    entry_id: int
    account_id: int
    side: Side
    amount_fen: int
    received_delta_fen: int
    kind: AccountKind
    code: str
    case_id: int | None


class Attribution:
    """The organization's accounts, pledges and plan items, and the entries that are its own.

    The candidate entries are selected in the database (subqueries, a recursive one for
    corrections), never sent back as long lists of ids: binding thousands of parameters cost
    more than the queries themselves."""

    def __init__(self, org: Organization):
        self.org = org
        self.projects = list(
            db.session.scalars(select(Project.id).where(Project.organization_id == org.id))
        )
        funds = db.session.scalars(
            select(CompanyFund.id).where(CompanyFund.organization_id == org.id)
        )
        own_codes = [codes.fund(i) for i in funds] + [codes.project(i) for i in self.projects]
        self.accounts = set(
            db.session.scalars(select(LedgerAccount.id).where(LedgerAccount.code.in_(own_codes)))
        )
        self._pledges = select(Pledge.id).where(Pledge.organization_id == org.id)
        self.pledges = set(db.session.scalars(self._pledges))
        #: plan items that placed its pooled pledges (the source of their allocations)
        self.items = (
            set(
                db.session.scalars(
                    select(PlanItem.id).where(
                        PlanItem.source_kind == SourceKind.pool,
                        PlanItem.source_id.in_(self._pledges),
                    )
                )
            )
            if self.pledges
            else set()
        )

    def _candidates(self) -> Any:
        """Entries that may be its own, and every correction of them (recursively)."""
        parts = [
            select(Posting.entry_id.label("id")).where(
                Posting.account_id.in_(sorted(self.accounts) or [-1])
            ),
            select(JournalEntry.id).where(
                JournalEntry.source_type == EntrySource.pledge,
                JournalEntry.source_id.in_(self._pledges),
            ),
            select(JournalEntry.id).where(
                JournalEntry.kind == "allocation",
                JournalEntry.source_type == EntrySource.plan_item,
                JournalEntry.source_id.in_(
                    select(PlanItem.id).where(
                        PlanItem.source_kind == SourceKind.pool,
                        PlanItem.source_id.in_(self._pledges),
                    )
                ),
            ),
        ]
        if self.projects:
            parts.append(
                select(JournalEntry.id).where(
                    JournalEntry.source_type == EntrySource.project,
                    JournalEntry.source_id.in_(self.projects),
                )
            )
        direct = union(*parts).subquery()
        found = select(direct.c.id).cte("found", recursive=True)
        corrections = aliased(JournalEntry)
        found = found.union_all(
            select(corrections.id).join(found, corrections.reverses_id == found.c.id)
        )
        return select(found.c.id)

    def postings(self) -> list[_Posting]:
        """The postings of its entries (see the module docstring), as plain rows: a big
        company has tens of thousands."""
        candidates = self._candidates()
        heads = db.session.execute(
            select(
                JournalEntry.id,
                JournalEntry.kind,
                JournalEntry.source_type,
                JournalEntry.source_id,
                JournalEntry.reverses_id,
            )
            .where(JournalEntry.id.in_(candidates))
            .order_by(JournalEntry.seq)
        ).all()
        postings: dict[int, list[_Posting]] = defaultdict(list)
        for row in db.session.execute(
            select(
                Posting.entry_id,
                Posting.account_id,
                Posting.side,
                Posting.amount_fen,
                Posting.received_delta_fen,
                LedgerAccount.kind,
                LedgerAccount.code,
                LedgerAccount.case_id,
            )
            .join(LedgerAccount, Posting.account_id == LedgerAccount.id)
            .where(Posting.entry_id.in_(candidates))
        ):
            postings[row.entry_id].append(_Posting(*row))
        owned: dict[int, bool] = {}
        mine: list[_Posting] = []
        for entry_id, kind, source_type, source_id, reverses_id in heads:
            # in chain order: a reversed entry is decided before its reversal
            if reverses_id is not None:
                owned[entry_id] = owned.get(reverses_id, False)
            else:
                owned[entry_id] = self._owns(kind, source_type, source_id, postings[entry_id])
            if owned[entry_id]:
                mine.extend(postings[entry_id])
        return mine

    def _owns(
        self,
        kind: str,
        source_type: EntrySource | None,
        source_id: int | None,
        rows: list[_Posting],
    ) -> bool:
        for p in rows:
            if p.side == Side.credit and p.kind in (AccountKind.fund, AccountKind.project):
                return p.account_id in self.accounts  # the money came from this fund/project
        if source_type == EntrySource.pledge:
            return source_id in self.pledges
        if source_type == EntrySource.project:  # an NGO's own budget for its project
            return source_id in self.projects
        if kind == "allocation" and source_type == EntrySource.plan_item:
            return source_id in self.items
        return False
