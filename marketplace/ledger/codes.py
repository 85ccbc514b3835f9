"""Ledger account codes, spelled in this one place.

A code is ``<prefix>:<name>``: the fixed accounts below, and one account per case
(``case:<case ref>``), company fund (``fund:<id>``), NGO project (``project:<id>``) and rule
class pool (``pool:<rule class id>``). Other modules build and read codes only through these
functions.
"""

from __future__ import annotations

CASE = "case"
FUND = "fund"
PROJECT = "project"
POOL = "pool"

#: outside the custodian: donors paying in, payees and refunds paid out, NGOs' own money (a
#: money project's budget comes from here into ``project:<id>``)
WORLD_DONORS = "world:donors"
WORLD_PAYEES = "world:payees"
WORLD_REFUNDS = "world:refunds"
WORLD_NGOS = "world:ngos"
#: paid at Stripe, not yet placed
CLEARING = "clearing:stripe"
FEES = "fees:payments"


def case(ref: str) -> str:
    """The account holding money for the case with this public reference."""
    return f"{CASE}:{ref}"


def fund(fund_id: int) -> str:
    """A company fund's account."""
    return f"{FUND}:{fund_id}"


def project(project_id: int) -> str:
    """An NGO project's own budget."""
    return f"{PROJECT}:{project_id}"


def pool(rule_class_id: int) -> str:
    """The pool of one rule class: paid rule pledges with that rule, not yet placed."""
    return f"{POOL}:{rule_class_id}"


def split(code: str) -> tuple[str, str]:
    """``("fund", "3")`` from ``"fund:3"``."""
    prefix, _, name = code.partition(":")
    return prefix, name


def number(code: str, prefix: str) -> int | None:
    """The id in a ``fund:``, ``project:`` or ``pool:`` code with that prefix, else None."""
    kind, name = split(code)
    return int(name) if kind == prefix and name.isdigit() and len(name) < 10 else None


def case_ref(code: str) -> str | None:
    """The case reference in a ``case:`` code, else None."""
    kind, name = split(code)
    return name if kind == CASE else None
