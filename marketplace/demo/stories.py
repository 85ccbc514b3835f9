"""The demo's cases: ten stories of residual need, turned into case data."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from faker import Faker

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


#: the household sizes each story can hold, in the order of ``STORIES``: someone living alone is a
#: household of 1; a story that names a child, a parent or a spouse has room for them
HOUSEHOLDS: list[tuple[int, int]] = [
    (2, 6),  # a worker and a child at school
    (3, 6),  # a sick child and both parents
    (2, 6),  # a family staying with relatives
    (3, 6),  # father, mother, a student
    (1, 1),  # an elderly person living alone
    (1, 6),  # an injured migrant worker
    (3, 6),  # two members severely disabled, and who cares for them
    (2, 5),  # a single mother and her children
    (2, 6),  # a child and the surviving parent
    (2, 4),  # an elderly patient and the spouse
]


#: the title donors see first, one per story in the order of ``STORIES`` (no names, no places)
TITLES: list[str] = [
    "突发脑出血的家中顶梁柱,住院自付费用缺口",
    "白血病患儿的后续化疗费用",
    "汛期房屋受损,一家人盼着修好房子",
    "工伤致残家庭的孩子考上大学,学费尚缺",
    "独居老人摔伤后需要居家照护和助餐",
    "车祸受伤的务工人员,康复治疗费用缺口",
    "两名重度残疾成员的家庭需要轮椅和护理",
    "失业单亲母亲拖欠房租,面临搬离",
    "痛失至亲的孩子需要心理辅导",
    "尿毒症老人的透析自付费用",
]


def case_data(fake: Faker, rng: random.Random, region: str, index: int) -> dict[str, Any]:
    categories, template, needs = STORIES[index % len(STORIES)]
    if "elderly_care" in categories:
        age = rng.randint(62, 88)
    elif "child_care" in categories:
        age = rng.randint(4, 15)
    else:
        age = rng.randint(22, 58)
    size = rng.randint(*HOUSEHOLDS[index % len(STORIES)])
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
        "title": TITLES[index % len(STORIES)],
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
