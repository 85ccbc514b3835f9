"""How a journal entry reads in public (DESIGN.md §9): one line per entry, its parties named,
its amount and direction seen from a case, and for payouts the payee kind and the receipts.

Public lines are built from entry kinds, account codes and ids only. An entry's ``memo`` is never
shown: descriptions name donors as 爱心人士 unless the pledge is not anonymous, companies and
NGOs by their organization's name, and payees by their kind (a vendor's name; never the
household's). The names of a page of entries are loaded with one query per kind (no query per
line).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import Organization, User
from marketplace.cases.anonymize import scrub
from marketplace.disbursements.models import Disbursement, PayeeKind, Receipt
from marketplace.donors.models import CompanyFund, Pledge
from marketplace.donors.services import ANONYMOUS_NAME
from marketplace.extensions import db
from marketplace.ledger import codes as account_codes
from marketplace.ledger import services as ledger
from marketplace.ledger.core import Side
from marketplace.ledger.core import SourceKind as EntrySource
from marketplace.ledger.models import JournalEntry
from marketplace.ngos.models import Project
from marketplace.plans.models import PlanItem, SourceKind
from marketplace.templating import ENTRY_KIND_LABELS

#: how an entry kind reads in public: one table with the ``entry_kind`` template filter
ENTRY_KINDS = ENTRY_KIND_LABELS


# ---- small helpers ----------------------------------------------------------------------------


def _source_id(entry: JournalEntry, kind: EntrySource) -> int | None:
    """The id of the entry's source document when it is of that kind."""
    return entry.source_id if entry.source_type == kind else None


def kind_label(kind: str) -> str:
    return str(ENTRY_KINDS.get(kind, kind))


# ---- public journal lines ---------------------------------------------------------------------


class _Names:
    """Public names for the parties of a page of entries, loaded with one query per kind."""

    def __init__(self, entries: Sequence[JournalEntry]):
        pledge_ids: set[int] = set()
        disbursement_ids: set[int] = set()
        item_ids: set[int] = set()
        fund_ids: set[int] = set()
        project_ids: set[int] = set()
        reversed_ids: set[int] = set()
        for entry in entries:
            if (pid := _source_id(entry, EntrySource.pledge)) is not None:
                pledge_ids.add(pid)
            if (did := _source_id(entry, EntrySource.disbursement)) is not None:
                disbursement_ids.add(did)
            if (pid := _source_id(entry, EntrySource.project)) is not None:
                project_ids.add(pid)
            if entry.kind == "allocation" and (
                (item := _source_id(entry, EntrySource.plan_item)) is not None
            ):
                item_ids.add(item)
            if (eid := _source_id(entry, EntrySource.journal_entry)) is not None:
                reversed_ids.add(eid)
            for posting in entry.postings:
                code = posting.account.code
                if (fid := account_codes.number(code, account_codes.FUND)) is not None:
                    fund_ids.add(fid)
                if (pid := account_codes.number(code, account_codes.PROJECT)) is not None:
                    project_ids.add(pid)
        #: entry id -> seq of the entries that reversals on this page correct
        self.seqs: dict[int, int] = {}
        if reversed_ids:
            self.seqs = dict(
                db.session.execute(
                    select(JournalEntry.id, JournalEntry.seq).where(
                        JournalEntry.id.in_(reversed_ids)
                    )
                ).all()
            )
        #: plan item id -> pledge id (a pooled pledge placed by a plan)
        self.item_pledge: dict[int, int] = {}
        if item_ids:
            for item_id, source_id in db.session.execute(
                select(PlanItem.id, PlanItem.source_id).where(
                    PlanItem.id.in_(item_ids), PlanItem.source_kind == SourceKind.pool
                )
            ):
                self.item_pledge[item_id] = source_id
                pledge_ids.add(source_id)
        self.pledges: dict[int, str] = {}
        if pledge_ids:
            for pid, anonymous, name, company in db.session.execute(
                select(Pledge.id, Pledge.anonymous, User.display_name, Organization.name)
                .join(User, Pledge.donor_id == User.id)
                .outerjoin(Organization, Pledge.organization_id == Organization.id)
                .where(Pledge.id.in_(pledge_ids))
            ):
                # a company's staff give in the company's name, never their own
                shown = company or name
                self.pledges[pid] = ANONYMOUS_NAME if anonymous else (shown or ANONYMOUS_NAME)
        self.funds = self._org_names(CompanyFund, fund_ids)
        self.projects = self._org_names(Project, project_ids)
        self.payees: dict[int, str] = {}
        self.receipts: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if disbursement_ids:
            vendors = set()
            for did, kind in db.session.execute(
                select(Disbursement.id, Disbursement.payee_kind).where(
                    Disbursement.id.in_(disbursement_ids)
                )
            ):
                if kind == PayeeKind.vendor:
                    vendors.add(did)
                else:
                    self.payees[did] = str(_l("The household (name withheld)"))
            if vendors:  # only vendors' names are decrypted; a beneficiary's never leaves the row
                for did, name in db.session.execute(
                    select(Disbursement.id, Disbursement.payee_name).where(
                        Disbursement.id.in_(vendors)
                    )
                ):
                    self.payees[did] = str(
                        _l("Vendor: %(name)s", name=scrub(name or "").text.strip())
                    )
            for did, uploaded_at, sha256 in db.session.execute(
                select(Receipt.disbursement_id, Receipt.uploaded_at, Receipt.sha256)
                .where(Receipt.disbursement_id.in_(disbursement_ids))
                .order_by(Receipt.id)
            ):
                self.receipts[did].append({"date": uploaded_at, "sha256": sha256})

    @staticmethod
    def _org_names(model: Any, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(
            db.session.execute(
                select(model.id, Organization.name)
                .join(Organization, model.organization_id == Organization.id)
                .where(model.id.in_(ids))
            ).all()
        )

    def donor(self, entry: JournalEntry) -> str:
        pid = _source_id(entry, EntrySource.pledge)
        if pid is None and (item := _source_id(entry, EntrySource.plan_item)) is not None:
            pid = self.item_pledge.get(item)
        return self.pledges.get(pid, ANONYMOUS_NAME) if pid is not None else ANONYMOUS_NAME

    def account(self, code: str, entry: JournalEntry) -> str:
        """The public label of one side of an entry."""
        if code == ledger.WORLD_DONORS:
            return self.donor(entry)
        if code == ledger.WORLD_REFUNDS:
            if _source_id(entry, EntrySource.pledge) is not None:
                return str(_l("Refund to %(name)s", name=self.donor(entry)))
            return str(_l("Refunds to donors"))
        if code == ledger.WORLD_PAYEES:
            did = _source_id(entry, EntrySource.disbursement)
            return self.payees.get(did, str(_l("Payees"))) if did else str(_l("Payees"))
        if code == ledger.WORLD_NGOS:
            pid = _source_id(entry, EntrySource.project)
            name = self.projects.get(pid) if pid else None
            return (
                str(_l("%(name)s (own funds)", name=name)) if name else str(_l("NGOs' own funds"))
            )
        if code == ledger.CLEARING:
            return str(_l("Payment clearing"))
        if code == ledger.FEES:
            return str(_l("Payment fees"))
        kind, raw = account_codes.split(code)
        if kind == account_codes.CASE:
            return str(_l("Case %(ref)s", ref=raw))
        if kind == account_codes.POOL:
            if entry.kind == "allocation":
                return self.donor(entry)
            return str(_l("Donors' pooled pledges"))
        if kind == account_codes.FUND:
            fund_id = account_codes.number(code, account_codes.FUND)
            return self.funds.get(fund_id or 0) or str(_l("Company fund"))
        if kind == account_codes.PROJECT:
            project_id = account_codes.number(code, account_codes.PROJECT)
            return self.projects.get(project_id or 0) or str(_l("NGO project"))
        return str(_l("Other"))


def _line(entry: JournalEntry, names: _Names, focus: int | None) -> dict[str, Any]:
    """One public line. ``focus``: the case account the line is seen from (amount and
    direction relative to it); else the first case account of the entry, if any."""
    by_account: dict[int, int] = defaultdict(int)
    codes: dict[int, str] = {}
    for p in entry.postings:
        by_account[p.account_id] += p.amount_fen if p.side == Side.debit else -p.amount_fen
        codes[p.account_id] = p.account.code
    case_accounts = [a for a in by_account if account_codes.case_ref(codes[a]) is not None]
    if focus is None and case_accounts:
        focus = max(case_accounts, key=lambda a: (by_account[a] > 0, -a))
    sources = [a for a, v in by_account.items() if v < 0]
    targets = [a for a, v in by_account.items() if v > 0]
    source = " + ".join(names.account(codes[a], entry) for a in sources)
    target = " + ".join(names.account(codes[a], entry) for a in targets)
    if focus is not None and focus in by_account:
        net = by_account[focus]
        direction = "in" if net > 0 else "out" if net < 0 else None
        amount = abs(net)
        case_ref = account_codes.case_ref(codes[focus])
        others = [a for a, v in by_account.items() if v and (v > 0) != (net > 0)]
        counterparty = " + ".join(names.account(codes[a], entry) for a in others)
    else:
        direction, case_ref, counterparty = None, None, ""
        amount = sum(v for v in by_account.values() if v > 0)
    did = _source_id(entry, EntrySource.disbursement) if entry.kind == "disbursement" else None
    reversed_id = _source_id(entry, EntrySource.journal_entry)
    if entry.kind == "reversal" and reversed_id in names.seqs:
        description = str(_l("Correction of entry %(seq)s", seq=names.seqs[reversed_id]))
    else:
        description = str(
            _l(
                "%(kind)s: %(source)s → %(target)s",
                kind=kind_label(entry.kind),
                source=source,
                target=target,
            )
        )
    return {
        "seq": entry.seq,
        "date": entry.created_at,
        "kind": entry.kind,
        "kind_label": kind_label(entry.kind),
        "amount_fen": amount,
        "direction": direction,
        "case_ref": case_ref,
        "source": source,
        "destination": target,
        "counterparty": counterparty or (target if direction == "out" else source),
        "description": description,
        "payee_kind": _payee_kind(entry) if entry.kind == "disbursement" else None,
        "receipts": list(names.receipts.get(did, [])) if did else [],
        "hash": entry.hash,
    }


def _payee_kind(entry: JournalEntry) -> str | None:
    value = (entry.meta or {}).get("payee_kind")
    return value if value in {k.value for k in PayeeKind} else None


def public_lines(entries: Sequence[JournalEntry], focus: int | None = None) -> list[dict[str, Any]]:
    """The public lines of ``entries``, in their order; ``focus``: the case account they are seen
    from (see :func:`_line`)."""
    names = _Names(entries)
    return [_line(entry, names, focus) for entry in entries]
