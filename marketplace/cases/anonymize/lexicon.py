"""The word lists behind the context rules of :mod:`marketplace.cases.anonymize.context`:
surnames, kinship and role words, introducers, honorifics, the cues that follow a person, the
characters that do or do not belong to a given name, and ordinary words that start with a
surname character.

Pure data; no Flask, no database.
"""

from __future__ import annotations

from typing import Final

#: Single-character surnames: Faker's zh_CN person provider (MIT licence; its list follows the
#: frequency table of the 2019 public security census), kept in sync by a unit test.
FAKER_SURNAMES: Final = (
    "王李张刘陈杨黄吴赵周徐孙马朱胡林郭何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程"
    "吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱"
    "严赖覃洪武莫孔汤向常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁"
    "尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆"
    "农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商"
    "刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺"
    "楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮"
    "都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利呼居"
    "揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
# A few frequent surnames missing from that list (肖 is the simplified 萧, 阎/闫 the same).
EXTRA_SURNAMES: Final = "肖闫付芦邓曾滕"

#: Compound (two-character) surnames.
COMPOUND_SURNAMES: Final = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 端木 独孤 南宫 "
    "西门 轩辕 呼延 闻人 澹台 公羊 太史 申屠 钟离 赫连 万俟 第五 百里 东郭 拓跋 完颜 "
    "司空 濮阳 淳于 单于 太叔 仲孙 钟离 宗政 乐正 梁丘 左丘 东门 西门 南门 段干 "
    "呼延 羊舌 微生 公冶 公良 漆雕 壤驷 公西 巫马 颛孙 亓官 鲜于 闾丘 谷梁 夹谷".split()
)

#: Every surname the context rules know.
SURNAMES: Final = frozenset(FAKER_SURNAMES) | frozenset(EXTRA_SURNAMES) | COMPOUND_SURNAMES

# Surname characters that are far more often ordinary function words or common morphemes: a
# name with one of them needs a two-character given name or a strong context (kinship word,
# introducer, honorific).
WEAK_SURNAMES: Final = frozenset(
    "和于时向成全应位原区由但都那来相初信展利居干公平国计普阳华农管解游费党宫米宗边沙荣查麻封谈劳楼"
    "盘闻满商师南官乐冷路车连简古吉司盖练井巴丰支宣晋门云容敬戈伏薄辜羊阿乌母修况宿鲜印隆战危玉银哈"
    "宾勾呼揭斯元束衣阴智幸奉植衡富闭"
)

#: Kinship and role words after which a name is expected ("丈夫张建国", "邻居王秀英").
KINSHIP_WORDS: Final = tuple(
    sorted(
        set(
            "丈夫 妻子 老伴 爱人 老公 老婆 媳妇 儿媳 儿媳妇 女婿 前夫 前妻 配偶 未婚夫 未婚妻 "
            "儿子 女儿 长子 次子 长女 次女 大儿子 小儿子 大女儿 小女儿 孩子 养子 养女 继子 继女 "
            "父亲 母亲 爸爸 妈妈 继父 继母 养父 养母 公公 婆婆 岳父 岳母 "
            "爷爷 奶奶 外公 外婆 姥姥 姥爷 祖父 祖母 外祖父 外祖母 "
            "孙子 孙女 外孙 外孙女 曾孙 重孙 "
            "哥哥 姐姐 弟弟 妹妹 兄长 大哥 二哥 大姐 二姐 "
            "叔叔 伯伯 舅舅 姑姑 姨妈 婶婶 舅妈 侄子 侄女 外甥 外甥女 "
            "表哥 表姐 表弟 表妹 堂哥 堂姐 堂弟 堂妹 亲戚 "
            "邻居 房东 房客 租客 同事 工友 室友 同学 朋友 老乡 雇主 老板 工头 包工头 "
            "班主任 老师 校长 辅导员 医生 主治医生 主治医师 主任医师 医师 护士 护工 保姆 律师 民警 "
            "村支书 支书 村主任 村干部 村医 书记 主任 社工 网格员 志愿者 "
            "监护人 联系人 负责人 户主 申请人 当事人 受助人 患者 病人 学生 患儿 肇事司机 司机 "
            "男友 女友 男朋友 女朋友".split()
        ),
        key=lambda w: (-len(w), w),
    )
)

# Words that introduce a name ("名叫张伟", "姓名:王芳").
INTRODUCERS: Final = ("名字叫", "名叫", "叫做", "名为", "姓名为", "姓名是", "姓名", "叫")

# Honorifics and titles right after a full name ("张建国先生").
HONORIFICS: Final = (
    "先生",
    "女士",
    "老人",
    "老先生",
    "老太太",
    "同学",
    "小朋友",
    "大爷",
    "大妈",
    "大娘",
    "大叔",
    "阿姨",
    "奶奶",
    "爷爷",
    "夫妇",
    "夫妻",
    "一家",
    "家属",
    "本人",
    "同志",
)

# What may follow a name at the start of a clause, without any other context ("王秀英今年68岁").
PERSON_CUES: Final = (
    "因",
    "患",
    "身患",
    "罹患",
    "确诊",
    "今年",
    "现年",
    "年仅",
    "家住",
    "家庭",
    "家中",
    "家里",
    "一家",
    "系",
    "于",
    "在",
    "是",
    "自幼",
    "从小",
    "出生",
    "生于",
    "早年",
    "去年",
    "前年",
    "目前",
    "现在",
    "独自",
    "一人",
    "已经",
    "曾经",
    "被",
    "与",
    "和",
    "及",
    "说",
    "表示",
    "介绍",
    "反映",
    "称",
    "告诉",
    "的",
    "突发",
    "突然",
    "需要",
    "长期",
    "一直",
    "多年",
    "每天",
    "每月",
    "正在",
    "得了",
    "患上",
    "去世",
    "病逝",
    "住院",
    "入院",
    "摔伤",
    "受伤",
    "失业",
    "离婚",
    "无力",
    "无法",
    "不能",
    "没有",
    "独自",
    "育有",
    "不幸",
    "委托",
    "代为",
    "同意",
    "照顾",
    "原本",
    "靠",
)

# The cues that are enough even after a weak surname ("党洁今年77岁").
STRONG_CUES: Final = ("因", "患", "身患", "罹患", "确诊", "今年", "现年", "年仅", "家住", "一家")

# After a weak surname and a one-character given name in a kinship context, these (or a
# person cue) must follow ("爱人官晨也患有慢性病"; but not "与母亲相依为命").
AFTER_WEAK: Final = ("也", "都", "还", "愿意", "已", "曾", "一直", "每", "常年", "长期")

# Characters that never belong to a given name (function words, numbers, frequent morphemes of
# the domain); a candidate whose given name contains one is not a name.
NOT_GIVEN: Final = frozenset(
    "的了在是因患于和与及也都已被把将向从自今现去年岁月日号元万千百个次等说为给让对之所其这那他她它们"
    "我你您就才又还每不没无很太最更再并而但或且着过得地住病院医人里上下中后前内外时元块角分周天"
    "一二三四五六七八九十两零〇几多少半整余某"
    "血压癌症瘤疗药费款额钱债贷低助补救校班级考试业务工作厂司场所部局委会县市省区乡镇村组"
    "路街号楼室房租床术手伤残疾骨折车祸期间来去到达回出进入离开开关门口面边方向"
    "子儿头们些么吗呢吧啊呀哦嘛色屋卡以"
    # illnesses, body parts, household objects and writing: never part of a given name
    "痣疮疹痛腿脚背腰肝肺胃肾脑骨腹胸颈喉瘫痪痴聋哑瞎盲癫痫症疾残伤锅碗瓢盆桶碑字籍"
)

# Characters that may close a given name only if the name has no other context; after them a
# candidate needs a boundary (below).
BOUNDARY_CHARS: Final = frozenset(
    "因患在于今现家是的和与及也都已被把将向从自去前一两二三四五六七八九十曾又还就才每独目近为给让对说称表"
    "介反告等靠做住带陪到得突不没无均所之请找联帮替经需代受常夫母父妻儿女爷奶外姐妹哥弟愿"
)

# Characters common in given names (伟, 芳, 秀英, 建国 ...), written down from the usual
# frequency lists of given-name characters, leaving out those that start ordinary words (大,
# 小, 天, 心, 生 ...). After a kinship word, a surname and one or two of these are taken as a
# name even when no boundary follows ("邻居王丹原本在镇上开店").
GIVEN_NAME_CHARS: Final = frozenset(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志文玉红春梅燕云飞鹏辉斌宇浩凯健俊帆帅旭宁"
    "龙林欢佳阳亮成峰晨瑞东博彬坤晶琳颖倩婷雪慧莉萍玲琴洁丹荣珍芝香凤淑贵福禄寿喜庆德仁义礼智信忠孝"
    "康泰祥吉顺财富旺兴盛昌达光耀威武雄豪贤娇媛姗婧妍娅婉嫣妮姣嘉欣悦怡梦雨露霜冰星辰晓曦晴朗莲荷"
    "桃杏樱芬芸茜莹萱薇蓉蕾蓓茂青紫彩铁钢锋鑫鸿鹤鹰雁虎麟骏驰腾翔宝珠琪琦瑶璐璇瑾瑜珊玮琛佩君振"
    "伦涵轩睿哲逸铭昊宸泽奕皓煜琨梓若依雯琼婕菲馨韵蕊咏晗晟昕曼兆峻岚嵩崇巍岩坚毅卓宏伯仲厚勤俭"
    "洪涌汉沛润渊源潮瀚淳澄湘漪济汐沁沐淼焱炎烨熠煌灿烁炜桦楠栋杉柳槐桐枫棠海山松柏竹菊兵卫"
)

# Characters that start a verb or adverb after a subject ("邻居王丹原本在镇上开店"); a
# one-character given name without a boundary after it must be followed by one of them.
VERB_START: Final = frozenset(
    "委需突每长一代受做去到来回出进开打找帮送带陪照接负承申提反介表说告称认同答拒愿想要能会可应该得患病身"
    "死逝住离欠借还花交付领拿收赚挣干务养卖买骑驾摔伤跌失结嫁娶育抚赡看管签填办用多常经早先仍也原本刚"
    "曾已正将要靠捡种放守留辞跟随搬租"
)

# Ordinary words that start with a surname character. A candidate name that starts one of them
# is not a name. Only words that turn up in case texts are listed.
STOP_WORDS: Final = frozenset(
    """
    王府井 王府 王国 王牌 李子 张贴 张开 张罗 张望 张口 张家口 刘海 陈述 陈旧 陈列 杨树
    黄金 黄疸 黄色 黄昏 黄豆 吴江 赵县 周末 周一 周二 周三 周四 周五 周六 周日 周岁 周边
    周围 周期 周转 周到 周年 周全 周密 周身 徐徐 孙辈 马上 马路 马桶 马虎 马铃薯 朱红 胡同
    胡乱 胡说 胡萝卜 林业 林地 林场 郭县 何时 何况 何处 何种 何必 何谈 高血压 高血糖 高血脂
    高烧 高热 高中 高三 高二 高一 高考 高位 高龄 高额 高昂 高价 高速 高铁 高空 高处 高温
    高原 高度 高兴 高校 高职 高危 高发 高利贷 高楼 高层 高压 罗列 郑重 梁上 谢谢 谢绝 宋体
    唐突 许多 许久 许可 邓州 冯家 韩国 曹县 曾经 曾是 曾在 曾因 曾患 曾于 曾多次 彭水 萧山
    蔡甸 潘家园 田地 田间 田里 田园 董事 袁州 于是 于今 于心 余额 余下 余款 余生 余钱 余震
    叶子 蒋家 杜绝 苏醒 苏州 魏县 程度 程序 吕梁 丁点 沈阳 任何 任务 任职 任课 任由 任凭
    姚安 卢沟 傅家 钟点 钟头 姜汤 崔家 谭家 廖家 范围 范畴 汪洋 陆续 陆地 金额 金钱 金融
    金华 金属 金价 石膏 石头 石家庄 石油 戴着 贾汪 韦家 夏天 夏季 夏收 邱家 方面 方便 方式
    方法 方案 方向 方可 方才 方能 侯马 邹城 熊猫 孟津 秦皇岛 白血病 白天 白班 白色 白内障
    白发 白费 白菜 江陵县 江陵 江西 江苏 江边 江北 江南 阎良 薛城 尹家 段时间 雷雨 黎明
    史上 龙岗 陶瓷 贺卡 顾及 顾不上 顾客 顾虑 毛病 毛巾 毛衣 郝家 龚家 邵阳 万元 万一 万分
    万幸 钱款 钱财 钱数 严重 严格 严寒 严冬 严禁 赖以 覃塘 洪水 洪灾 武汉 武警 莫名 莫过于
    孔子 汤药 向来 向前 向外 向上 向下 向他 向她 向社会 向村 向民政 常年 常规 常见 常住
    常用 常务 温饱 温度 温暖 温州 康复 康复期 施工 施救 文化 文件 文字 文具 文凭 牛奶 牛羊
    樊城 葛店 邢台 安全 安置 安排 安装 安慰 安心 安顿 安葬 安康 齐全 齐心 易地 易发 乔迁
    伍家 庞大 颜色 倪家 庄稼 聂家 章程 鲁莽 岳阳 翟家 殷切 詹家 申请 申报 申领 申诉 欧洲
    耿耿 关系 关键 关注 关心 关爱 关节 关于 兰州 焦虑 焦急 俞家 左右 左腿 左手 左眼 左侧
    左边 柳州 甘肃 甘蔗 祝福 包括 包扎 包工头 宁夏 宁愿 尚未 尚且 尚可 符合 舒适 阮家 柯家
    纪录 纪念 梅州 童年 凌晨 毕业 毕竟 单位 单亲 单独 单身 单据 单价 季度 季节 裴家 霍乱
    涂料 成为 成绩 成本 成年 成人 成都 成员 成功 苗木 谷物 盛夏 曲靖 翁家 冉家 骆驼 蓝天
    路费 路上 路边 游戏 辛苦 靳家 管理 管道 柴米 柴火 蒙古 鲍家 华侨 喻家 祁连 蒲公英 房租
    房子 房屋 房东 房间 房费 滕州 屈指 饶恕 解决 解释 解除 解放 牟利 艾滋 尤其 阳光 阳台
    时间 时候 时常 时期 时刻 穆斯林 农村 农业 农民 农田 农活 农药 司机 司法 卓越 古代 吉林
    缪家 简单 简陋 车祸 车费 车辆 车间 项目 连续 连日 连同 连忙 麦子 褚家 娄底 窦家 戚家
    岑溪 景区 党员 党委 宫颈 费用 卜家 冷漠 晏家 席子 卫生 卫健 米饭 柏油 宗教 瞿家 桂林
    全部 全家 全靠 全年 全额 佟家 应该 应当 应急 应对 臧家 闵行 苟且 邬家 边缘 卞家 姬家
    师傅 师生 和平 和睦 仇恨 栾川 隋朝 商量 商店 刁难 沙发 荣誉 巫山 寇家 桑蚕 郎中 甄别
    丛林 仲裁 虞城 敖包 巩固 明年 明天 明显 明确 佘山 池塘 查出 查询 查看 麻烦 麻醉 苑家
    迟迟 邝家 官方 封闭 谈话 匡算 鞠躬 惠民 荆州 乐观 冀州 郁闷 胥家 南方 南京 班级 储蓄
    原因 原来 原本 原籍 栗子 燕子 楚雄 鄢陵 劳动 劳务 谌家 奚落 皮肤 粟米 冼家 蔺家 楼房
    楼上 盘缠 满足 满月 闻讯 位于 厉害 伊犁 仝家 区县 郜家 海南 海外 阚家 花费 花销 花光
    权益 强烈 强制 帅气 屠宰 豆腐 朴素 盖房 练习 廉租房 禹州 井水 祖父 祖母 漆黑 巴中 丰富
    支付 支出 支持 卿家 国家 国庆 狄家 平时 平均 平安 平常 计划 计算 索赔 宣传 晋城 相关
    相当 初中 初步 门诊 门口 云南 容易 敬老院 来自 来源 扈家 晁家 芮城 都是 都在 普通 阙家
    浦东 戈壁 伏天 鹿邑 薄弱 邸家 雍家 辜负 羊水 阿姨 阿婆 乌鲁木齐 母亲 母女 母子 裘家
    修理 修建 邰家 赫章 杭州 况且 那些 那里 宿舍 鲜血 印刷 逯家 隆冬 茹家 诸多 诸葛亮 战胜
    慕名 危重 危险 玉米 银行 亢奋 嵇家 公司 公安 公交 公益 公立 公里 哈尔滨 湛江 宾馆 戎装
    勾选 茅草 利息 利用 呼吸 居住 居民 揭阳 干活 干部 干净 但是 尉氏 冶炼 斯文 元旦 束手
    檀香 衣服 衣物 信用 信息 展开 阴天 昝家 智力 幸好 幸亏 奉献 植物 衡阳 富裕 尧都 闭合
    由于 肖像 闫家 付款 付清 付出 东方红 钱包 许诺 许愿 何尝 何曾 万般 魏碑 黄金周 金条
    石块 何苦 林区 高粱 周边县 方可 李家 刘家 陈家 杨家 赵家 黄家 吴家 周家 徐家
    """.split()
)

# A one-character given name is never one of these ("王家", "李氏", "张某").
NOT_SINGLE_GIVEN: Final = frozenset("家氏某姓")

# Characters that, right before a name, do not belong to a preceding word.
LEFT_JOINERS: Final = frozenset("和与及同跟给让帮由被对向为叫是找陪请据经把替将了到见问、")

# Titles that follow a bare surname ("王老师", "李大爷"): not a given name.
TITLES: Final = frozenset(
    "老师 先生 女士 大爷 大妈 大娘 大叔 大哥 大姐 大嫂 阿姨 师傅 医生 护士 老人 奶奶 爷爷 "
    "同学 老板 主任 书记 经理 校长 律师 警官 社工 阿婆 婆婆 伯伯 叔叔 "
    "老太 老汉 家人 家属 夫妇 某某".split()
)
