"""The cases domain's public entry point: other packages use cases through this module
(``from marketplace.cases import services as case_services``), which re-exports the names below.

The code lives in one module per job: ``intake`` (drafts created and edited, their public text
run through the anonymizer), ``workflow`` (submission, review, withdrawal, expiry), ``funding``
(the residual need, what the ledger received, the case's ledger account and ceiling, and the
one "never overfund" booking ``reserve_funding``/``release_funding``), ``queries`` (one case by
reference, its public and owner views, the eligibility ``applicant``, the public list and
counts) and ``duplicates`` (other open cases for the same resident ID). The money stages and
closing are ``lifecycle``.

Services take the acting user as an argument, change state, ``flush()`` and raise domain errors;
the caller (view, API handler, job) commits once. Only the cases package writes its tables.
"""

from __future__ import annotations

from marketplace.cases.duplicates import duplicate_count as duplicate_count
from marketplace.cases.duplicates import duplicate_flags as duplicate_flags
from marketplace.cases.funding import account_code as account_code
from marketplace.cases.funding import funded_by_line as funded_by_line
from marketplace.cases.funding import government_paid_fen as government_paid_fen
from marketplace.cases.funding import refresh_figures as refresh_figures
from marketplace.cases.funding import release_funding as release_funding
from marketplace.cases.funding import reserve_funding as reserve_funding
from marketplace.cases.funding import residual_fen as residual_fen
from marketplace.cases.funding import sync_ceiling as sync_ceiling
from marketplace.cases.funding import unreserved_fen as unreserved_fen
from marketplace.cases.intake import create_case as create_case
from marketplace.cases.intake import new_ref as new_ref
from marketplace.cases.intake import private_terms as private_terms
from marketplace.cases.intake import refresh_public_text as refresh_public_text
from marketplace.cases.intake import update_case as update_case
from marketplace.cases.queries import applicant as applicant
from marketplace.cases.queries import display_title as display_title
from marketplace.cases.queries import get_case as get_case
from marketplace.cases.queries import org_cases as org_cases
from marketplace.cases.queries import owner_view as owner_view
from marketplace.cases.queries import paginate_public as paginate_public
from marketplace.cases.queries import paperwork_pending as paperwork_pending
from marketplace.cases.queries import public_cases_query as public_cases_query
from marketplace.cases.queries import public_stats as public_stats
from marketplace.cases.queries import public_view as public_view
from marketplace.cases.queries import quasi_identifier_peers as quasi_identifier_peers
from marketplace.cases.queries import review_queue as review_queue
from marketplace.cases.queries import view_for as view_for
from marketplace.cases.queries import view_private as view_private
from marketplace.cases.workflow import expire_cases as expire_cases
from marketplace.cases.workflow import review_case as review_case
from marketplace.cases.workflow import submission_problems as submission_problems
from marketplace.cases.workflow import submit_case as submit_case
from marketplace.cases.workflow import withdraw_case as withdraw_case
