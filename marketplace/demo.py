"""A realistic demo data set (Faker zh_CN), loaded by ``flask --app marketplace demo``.

Idempotent: organizations and users are looked up by name/email and cases are only generated once
(marked by the demo social worker's existing cases). Everything goes through the services, so the
demo obeys the same rules as users do.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, OrgKind, Role, User
from marketplace.cases import services as cases
from marketplace.cases.models import Case
from marketplace.extensions import db

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo credential

ORGS: list[tuple[str, OrgKind, str | None]] = [
    ("荆州市沙市区民政局", OrgKind.civil_affairs, "421002"),
    ("荆州市荆州区民政局", OrgKind.civil_affairs, "421003"),
    ("公安县民政局", OrgKind.civil_affairs, "421022"),
    ("救急难平台运营中心", OrgKind.platform, "421000"),
    ("荆州市慈善总会", OrgKind.custodian, "421000"),
    ("荆州市阳光社会工作服务中心", OrgKind.ngo, "421002"),
    ("沙市区心灵港湾心理咨询服务中心", OrgKind.ngo, "421002"),
    ("荆楚精工制造有限公司", OrgKind.company, "421003"),
    ("长江医药集团股份有限公司", OrgKind.company, "421002"),
]

USERS: list[tuple[str, Role, str | None, str]] = [
    ("sw.shashi@demo.jjn.cn", Role.social_worker, "荆州市沙市区民政局", "李慧敏"),
    ("sw2.shashi@demo.jjn.cn", Role.social_worker, "荆州市沙市区民政局", "周建国"),
    ("sw.jingzhou@demo.jjn.cn", Role.social_worker, "荆州市荆州区民政局", "王晓燕"),
    ("sw.gongan@demo.jjn.cn", Role.social_worker, "公安县民政局", "陈志强"),
    ("reviewer.shashi@demo.jjn.cn", Role.reviewer, "荆州市沙市区民政局", "刘芳"),
    ("reviewer.jingzhou@demo.jjn.cn", Role.reviewer, "荆州市荆州区民政局", "张伟"),
    ("reviewer.gongan@demo.jjn.cn", Role.reviewer, "公安县民政局", "赵丽"),
    ("reviewer@demo.jjn.cn", Role.reviewer, "救急难平台运营中心", "孙明"),
    ("admin@demo.jjn.cn", Role.admin, "救急难平台运营中心", "平台管理员"),
    ("auditor@demo.jjn.cn", Role.auditor, "救急难平台运营中心", "审计员"),
    ("custodian@demo.jjn.cn", Role.reviewer, "荆州市慈善总会", "慈善总会复核员"),
    ("ngo.sunshine@demo.jjn.cn", Role.ngo_staff, "荆州市阳光社会工作服务中心", "黄社工"),
    ("ngo.harbor@demo.jjn.cn", Role.ngo_staff, "沙市区心灵港湾心理咨询服务中心", "吴咨询师"),
    ("csr.jingchu@demo.jjn.cn", Role.company_staff, "荆楚精工制造有限公司", "企业公益专员"),
    ("csr.changjiang@demo.jjn.cn", Role.company_staff, "长江医药集团股份有限公司", "医药公益专员"),
    ("donor@demo.jjn.cn", Role.donor, None, "爱心人士"),
    ("donor2@demo.jjn.cn", Role.donor, None, "张女士"),
]

#: (categories, summary template, need lines (kind, category, description, yuan or units))
STORIES: list[tuple[list[str], str, list[tuple[str, str, str, int]]]] = [
    (
        ["medical"],
        "家中主要劳动力{age}岁,突发脑出血住院治疗,医保和医疗救助报销后,自付部分仍有较大缺口,家庭另有一名在读子女。",
        [
            ("cash", "medical", "住院自付医疗费(直接支付医院)", 38000),
            ("service", "psychological", "家属心理疏导", 6),
        ],
    ),
    (
        ["medical", "child_care"],
        "患儿{age}岁,确诊白血病需长期化疗。父母务工收入有限,已获临时救助和医疗救助,后续治疗费仍无力承担。",
        [
            ("cash", "medical", "化疗自付费用", 52000),
            ("in_kind", "basic_living", "营养补充品与生活用品", 3000),
        ],
    ),
    (
        ["disaster", "housing"],
        "今年汛期房屋受损,已领取受灾人员救助金。一家{size}口暂住亲戚家,修缮房屋的材料费尚缺。",
        [("cash", "housing", "房屋修缮材料费(直接支付建材商)", 26000)],
    ),
    (
        ["education", "basic_living"],
        "父亲因工伤致残,母亲打零工。低保家庭,孩子考上大学,学费和住宿费尚有缺口。",
        [
            ("cash", "education", "大学第一学年学费(直接支付学校)", 6800),
            ("cash", "basic_living", "入学生活费", 3000),
        ],
    ),
    (
        ["elderly_care", "daily_care"],
        "独居老人,{age}岁,特困供养对象。近期摔伤行动不便,需要短期居家照护和助餐服务。",
        [
            ("service", "daily_care", "居家生活照料", 40),
            ("in_kind", "elderly_care", "助行器与护理床", 2400),
        ],
    ),
    (
        ["accident", "medical"],
        "外出务工途中遭遇交通事故,肇事方无力赔偿。已获临时救助3000元,康复治疗费用仍有缺口。",
        [("cash", "medical", "康复治疗费", 18000), ("service", "employment", "康复后就业指导", 4)],
    ),
    (
        ["disability", "basic_living"],
        "一户{size}口之家,两名成员为重度残疾。低保金不足以覆盖康复辅具和日常护理开支。",
        [
            ("in_kind", "disability", "轮椅及康复辅具(直接采购)", 5600),
            ("service", "daily_care", "上门护理服务", 24),
        ],
    ),
    (
        ["employment", "basic_living"],
        "单亲母亲失业后无稳定收入,已纳入临时救助。房租拖欠两个月,面临搬离。",
        [
            ("cash", "housing", "拖欠房租(直接支付房东)", 3600),
            ("service", "employment", "职业技能培训名额", 1),
        ],
    ),
    (
        ["psychological", "child_care"],
        "父母一方意外离世,{age}岁孩子出现严重情绪困扰,家庭经济已获救助,需持续心理支持。",
        [
            ("service", "psychological", "儿童心理辅导", 8),
            ("cash", "education", "课后托管费用", 2400),
        ],
    ),
    (
        ["medical", "elderly_care"],
        "{age}岁老人患尿毒症需定期透析,老伴同样体弱多病。医疗救助后每月仍需自付透析相关费用。",
        [("cash", "medical", "三个月透析自付费用", 9600)],
    ),
]

SCHEME_AMOUNTS = {
    "temporary": (3000, 5000, 8000),
    "medical": (10000, 20000, 30000),
    "dibao": (800, 1600),
    "disaster": (5000,),
    "education": (2000,),
    "tekun": (1200,),
}


def _orgs() -> dict[str, Organization]:
    return {name: accounts.get_or_create_org(name, kind, region) for name, kind, region in ORGS}


#: demo NGOs with their (valid, fictitious) unified social credit codes; the first is verified
NGO_CODES = {
    "荆州市阳光社会工作服务中心": "52421000MJ0000001",
    "沙市区心灵港湾心理咨询服务中心": "52421002MJ0000002",
}


def _ngo_registration(orgs: dict[str, Organization], reviewer: User) -> None:
    from stdnum.cn import uscc

    for i, (name, base) in enumerate(NGO_CODES.items()):
        org = orgs[name]
        if org.registration_number:
            continue
        accounts.record_registration(org, base + uscc.calc_check_digit(base))
        if i == 0:
            accounts.mark_verified(org, reviewer)


def _projects(users: dict[str, User]) -> None:
    from marketplace.ngos.models import Project
    from marketplace.ngos.services import create_project

    if db.session.scalar(select(func.count()).select_from(Project)):
        return
    create_project(
        users["ngo.harbor@demo.jjn.cn"],
        {
            "name": "心灵港湾·困境家庭心理疏导",
            "description": "为遭遇重大变故的家庭成员提供一对一心理疏导。",
            "kind": "service",
            "categories": ["psychological"],
            "regions": ["4210"],
            "monthly_units": 60,
            "unit_name": "次",
        },
    )
    create_project(
        users["ngo.sunshine@demo.jjn.cn"],
        {
            "name": "阳光助老·居家照护",
            "description": "为独居、失能老人提供上门生活照料和助餐。",
            "kind": "both",
            "categories": ["daily_care", "elderly_care", "disability"],
            "regions": ["421002", "421003"],
            "monthly_units": 200,
            "unit_name": "小时",
            "budget_fen": 5_000_000,
            "per_case_cap_fen": 300_000,
        },
    )
    create_project(
        users["ngo.sunshine@demo.jjn.cn"],
        {
            "name": "阳光就业·技能培训",
            "description": "为失业家庭成员提供职业技能培训名额和就业指导。",
            "kind": "service",
            "categories": ["employment"],
            "regions": ["4210"],
            "monthly_units": 30,
            "unit_name": "名额",
        },
    )


def _users(orgs: dict[str, Organization]) -> dict[str, User]:
    users: dict[str, User] = {}
    for email, role, org_name, display in USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = accounts.create_user(
                email, DEMO_PASSWORD, role, orgs.get(org_name or ""), display
            )
        users[email] = user
    return users


def _case_data(fake: Faker, rng: random.Random, region: str, index: int) -> dict[str, Any]:
    categories, template, needs = STORIES[index % len(STORIES)]
    if "elderly_care" in categories:
        age = rng.randint(62, 88)
    elif "child_care" in categories:
        age = rng.randint(4, 15)
    else:
        age = rng.randint(22, 58)
    size = rng.randint(1, 6)
    payouts = []
    for scheme in rng.sample(sorted(SCHEME_AMOUNTS), k=rng.randint(1, 2)):
        payouts.append(
            {
                "scheme": scheme,
                "amount_fen": rng.choice(SCHEME_AMOUNTS[scheme]) * 100,
                "status": "paid",
                "paid_on": date.today() - timedelta(days=rng.randint(3, 60)),
                "document_ref": f"JZMZ-{2026}-{rng.randint(1000, 9999)}",
            }
        )
    from marketplace.cases.anonymize import age_band

    scale = rng.choice((0.6, 0.8, 1.0, 1.3))
    return {
        "private": {
            "name": fake.name(),
            "id_number": fake.ssn(),
            "phone": fake.phone_number(),
            "address": fake.street_address(),
            "narrative": fake.paragraph(nb_sentences=4),
        },
        "consent": {
            "publish": True,
            "recorded_on": date.today() - timedelta(days=rng.randint(1, 20)),
            "scope": "anonymized_publication_and_referral",
        },
        "region": region,
        "categories": categories,
        "household_size": size,
        "age_band": age_band(age),
        "summary": template.format(age=age, size=size),
        "emergency": index % 7 == 3,
        "government_payouts": payouts,
        "need_lines": [
            {
                "kind": kind,
                "category": cat,
                "description": desc,
                "payee_kind": "vendor" if "直接" in desc else "beneficiary",
                "amount_fen": int(value * scale) * 100 if kind != "service" else None,
                "units": value if kind == "service" else None,
                "unit_name": "次" if kind == "service" else None,
            }
            for kind, cat, desc, value in needs
        ],
    }


def _demo_fund(users: dict[str, User]) -> None:
    """长江医药's medical fund, paid in, matching gifts to medical cases 1:1."""
    from datetime import timedelta

    from marketplace.db_types import utcnow
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


def _demo_referrals(users: dict[str, User]) -> None:
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


def _demo_gifts(users: dict[str, User], rng: random.Random) -> None:
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


def demo_pdf() -> bytes:
    """A blank one-page A4 PDF (a well-formed file: receipts are parsed before they are kept)."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _demo_money_out(users: dict[str, User]) -> None:
    """Payouts on fully funded cases (vendor paid, receipt stored, one case closed with a
    follow-up) and one request waiting for the custodian, through the real services."""
    from marketplace.cases import lifecycle
    from marketplace.cases.states import CaseStage
    from marketplace.disbursements import services as payouts
    from marketplace.ledger.services import held_by_line

    custodian = users["custodian@demo.jjn.cn"]
    funded = db.session.scalars(
        select(Case).where(Case.stage == CaseStage.funded).order_by(Case.id)
    ).all()
    vendors = ("荆州市中心医院", "沙市区人民医院", "荆州市第一人民医院")
    for i, case in enumerate(funded[:3]):
        owner = db.session.get(User, case.owner_id)
        held = held_by_line(case)
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
        payouts.add_receipt(owner, found, demo_pdf())
        if i == 0 and not sum(held_by_line(case).values()):
            lifecycle.close_case(owner, case, "resolved", "住院费用已结清,家庭生活恢复正常。")
            follow_up = case_follow_up(case.id, 30)
            if follow_up is not None:
                lifecycle.answer_follow_up(owner, follow_up, "resolved", "孩子已返校,家长复工。")


def case_follow_up(case_id: int, days: int) -> Any:
    from marketplace.cases.models import FollowUp

    return db.session.scalar(
        select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.days == days)
    )


def load_demo(n_cases: int = 45) -> str:
    """Create the demo organizations, users and cases. Returns a one-line summary."""
    orgs = _orgs()
    users = _users(orgs)
    _ngo_registration(orgs, users["reviewer@demo.jjn.cn"])
    _projects(users)
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
        data = _case_data(fake, rng, region, i)
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
    _demo_fund(users)
    _demo_gifts(users, rng)
    _demo_referrals(users)
    _demo_money_out(users)
    return (
        f"demo loaded: {len(orgs)} organizations, {len(users)} users, {n_cases} cases "
        f"(password of every demo account: {DEMO_PASSWORD})"
    )
