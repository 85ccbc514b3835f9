"""A realistic demo data set (Faker zh_CN), loaded by ``flask --app marketplace demo``.

Idempotent: organizations and users are looked up by name/email and cases are only generated once
(marked by the demo social worker's existing cases). Everything goes through the services, so the
demo obeys the same rules as users do.
"""

from __future__ import annotations

import random

from faker import Faker
from sqlalchemy import func, select

from marketplace.cases import services as cases
from marketplace.cases.models import Case
from marketplace.demo.people import (
    DEMO_PASSWORD,
    ORGS,
    USERS,
    load_orgs,
    load_projects,
    load_users,
    register_ngos,
)
from marketplace.demo.policies import load_policies
from marketplace.demo.stories import STORIES, case_data
from marketplace.demo.support import (
    case_follow_up,
    demo_pdf,
    load_fund,
    load_gifts,
    load_money_out,
    load_referrals,
)
from marketplace.extensions import db

__all__ = [
    "DEMO_PASSWORD",
    "ORGS",
    "STORIES",
    "USERS",
    "case_follow_up",
    "demo_pdf",
    "load_demo",
]


def load_demo(n_cases: int = 45) -> str:
    """Create the demo organizations, users and cases. Returns a one-line summary."""
    orgs = load_orgs()
    users = load_users(orgs)
    register_ngos(orgs, users["reviewer@demo.jjn.cn"])
    load_projects(users)
    load_policies()
    existing = db.session.scalar(select(func.count()).select_from(Case)) or 0
    if existing:
        return (
            f"demo already loaded: {len(orgs)} organizations, {len(users)} users, {existing} cases"
        )
    fake = Faker("zh_CN")
    fake.seed_instance(2026)
    rng = random.Random(2026)
    offices = [
        ("sw.shashi@demo.jjn.cn", "reviewer.shashi@demo.jjn.cn", "421002"),
        ("sw2.shashi@demo.jjn.cn", "reviewer.shashi@demo.jjn.cn", "421002"),
        ("sw.jingzhou@demo.jjn.cn", "reviewer.jingzhou@demo.jjn.cn", "421003"),
        ("sw.gongan@demo.jjn.cn", "reviewer.gongan@demo.jjn.cn", "421022"),
    ]
    # state mix: most published, some waiting, returned, drafts, a withdrawn one
    plan = ["published"] * 30 + ["submitted"] * 6 + ["returned"] * 3 + ["draft"] * 5 + ["withdrawn"]
    for i in range(n_cases):
        worker_email, reviewer_email, region = offices[i % len(offices)]
        worker, reviewer = users[worker_email], users[reviewer_email]
        data = case_data(fake, rng, region, i)
        target = plan[i % len(plan)]
        if target == "draft" and i % 2:
            data["government_payouts"][0]["status"] = "approved"
            data["government_payouts"][0]["paid_on"] = None
        case = cases.create_case(worker, data)
        if target == "draft":
            continue
        cases.submit_case(worker, case)
        if target in ("published", "withdrawn"):
            cases.review_case(reviewer, case, "approve")
        elif target == "returned":
            cases.review_case(
                reviewer, case, "return", "摘要中描述过细,请删除可能识别家庭的细节后重新提交。"
            )
        if target == "withdrawn":
            cases.withdraw_case(worker, case, "家庭已通过亲友筹得所需款项")
    db.session.flush()
    load_fund(users)
    load_gifts(users, rng)
    load_referrals(users)
    load_money_out(users)
    return (
        f"demo loaded: {len(orgs)} organizations, {len(users)} users, {n_cases} cases "
        f"(password of every demo account: {DEMO_PASSWORD})"
    )
