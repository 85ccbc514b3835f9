"""The ledger's public entry point: other packages use the ledger through this module
(``from marketplace.ledger import services as ledger``), which re-exports the names below.

See ``marketplace/ledger/core.py`` for the design overview. The code lives in one module per job:
``accounts`` (accounts by code, created on first use; ceilings), ``posting`` (the one write path
``post_entry`` and ``reverse_entry``), ``queries`` (balances, what a case received and holds,
platform totals), ``verification`` (``verify``) and ``refusals`` (``LedgerRefused``). Everything
runs in the caller's transaction: the caller commits once, so a money event and the state change
that caused it are stored together or not at all.
"""

from __future__ import annotations

from marketplace.ledger.accounts import case_account as case_account
from marketplace.ledger.accounts import fund_account as fund_account
from marketplace.ledger.accounts import get_account as get_account
from marketplace.ledger.accounts import pool_account as pool_account
from marketplace.ledger.accounts import project_account as project_account
from marketplace.ledger.accounts import set_ceiling as set_ceiling
from marketplace.ledger.codes import CLEARING as CLEARING
from marketplace.ledger.codes import FEES as FEES
from marketplace.ledger.codes import WORLD_DONORS as WORLD_DONORS
from marketplace.ledger.codes import WORLD_NGOS as WORLD_NGOS
from marketplace.ledger.codes import WORLD_PAYEES as WORLD_PAYEES
from marketplace.ledger.codes import WORLD_REFUNDS as WORLD_REFUNDS
from marketplace.ledger.posting import post_entry as post_entry
from marketplace.ledger.posting import reverse_entry as reverse_entry
from marketplace.ledger.queries import balance as balance
from marketplace.ledger.queries import case_entries as case_entries
from marketplace.ledger.queries import case_payouts as case_payouts
from marketplace.ledger.queries import chain_neighbours as chain_neighbours
from marketplace.ledger.queries import entry_by_seq as entry_by_seq
from marketplace.ledger.queries import held_by_line as held_by_line
from marketplace.ledger.queries import journal_query as journal_query
from marketplace.ledger.queries import platform_totals as platform_totals
from marketplace.ledger.queries import pool_balance as pool_balance
from marketplace.ledger.queries import received_by_line as received_by_line
from marketplace.ledger.queries import share as share
from marketplace.ledger.refusals import LedgerRefused as LedgerRefused
from marketplace.ledger.verification import VerifyReport as VerifyReport
from marketplace.ledger.verification import recomputed_hash as recomputed_hash
from marketplace.ledger.verification import verify as verify
from marketplace.ledger.verification import verify_report as verify_report
