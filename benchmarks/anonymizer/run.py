"""Name recall and false positives of the anonymizer on generated case-summary sentences.

Sentences in the style of case summaries (medical bills, 低保, 临时救助, 车祸, 学费, 房租 ...) are
generated from templates with a fixed seed:

* **with names**: a name from Faker zh_CN (about one in five with a compound surname such as
  欧阳 or 诸葛) planted after a kinship or role word, as the subject of a clause, with an
  honorific, after 名叫, in a list. None of these names is passed to the anonymizer: they are
  the other people of a summary, found from their context only. A sentence is *recalled* when no
  two consecutive characters of the planted name remain in the scrubbed text.
* **name-free**: the same templates with the name removed (or replaced by a pronoun), plus
  sentences full of ordinary words that start with a surname character (高血压, 周末, 方面,
  金额 ...). A sentence is a *false positive* when anything in it is replaced as a name.

Run: ``python -m benchmarks.anonymizer.run`` (``--show 20`` prints misses and false positives).
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass

from faker import Faker

from marketplace.cases.anonymize import scrub
from marketplace.cases.anonymize.lexicon import COMPOUND_SURNAMES

SEED = 20261130
N_WITH_NAMES = 1500
N_FREE = 1500

KIN = (
    "丈夫 妻子 老伴 爱人 儿子 女儿 父亲 母亲 爷爷 奶奶 孙子 孙女 哥哥 姐姐 弟弟 妹妹 邻居 班主任 "
    "房东 主治医生 村支书 大儿子 小女儿 外孙 儿媳 女婿 公公 婆婆 同事 工友".split()
)
DISEASES = "白血病 尿毒症 肺癌 脑梗 乳腺癌 肝硬化 精神分裂症 脑瘫 再生障碍性贫血 重度烧伤".split()
COUNTIES = "江陵县 石首市 洪湖市 监利县 公安县 松滋市 沙市区 荆州区".split()
PRONOUNS = ("她", "他", "老人", "申请人", "该户主")

# {K}: a kinship/role word; {N}: the planted name (dropped in the name-free variant);
# {S}: a subject name (a pronoun in the name-free variant); {K2}: another kinship word.
TEMPLATES = (
    "{K}{N}因车祸住院,手术费用约{amt}元,医保报销后仍有缺口。",
    "{K}{N}今年{age}岁,患{dis},每周需要透析两次。",
    "申请人的{K}{N}于{year}年确诊{dis},家庭陷入困境。",
    "{K}{N}在外地打工,每月寄回{small}元。",
    "{K}{N}患{dis}多年,全家靠低保维持生活。",
    "家中还有{K}{N},目前在县城读高中,学费{small}元。",
    "{K}{N},{age}岁,因病丧失劳动能力。",
    "{K}{N}去年因工伤致残,至今未获赔偿。",
    "{K}{N}和申请人一起居住,房租每月{small}元。",
    "据{K}{N}介绍,申请人已欠医院{amt}元。",
    "{K}{N}常年在外务工,很少回家。",
    "{K}名叫{N},在镇上的工厂上班。",
    "{K}{N}的医药费已经花光了家里的积蓄。",
    "{K}{N}已申请临时救助,尚差{amt}元。",
    "{K}{N}被诊断为{dis},需要化疗。",
    "{K}{N}也患有慢性病,无法照顾孩子。",
    "{S}今年{age}岁,患{dis},已申请临时救助。",
    "{S}因车祸导致左腿骨折,急需手术费{amt}元。",
    "{S}一家四口靠{K2}打零工维持生活。",
    "{S}于{year}年被诊断为{dis},花费{amt}元。",
    "{S}现年{age}岁,与{K2}相依为命。",
    "{S}身患{dis},{K2}在{county}打工。",
    "受助人{N}现年{age}岁,独自抚养两个孩子。",
    "患者{N},{age}岁,诊断为{dis}。",
    "学生{N}就读于县第一中学,学费和住宿费共{small}元。",
    "{N}女士的{K2}去年去世,留下债务{amt}元。",
    "{N}先生今年{age}岁,是家里唯一的劳动力。",
    "经村委会核实,{N}家庭符合临时救助条件。",
    "社工走访了{K}{N},确认其住院情况属实。",
    "{K2}的{K}{N}愿意每月资助{small}元。",
    # second batch, written after the rules above were tuned (see README)
    "社工联系了{S},了解到其家庭情况。",
    "{N}、{N2}夫妇均为低保对象。",
    "{K}{N}目前在广东打工,收入不稳定。",
    "家里只剩{K}{N}一个劳动力。",
    "今年三月,{S}突发脑出血,被送往县人民医院。",
    "{K}{N}每天骑电动车接送孩子上学。",
    "{N}老人独自生活,子女都在外地。",
    "{N}同学成绩优异,考上了省重点高中。",
    "由{K}{N}代为申请临时救助。",
    "{K}{N}与申请人已离婚多年。",
    "病人{N}需要长期服用抗排异药物。",
    "村医{N}每周上门为老人测血压。",
    "{S}的{K}在工地摔伤,至今卧床。",
    "受{K}{N}委托,社工提交了申请材料。",
    "{K}{N}从小患有先天性心脏病。",
    # third batch (see README)
    "{K}{N}去年冬天在工地上从脚手架摔下。",
    "据村委会反映,{N}家中仅有一间土坯房。",
    "{N}患病后,{K}辞去工作在医院陪护。",
    "{K}{N}原本在镇上开小卖部,现已关门。",
    "经{K}{N}同意,社工为孩子申请了助学金。",
    "{N}每月领取低保金{small}元。",
    "{K}{N}靠捡废品补贴家用。",
    "目前由{K}{N}照顾两位老人的起居。",
    "{N},女,{age}岁,系该村建档立卡户。",
    "{K}{N}在县医院做了心脏搭桥手术。",
)

# Name-free sentences full of ordinary words that start with a surname character.
TRICKY = (
    "王府井附近的餐馆招工,{K}去应聘了。",
    "{K}患高血压多年,每月药费{small}元。",
    "李子成熟后卖了{small}元,不够交房租。",
    "村委会张贴了公示名单,无人提出异议。",
    "黄金首饰早已变卖,用于支付医药费。",
    "周末{K}在家照顾孩子。",
    "林业站为{K}提供了护林员公益岗位。",
    "常年在外打工,收入不稳定。",
    "何时能出院还不确定,医生说要看恢复情况。",
    "白血病的治疗费用高昂,已花费{amt}元。",
    "另一方面,民政部门已给予临时救助{small}元。",
    "马上要交学费{small}元,家里拿不出来。",
    "朱红色的大门已经破旧,房屋属于危房。",
    "一家人住在胡同里的老房子里。",
    "申请金额共计{amt}元,已扣除医保报销部分。",
    "钱款将直接支付给医院,不经过申请人。",
    "{K}的腿上打了石膏,三个月不能干活。",
    "{K}向来节俭,从不乱花钱。",
    "于是村里帮忙申请了临时救助。",
    "医保报销了{wan}万元,自付部分仍有{amt}元。",
    "户籍在{county},常住{county}。",
    "高考在即,{K}的学费还没有着落。",
    "{K}高中毕业后在家务农。",
    "孩子刚满三周岁,需要人照顾。",
    "安排{K}到公益岗位工作,月收入{small}元。",
    "关于医疗救助,已向县民政局提出申请。",
    "成绩优秀,但因家庭困难可能辍学。",
    "全家四口人,仅靠{K}一人收入。",
    "康复治疗还需要半年,费用约{amt}元。",
    "温饱问题基本解决,但医疗支出压力大。",
    "文化程度为初中,没有专业技能。",
    "申请人符合低保条件,已纳入低保范围。",
    "程度较重,需要长期服药。",
    "任何一笔支出都要精打细算。",
    "严重贫血,需要输血治疗。",
    "曾经获得过一次临时救助。",
    "许多邻居自发捐款{small}元。",
    "余额不足以支付下一期化疗费用。",
    "陆续收到社会捐款{small}元。",
    "家庭和睦,{K}十分孝顺。",
    "平时靠{K}打零工维持生活。",
    "明年{K}就要上大学,学费尚无着落。",
    "原因是{K}突发脑梗,住进了重症监护室。",
    "由于{K}长期卧床,家里需要有人看护。",
    "但是仍有{amt}元的缺口。",
    "包括住院费、检查费和药费。",
    "支付房租后所剩无几。",
    "路费和住宿费由村委会垫付。",
    "单亲家庭,{K}独自抚养孩子。",
    "毕业后一直没有找到工作。",
    "强烈希望社会爱心人士伸出援手。",
    "安全住房问题已由危房改造项目解决。",
    "尚未享受其他救助政策。",
    "相关材料已经审核完毕。",
    "宁愿自己节省也要供孩子读书。",
    "连续三个月没有收入。",
    "简单的家具也是邻居送的。",
    "花费了全部积蓄{amt}元。",
    "满足临时救助的申请条件。",
    "危重病人需要转院治疗。",
    "幸好抢救及时,{K}脱离了危险。",
    "利息越滚越多,债务已达{amt}元。",
    "居住条件较差,房屋漏雨。",
    "干活时不慎从高处摔下。",
    "普通门诊费用无法报销。",
    "信息已录入救助系统。",
    "高龄老人,行动不便。",
    "{K}万一病情加重,家里将无力承担。",
    "钱不够时只能向亲戚借。",
    "石头砸伤了{K}的右脚。",
    "何况{K}还要照顾年迈的老人。",
    "方便的话请直接联系社工站。",
    "白天{K}在工地干活,晚上照顾孩子。",
    "江边的老房子在洪水中受损。",
    "黄疸指数偏高,新生儿需住院治疗。",
    "周边县市没有合适的医院。",
    "{K}于去年冬天摔伤了腰。",
    "常规检查发现肿瘤复发。",
    "金融机构的贷款已经逾期。",
    "万元以上的医疗费用需要审批。",
    "向民政部门申请了医疗救助。",
    "高血糖并发症导致视力下降。",
    "石膏拆除后还需康复训练。",
    "胡乱用药导致病情加重。",
    "林地流转收入每年{small}元。",
    "马路对面就是乡卫生院。",
    "母亲和孩子住在一起,父亲在外打工。",
    "{K}和孩子都在家,{K2}在县城做零工。",
    "{K}时常头晕,需要人照顾。",
    "{K}平时在家务农,收入微薄。",
    "{K}成年后一直在外地工作。",
    "{K}安葬后家里欠下债务。",
    "{K}高烧不退,连夜送到县医院。",
    "{K}黄昏时分才从地里回来。",
    "{K}周转不开,只好向亲戚借钱。",
    "{K}林场的工作合同已经到期。",
    "{K}何尝不想出去打工。",
    "{K}马不停蹄地四处借钱。",
    "{K}朱砂痣需要手术切除。",
    "{K}钱包被偷,证件也丢了。",
    "{K}金银首饰都已变卖。",
    "{K}石棉瓦房顶漏雨。",
    "{K}万般无奈才提出申请。",
    "{K}常说要把孩子供出来。",
    "{K}胡子拉碴,身体消瘦。",
    "{K}江湖郎中开的药没有效果。",
    "{K}方才从医院回来。",
    "{K}白白花了几千元。",
    "{K}高兴地说孩子考上了大学。",
    "{K}程序上还需要补交材料。",
    "{K}杨梅季节在果园帮工。",
    "{K}陈年旧债还没有还清。",
    "{K}孙辈三人都在上学。",
    "{K}许诺每月按时还款。",
    "{K}苏醒后仍需康复治疗。",
    "{K}魏碑写得很好,曾在镇上教书法。",
    "{K}韩式料理店的工作丢了。",
    "{K}冯唐易老,如今已无力劳动。",
    "{K}曹操故里的景区里打零工。",
    "{K}姜汤喝了也不见好。",
    "{K}谢绝了亲友的帮助。",
    "{K}罗汉果种植失败,亏损严重。",
    # second batch, written after the rules above were tuned (see README)
    "{K}目前在广东打工,收入不稳定。",
    "家里只剩{K}一个劳动力。",
    "今年三月,{K}突发脑出血,被送往县人民医院。",
    "{K}每天骑电动车接送孩子上学。",
    "由{K}代为申请临时救助。",
    "{K}与申请人已离婚多年。",
    "{K}从小患有先天性心脏病。",
    "{K}高位截瘫,生活不能自理。",
    "{K}黄疸住院一周,花费3000元。",
    "{K}林下养鸡,年收入不足五千元。",
    "{K}何以为生成了问题。",
    "{K}石材厂的工作又累又危险。",
    "{K}周而复始地往返医院。",
    "{K}方才做完第二次化疗。",
    "{K}宋体字的证明材料已复印。",
    "{K}唐氏综合征需要长期康复。",
    "{K}孟浪投资,欠下外债。",
    "{K}贺礼钱也拿不出来。",
    "{K}汪洋一片的农田颗粒无收。",
    "{K}金属加工厂倒闭后失业。",
    "{K}严重营养不良。",
    "{K}余下的医药费还差两万元。",
    "{K}胡须花白,腰也弯了。",
    "{K}罗锅背,干不了重活。",
    "{K}郭外的菜地被征用了。",
    "{K}姜还是老的辣,靠种姜维持生计。",
    "{K}白内障手术需要八千元。",
    "{K}吴语方言听不懂普通话。",
    "{K}江湖医生骗走了两万元。",
    "{K}邓小平理论学习笔记。",
    # third batch (see README)
    "{K}去年冬天在工地上从脚手架摔下。",
    "据村委会反映,家中仅有一间土坯房。",
    "{K}辞去工作在医院陪护。",
    "{K}原本在镇上开小卖部,现已关门。",
    "经{K}同意,社工为孩子申请了助学金。",
    "每月领取低保金{small}元。",
    "{K}靠捡废品补贴家用。",
    "目前由{K}照顾两位老人的起居。",
    "{K}在县医院做了心脏搭桥手术。",
    "{K}常年卧病在床,花光了积蓄。",
    "{K}黄花菜种植收入微薄。",
    "{K}马铃薯卖不出去,烂在地里。",
    "{K}高利贷利息越滚越多。",
    "{K}周期性发作,需要长期服药。",
    "{K}林林总总花了五万多元。",
    "{K}石灰厂的粉尘导致尘肺病。",
    "{K}钱不够,只能先交一部分。",
    "{K}方言口音重,沟通困难。",
    "{K}金黄色的稻谷被洪水冲走。",
    "{K}何去何从还没有打算。",
    "{K}白天打工,晚上照顾孩子。",
    "{K}任劳任怨,从不叫苦。",
    "{K}万家灯火时才下班回家。",
    "{K}安置在县福利院。",
    "{K}程控电话已经停机。",
    "{K}陆续还清了部分欠款。",
    "{K}葛根粉生意亏了本。",
    "{K}梁柱开裂,房屋成了危房。",
    "{K}申请了医疗救助和临时救助。",
    "{K}邵阳籍,在本地无亲无故。",
)


@dataclass(frozen=True)
class Sample:
    text: str
    name: str  # "" for a name-free sentence


def _fill(rng: random.Random, template: str, name: str, subject: str, other: str = "") -> str:
    kin, kin2 = rng.sample(KIN, 2)
    return template.format(
        K=kin,
        K2=kin2,
        N=name,
        N2=other,
        S=subject,
        amt=rng.randrange(3000, 300000),
        small=rng.randrange(200, 9000),
        wan=rng.randrange(1, 30),
        age=rng.randrange(3, 90),
        year=rng.randrange(2015, 2026),
        dis=rng.choice(DISEASES),
        county=rng.choice(COUNTIES),
    )


def _name(fake: Faker, rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(sorted(COMPOUND_SURNAMES)) + fake.first_name()
    return fake.name()


def samples(seed: int = SEED) -> tuple[list[Sample], list[Sample]]:
    """(sentences with a planted name, name-free sentences), deterministic for ``seed``."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    with_names = []
    for i in range(N_WITH_NAMES):
        template = TEMPLATES[i % len(TEMPLATES)]
        name = _name(fake, rng)
        other = _name(fake, rng) if "{N2}" in template else ""
        with_names.append(Sample(_fill(rng, template, name, name, other), name))
    free = []
    templates = [t for t in TEMPLATES if "{N2}" not in t]
    for i in range(N_FREE):
        if i % 2 == 0:
            template = templates[(i // 2) % len(templates)]
            subject = rng.choice(PRONOUNS)
            text = _fill(rng, template, "", subject)
        else:
            text = _fill(rng, TRICKY[(i // 2) % len(TRICKY)], "", "")
        free.append(Sample(text, ""))
    return with_names, free


def recalled(scrubbed: str, name: str) -> bool:
    """No two consecutive characters of ``name`` remain in ``scrubbed``."""
    return not any(name[i : i + 2] in scrubbed for i in range(len(name) - 1))


def measure(seed: int = SEED) -> dict[str, object]:
    with_names, free = samples(seed)
    misses = [s for s in with_names if not recalled(scrub(s.text).text, s.name)]
    false_positives = [s for s in free if any(f.kind == "name" for f in scrub(s.text).findings)]
    return {
        "recall": 1 - len(misses) / len(with_names),
        "false_positive_rate": len(false_positives) / len(free),
        "n_with_names": len(with_names),
        "n_free": len(free),
        "misses": misses,
        "false_positives": false_positives,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--show", type=int, default=0, help="print this many misses and FPs")
    args = parser.parse_args()
    result = measure(args.seed)
    print(
        f"name recall {result['recall']:.2%} on {result['n_with_names']} sentences; "
        f"false positives {result['false_positive_rate']:.2%} on {result['n_free']} sentences"
    )
    for label in ("misses", "false_positives"):
        for sample in result[label][: args.show]:  # type: ignore[index]
            print(label, sample.name, scrub(sample.text).text, "<-", sample.text)


if __name__ == "__main__":
    main()
