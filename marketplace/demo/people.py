"""The demo's organizations and users, the NGOs' registration numbers and their projects."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Organization, OrgKind, Role, User
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
    ("auditor.shashi@demo.jjn.cn", Role.auditor, "荆州市沙市区民政局", "区民政局审计员"),
    ("admin.shashi@demo.jjn.cn", Role.admin, "荆州市沙市区民政局", "区民政局系统管理员"),
    ("custodian@demo.jjn.cn", Role.reviewer, "荆州市慈善总会", "慈善总会复核员"),
    ("ngo.sunshine@demo.jjn.cn", Role.ngo_staff, "荆州市阳光社会工作服务中心", "黄社工"),
    ("ngo.harbor@demo.jjn.cn", Role.ngo_staff, "沙市区心灵港湾心理咨询服务中心", "吴咨询师"),
    ("csr.jingchu@demo.jjn.cn", Role.company_staff, "荆楚精工制造有限公司", "企业公益专员"),
    ("csr.changjiang@demo.jjn.cn", Role.company_staff, "长江医药集团股份有限公司", "医药公益专员"),
    ("donor@demo.jjn.cn", Role.donor, None, "爱心人士"),
    ("donor2@demo.jjn.cn", Role.donor, None, "张女士"),
]


def load_orgs() -> dict[str, Organization]:
    return {name: accounts.get_or_create_org(name, kind, region) for name, kind, region in ORGS}


#: demo NGOs with their (valid, fictitious) unified social credit codes; the first is verified
NGO_CODES = {
    "荆州市阳光社会工作服务中心": "52421000MJ0000001",
    "沙市区心灵港湾心理咨询服务中心": "52421002MJ0000002",
}


def register_ngos(orgs: dict[str, Organization], reviewer: User) -> None:
    from stdnum.cn import uscc

    for i, (name, base) in enumerate(NGO_CODES.items()):
        org = orgs[name]
        if org.registration_number:
            continue
        accounts.record_registration(org, base + uscc.calc_check_digit(base))
        if i == 0:
            accounts.mark_verified(org, reviewer)


def load_projects(users: dict[str, User]) -> None:
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


def load_users(orgs: dict[str, Organization]) -> dict[str, User]:
    users: dict[str, User] = {}
    for email, role, org_name, display in USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = accounts.create_user(
                email, DEMO_PASSWORD, role, orgs.get(org_name or ""), display
            )
        users[email] = user
    return users
