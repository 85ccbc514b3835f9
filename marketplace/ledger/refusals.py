"""What the ledger says when it refuses: :class:`LedgerRefused`, and the user-facing refusals
for the invariant violations of ``core`` (not enough money, a case overfunded)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.errors import Conflict
from marketplace.ledger.core import InvariantViolation


class LedgerRefused(Conflict):
    """``post_entry`` refused an entry because an invariant would break."""

    code = "ledger_refused"


def not_enough(code: str) -> LedgerRefused:
    return LedgerRefused(
        _l("Not enough money in %(account)s.", account=code),
        {"rule": "negative_balance", "account": code},
    )


def overfunded(code: str, ceiling: int) -> LedgerRefused:
    return LedgerRefused(
        _l("This would give the case more than it still needs."),
        {"rule": "overfunded", "account": code, "need_fen": ceiling},
    )


def refusal(exc: InvariantViolation) -> LedgerRefused:
    """The refusal to raise for an invariant violation of ``core``."""
    if exc.code == "negative_balance" and exc.account is not None:
        return not_enough(exc.account)
    if exc.code == "overfunded" and exc.account is not None:
        return overfunded(exc.account, exc.limit)
    return LedgerRefused(str(exc), {"rule": exc.code})
