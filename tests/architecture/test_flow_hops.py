"""The three core flows (docs/architecture.md): each reaches the ledger in at most 8 hops down its
longest call chain, and never calls back up into a higher package or layer.

Run with ``-s`` to print each flow's figures and its file-to-file calls.
"""

from __future__ import annotations

from typing import Any

from marketplace.accounts.models import Role
from marketplace.donors.models import Pledge
from marketplace.extensions import db
from tests.architecture.flowtrace import FlowTrace
from tests.conftest import make_user, token_for
from tests.integration import test_disbursements, test_plans, test_pledges

MAX_HOPS = 8


def _check(trace: FlowTrace, name: str) -> None:
    print("\n" + trace.report(name))
    assert trace.reached, f"{name} never reached the ledger"
    assert trace.depth <= MAX_HOPS, trace.report(name)
    assert trace.back_up == [], trace.report(name)


def test_payment_webhook_to_ledger(ctx: Any, client: Any) -> None:
    case = test_pledges._published(client)
    donor = token_for(make_user(Role.donor))
    made = test_pledges._api_pledge(client, donor, case, 50_000)
    assert made.status_code == 201, made.json
    pledge = db.session.get(Pledge, made.json["pledge"]["id"])
    event = test_pledges._event(pledge)
    with FlowTrace() as trace:
        assert test_pledges._post_event(client, event).status_code == 200
    _check(trace, "payment webhook")


def test_plan_acceptance_to_ledger(ctx: Any, client: Any) -> None:
    case, sw = test_plans._published(client)
    test_plans._sources()
    plan = client.post(f"/api/v1/cases/{case.ref}/plans", headers=sw).json
    with FlowTrace() as trace:
        accepted = client.post(f"/api/v1/plans/{plan['id']}/accept", headers=sw)
    assert accepted.status_code == 200, accepted.json
    _check(trace, "plan acceptance")


def test_disbursement_approval_to_ledger(ctx: Any, client: Any) -> None:
    case, sw, line = test_disbursements._funded(client)
    requested = test_disbursements._request(client, case, sw, line)
    custodian = test_disbursements._custodian()
    with FlowTrace() as trace:
        done = client.post(
            f"/api/v1/disbursements/{requested.json['id']}/approve", headers=custodian
        )
    assert done.status_code == 200, done.json
    _check(trace, "disbursement approval")
