"""The donors domain's public entry point for pledges: other packages use pledges through this
module (``from marketplace.donors import services as donors``), which re-exports the names below.

The code lives in one module per job: ``pledging`` (making case, rule and fund pledges; the case
reservation a pledge holds until paid: cancel, release, expiry), ``settlement`` (what the payment
gateway reports: payments, refunds and disputes booked in the ledger; late-payment fallbacks),
``rule_pledges`` (rule classes, the pool, placing pledge money for plans, expiry) and ``queries``
(the amount still open to pledge, a donor's pledges, a case's public gifts). Company funds are in
``funds``, the gateway's checkout in ``checkout`` and its webhook in ``webhooks``.
"""

from __future__ import annotations

from marketplace.donors.pledging import MIN_PLEDGE_FEN as MIN_PLEDGE_FEN
from marketplace.donors.pledging import PLEDGING_ROLES as PLEDGING_ROLES
from marketplace.donors.pledging import attach_checkout as attach_checkout
from marketplace.donors.pledging import cancel_pledge as cancel_pledge
from marketplace.donors.pledging import create_case_pledge as create_case_pledge
from marketplace.donors.pledging import create_fund_pledge as create_fund_pledge
from marketplace.donors.pledging import create_pledge as create_pledge
from marketplace.donors.pledging import create_rule_pledge as create_rule_pledge
from marketplace.donors.pledging import release_expired_reservations as release_expired_reservations
from marketplace.donors.pledging import release_reservation as release_reservation
from marketplace.donors.queries import ANONYMOUS_NAME as ANONYMOUS_NAME
from marketplace.donors.queries import available_fen as available_fen
from marketplace.donors.queries import donor_dashboard as donor_dashboard
from marketplace.donors.queries import donor_pledges as donor_pledges
from marketplace.donors.queries import donor_totals as donor_totals
from marketplace.donors.queries import get_pledge as get_pledge
from marketplace.donors.queries import gift_view as gift_view
from marketplace.donors.queries import passed_on_fen as passed_on_fen
from marketplace.donors.queries import pledge_description as pledge_description
from marketplace.donors.queries import pledge_view as pledge_view
from marketplace.donors.queries import public_gifts as public_gifts
from marketplace.donors.queries import public_name as public_name
from marketplace.donors.rule_pledges import expire_rule_pledges as expire_rule_pledges
from marketplace.donors.rule_pledges import place_pledge_money as place_pledge_money
from marketplace.donors.rule_pledges import pledge_rule as pledge_rule
from marketplace.donors.rule_pledges import pool_code as pool_code
from marketplace.donors.rule_pledges import rule_class_for as rule_class_for
from marketplace.donors.rule_pledges import rule_key as rule_key
from marketplace.donors.settlement import most_similar_case as most_similar_case
from marketplace.donors.settlement import note_refund_sent as note_refund_sent
from marketplace.donors.settlement import record_dispute as record_dispute
from marketplace.donors.settlement import record_payment as record_payment
from marketplace.donors.settlement import record_refund as record_refund
