"""Names of other people: household members passed in, and names found from their context."""

from __future__ import annotations

import pytest
from faker.providers.person.zh_CN import Provider as FakerPerson

from benchmarks.anonymizer.run import measure
from marketplace.cases.anonymize import scrub
from marketplace.cases.anonymize.lexicon import COMPOUND_SURNAMES, SURNAMES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("丈夫张建国因车祸住院", "丈夫[姓名]因车祸住院"),
        ("妻子王芳患白血病多年", "妻子[姓名]患白血病多年"),
        ("老伴李桂英今年72岁", "老伴[姓名]今年72岁"),
        ("儿子名叫刘洋,在县城读高中", "儿子名叫[姓名],在县城读高中"),
        ("邻居欧阳娜娜经常帮忙照看", "邻居[姓名]经常帮忙照看"),
        ("班主任诸葛明反映孩子成绩下降", "班主任[姓名]反映孩子成绩下降"),
        ("房东司马建军同意缓交房租", "房东[姓名]同意缓交房租"),
        ("孙女上官婷婷,8岁,患脑瘫", "孙女[姓名],8岁,患脑瘫"),
        ("王秀英今年68岁,患尿毒症", "[姓名]今年68岁,患尿毒症"),
        ("经核实,赵志强因工伤致残", "经核实,[姓名]因工伤致残"),
        ("陈建华先生独自抚养两个孩子", "[姓名]先生独自抚养两个孩子"),
        ("村支书黄荣也来看望过", "村支书[姓名]也来看望过"),
        ("姓名:周敏", "姓名:[姓名]"),
    ],
)
def test_names_after_kinship_words_and_in_person_contexts(text: str, expected: str) -> None:
    result = scrub(text)
    assert result.text == expected
    assert [f.kind for f in result.findings] == ["name"]


@pytest.mark.parametrize(
    "text",
    [
        "王府井附近的餐馆招工。",
        "母亲患高血压多年,父亲马上要做手术。",
        "李子成熟后卖了300元。",
        "村委会张贴了公示名单。",
        "黄金首饰已经变卖。",
        "周末在家照顾孩子。",
        "林业站提供了公益岗位。",
        "丈夫常年在外打工。",
        "何时能出院还不确定。",
        "白血病治疗费用高昂。",
        "另一方面,民政部门已给予救助。",
        "朱红色的大门已经破旧。",
        "一家人住在胡同里。",
        "金额共计5000元,钱款直接付给医院。",
        "腿上打了石膏,向来节俭,于是申请救助。",
        "医保报销了3万元。",
        "户籍在江陵县。",
        "与母亲相依为命。",
        "丈夫和申请人一起居住。",
        "据孙女介绍,孙子已经上学。",
        "班主任王老师和邻居李大爷都来看望过。",
        "常常在节假日加班。",
        "患者银行卡号已登记。",
    ],
)
def test_ordinary_words_are_not_names(text: str) -> None:
    result = scrub(text)
    assert not [f for f in result.findings if f.kind == "name"], result.text


def test_household_member_names_are_scrubbed_when_passed_in() -> None:
    members = ["张建国", "张小雨"]
    text = "建国在外地打工,小雨读初中,张建国每月寄钱回家"
    result = scrub(text, names=["王秀英", *members])
    assert "建国" not in result.text and "小雨" not in result.text
    assert result.text.count("[姓名]") == 3


def test_scrubbing_names_is_idempotent() -> None:
    once = scrub("丈夫张建国因车祸住院,邻居王秀英今年68岁").text
    assert scrub(once).text == once
    assert not scrub(once).findings


def test_surname_list_covers_faker_and_compound_surnames() -> None:
    assert set(FakerPerson.last_names) <= SURNAMES
    assert {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "尉迟", "长孙"} <= (
        COMPOUND_SURNAMES
    )
    assert {"宇文", "夏侯"} <= COMPOUND_SURNAMES


def test_name_recall_and_false_positive_rate(capsys: pytest.CaptureFixture[str]) -> None:
    """The benchmark of benchmarks/anonymizer (fixed seed): recall >= 99 %, FP <= 1 %."""
    result = measure()
    recall, fp = result["recall"], result["false_positive_rate"]
    with capsys.disabled():
        print(
            f"\nname recall {recall:.2%} on {result['n_with_names']} sentences; "
            f"false positives {fp:.2%} on {result['n_free']} name-free sentences"
        )
    assert result["n_with_names"] >= 1000 and result["n_free"] >= 1000
    assert recall >= 0.99
    assert fp <= 0.01
