"""The help the demo's cases get, through the real services: a matching fund, paid gifts, a
referral to an NGO, and payouts with a receipt and a closed case."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.cases.models import Case
from marketplace.db_types import utcnow
from marketplace.extensions import db


def load_fund(users: dict[str, User]) -> None:
    """长江医药's medical fund, paid in, matching gifts to medical cases 1:1."""
    from marketplace.donors import funds
    from marketplace.donors import services as donors

    staff = users["csr.changjiang@demo.jjn.cn"]
    fund = funds.create_fund(
        staff,
        {
            "name": "长江医药·助医配捐基金",
            "budget_fen": 20_000_000,
            "categories": ["medical"],
            "region": "4210",
            "per_case_cap_fen": 500_000,
            "match_ratio": 100,
            "match_cap_per_gift_fen": 50_000,
            "match_ends_on": (utcnow() + timedelta(days=180)).date(),
        },
    )
    deposit = donors.create_fund_pledge(staff, fund.id, 5_000_000)
    donors.attach_checkout(deposit, "cs_demo_fund", "fake")
    donors.record_payment(deposit, payment_intent="pi_demo_fund")


def load_gifts(users: dict[str, User], rng: random.Random) -> None:
    """Paid gifts on some published cases (through the same services as real payments)."""
    from marketplace.cases.states import CaseStatus
    from marketplace.donors import services as donors

    givers = [
        users["donor@demo.jjn.cn"],
        users["donor2@demo.jjn.cn"],
        users["csr.jingchu@demo.jjn.cn"],
    ]
    published = db.session.scalars(
        select(Case).where(Case.status == CaseStatus.published).order_by(Case.id)
    ).all()
    for i, case in enumerate(published[:12]):
        available = donors.available_fen(case)
        amount = available if i % 5 == 0 else min(available, rng.choice((20_000, 50_000, 100_000)))
        if amount < donors.MIN_PLEDGE_FEN:
            continue
        pledge = donors.create_case_pledge(givers[i % 3], case, amount, anonymous=i % 2 == 0)
        donors.attach_checkout(pledge, f"cs_demo_{case.ref}", "fake")
        donors.record_payment(pledge, payment_intent=f"pi_demo_{case.ref}")
    rule = donors.create_rule_pledge(
        givers[0], {"categories": ["medical"], "region": "4210", "age_band": None}, 200_000
    )
    donors.attach_checkout(rule, "cs_demo_rule", "fake")
    donors.record_payment(rule, payment_intent="pi_demo_rule")


def load_referrals(users: dict[str, User]) -> None:
    """A counselling need referred to 心灵港湾, accepted and partly delivered."""
    from marketplace.cases.states import CaseStatus
    from marketplace.ngos import services as ngos
    from marketplace.ngos.models import Project

    project = db.session.scalar(select(Project).where(Project.name.like("心灵港湾%")))
    for case in db.session.scalars(
        select(Case).where(Case.status == CaseStatus.published).order_by(Case.id)
    ):
        line = next((n for n in case.need_lines if n.kind == "service"), None)
        if project is None or line is None or not ngos.project_fits(project, case, line):
            continue
        owner = db.session.get(User, case.owner_id)
        assert owner is not None  # noqa: S101 - FK
        referral = ngos.refer(owner, case, line, project, min(line.units or 1, 6))
        staff = users["ngo.harbor@demo.jjn.cn"]
        ngos.decide_referral(staff, referral, accept=True)
        ngos.record_delivery(staff, referral, max(referral.units // 2, 1))
        return


def demo_pdf() -> bytes:
    """A blank one-page A4 PDF (a well-formed file: receipts are parsed before they are kept)."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def load_money_out(users: dict[str, User]) -> None:
    """Payouts on fully funded cases (vendor paid, receipt stored, one case closed with a
    follow-up) and one request waiting for the custodian, through the real services."""
    from marketplace.cases import lifecycle
    from marketplace.cases.states import CaseStage
    from marketplace.disbursements import evidence
    from marketplace.disbursements import services as payouts
    from marketplace.ledger.services import held_by_line

    custodian = users["custodian@demo.jjn.cn"]
    funded = db.session.scalars(
        select(Case).where(Case.stage == CaseStage.funded).order_by(Case.id)
    ).all()
    vendors = ("荆州市中心医院", "沙市区人民医院", "荆州市第一人民医院")
    for i, case in enumerate(funded[:3]):
        owner = db.session.get(User, case.owner_id)
        held = held_by_line(case.id)
        line = next(n for n in case.need_lines if n.kind in payouts.MONEY_KINDS)
        amount = held.get(line.id, 0) + held.get(None, 0)
        if amount <= 0 or owner is None:
            continue
        found = payouts.request_disbursement(
            owner,
            case,
            {
                "need_line_id": line.id,
                "amount_fen": amount,
                "payee_kind": "vendor",
                "payee_name": vendors[i % len(vendors)],
                "purpose": "直接支付" + (line.description[:20] or "费用"),
                "invoice_ref": f"FP-2026-{1000 + i}",
            },
        )
        if i == 2:
            continue  # waits in the custodian's queue
        payouts.approve(custodian, found)
        evidence.add_receipt(owner, found, demo_pdf())
        if i == 0 and not sum(held_by_line(case.id).values()):
            lifecycle.close_case(owner, case, "resolved", "住院费用已结清,家庭生活恢复正常。")
            follow_up = case_follow_up(case.id, 30)
            if follow_up is not None:
                lifecycle.answer_follow_up(owner, follow_up, "resolved", "孩子已返校,家长复工。")


def case_follow_up(case_id: int, days: int) -> Any:
    from marketplace.cases.models import FollowUp

    return db.session.scalar(
        select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.days == days)
    )
