"""Tests for the anonymizer: recall on generated PII, false positives, bands and codes.

The recall tests embed generated identifiers (ID numbers with valid and invalid check
characters, mobiles in every accepted form, landlines, Luhn-valid card numbers, e-mails) in
random Chinese text and require every single one to be found and removed. The false-positive
tests require ordinary amounts, dates, counts and percentages to come back unchanged.
"""

import datetime
import random
import re
from collections import Counter
from collections.abc import Callable
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric

from marketplace.cases.anonymize import (
    AGE_BANDS,
    HOUSEHOLD_BANDS,
    PLACEHOLDERS,
    Finding,
    ScrubResult,
    age_band,
    county_code,
    find_pii,
    household_band,
    normalize,
    scrub,
)

RECALL = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None)

# Words a social worker's summary is made of; none contains a digit or a place-name suffix.
CONTEXT_WORDS = (
    "患者",
    "家庭",
    "住院",
    "因病",
    "急需",
    "元",
    "医疗费",
    "救助",
    "申请",
    "困难",
    "子女",
    "治疗",
    "费用",
    "自付",
    "低保",
    "母亲",
    "父亲",
    "联系",
    "电话",
    "号码",
    "身份证",
    "银行卡",
    "邮箱",
    "手机",
    "账户",
    "目前",
    "需要",
    "帮助",
    "生活",
    "收入",
    "，",
    "。",
    "：",
    " ",
)
# Anything but a space keeps two generated numbers apart (a space would group their digits).
SEPARATING_WORDS = tuple(w for w in CONTEXT_WORDS if w != " ")
# For the false-positive tests: no telephone keyword (电话 + 8 digits is a local landline).
PLAIN_WORDS = tuple(w for w in CONTEXT_WORDS if w not in {"电话", "号码", "手机"}) + (
    "每月",
    "累计",
    "报销",
    "花费",
    "约",
    "共",
    "截至",
    "于",
    "欠款",
)

ROAD_WORDS = tuple(
    "建设 解放 人民 和平 幸福 光明 胜利 友谊 团结 东风 红旗 新华 民主 文化 青年".split()
)
ROAD_WORDS += tuple("长江 黄河 中山 江汉 珞喻 武珞 徐东 民族 光谷 关山 雄楚 卓刀泉".split())
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN_CHARS = "小明华建国丽芳军伟秀英敏静强磊洋艳勇杰娟涛超"
CN_NUMERALS = "一二三四五六七八九十"

ID_ALPHABET = "0123456789X"
DIGIT_RUN = re.compile(r"[0-9]")


# ---- formatting helpers shared by Hypothesis and the seeded sampler ------------------------


def to_fullwidth(value: str) -> str:
    """ASCII -> full-width forms (digits, +, -, parentheses, letters, @; space -> U+3000)."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value
    )


def digits_of(value: str) -> str:
    return "".join(DIGIT_RUN.findall(normalize(value)))


def id18_body_and_check(region: str, birth: datetime.date, seq: int) -> tuple[str, str]:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body, ric.calc_check_digit(body + "0")


def format_id18(
    region: str,
    birth: datetime.date,
    seq: int,
    *,
    mode: str,
    wrong: int = 1,
    lower_x: bool = False,
    style: str = "plain",
    sep: str = " ",
) -> str:
    """An 18-digit ID; ``mode`` is "valid", "invalid" (wrong check char) or "x" (valid, X)."""
    body, check = id18_body_and_check(region, birth, seq)
    if mode == "x":
        while check != "X":  # step the sequence number until the check character is X
            seq = (seq + 1) % 1000
            body, check = id18_body_and_check(region, birth, seq)
    elif mode == "invalid":
        check = ID_ALPHABET[(ID_ALPHABET.index(check) + wrong) % len(ID_ALPHABET)]
    if check == "X" and lower_x:
        check = "x"
    date = f"{birth:%Y%m%d}"
    if style == "6-8-4":
        return sep.join((region, date, body[14:] + check))
    if style == "6-4-4-4":
        return sep.join((region, date[:4], date[4:], body[14:] + check))
    return body + check


def format_id15(
    region: str, birth: datetime.date, seq: int, *, style: str = "plain", sep: str = " "
) -> str:
    parts = (region, f"{birth:%y%m%d}", f"{seq:03d}")
    return sep.join(parts) if style == "6-6-3" else "".join(parts)


MOBILE_PREFIXES = ("", "+86", "+86 ", "+86-", "86", "86 ", "86-", "0086", "0086 ", "(+86)")


def format_mobile(number: str, prefix: str, sep1: str, sep2: str) -> str:
    return f"{prefix}{number[:3]}{sep1}{number[3:7]}{sep2}{number[7:]}"


LANDLINE_STYLES = ("plain", "hyphen", "space", "parens", "parens_space")


def format_landline(area: str, local: str, style: str, extension: str = "") -> str:
    head = {
        "plain": area,
        "hyphen": area + "-",
        "space": area + " ",
        "parens": f"({area})",
        "parens_space": f"({area}) ",
    }[style]
    return head + local + extension


def luhn_number(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def format_card(number: str, sep: str = "") -> str:
    if not sep:
        return number
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def looks_like_id(number: str) -> bool:
    """An 18-digit card that happens to read as region + birth date + check is an ID."""
    return bool(
        re.fullmatch(
            r"[0-9]{6}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])"
            r"[0-9]{4}",
            number,
        )
    )


# ---- Hypothesis strategies -----------------------------------------------------------------

# Context is drawn from a fixed pool of 0-4 word phrases: one cheap draw per side.
_pool_rng = random.Random(7)
CONTEXTS = (
    ("",)
    + CONTEXT_WORDS
    + tuple(
        "".join(_pool_rng.choices(CONTEXT_WORDS, k=_pool_rng.randint(2, 4))) for _ in range(2000)
    )
)
context = st.sampled_from(CONTEXTS)
regions = st.integers(110000, 829999).map(str)


def date_range(first: datetime.date, last: datetime.date) -> st.SearchStrategy[datetime.date]:
    """Dates by ordinal: much cheaper to draw than ``st.dates``."""
    return st.integers(first.toordinal(), last.toordinal()).map(datetime.date.fromordinal)


births = date_range(datetime.date(1920, 1, 1), datetime.date(2025, 12, 31))
seqs = st.integers(0, 999)
separators = st.sampled_from(" -")


@st.composite
def id18_values(draw: st.DrawFn) -> str:
    mode = draw(st.sampled_from(("valid", "invalid", "x")))
    value = format_id18(
        draw(regions),
        draw(births),
        draw(seqs),
        mode=mode,
        wrong=draw(st.integers(1, 10)),
        lower_x=draw(st.booleans()),
        style=draw(st.sampled_from(("plain", "plain", "6-8-4", "6-4-4-4"))),
        sep=draw(separators),
    )
    return to_fullwidth(value) if draw(st.booleans()) else value


@st.composite
def id15_values(draw: st.DrawFn) -> str:
    birth = draw(date_range(datetime.date(1900, 1, 1), datetime.date(1999, 12, 31)))
    style = draw(st.sampled_from(("plain", "plain", "6-6-3")))
    value = format_id15(draw(regions), birth, draw(seqs), style=style, sep=draw(separators))
    return to_fullwidth(value) if draw(st.booleans()) else value


@st.composite
def mobile_values(draw: st.DrawFn) -> str:
    number = str(draw(st.integers(13_000_000_000, 19_999_999_999)))
    sep1, sep2 = draw(st.sampled_from(("", " ", "-"))), draw(st.sampled_from(("", " ", "-")))
    value = format_mobile(number, draw(st.sampled_from(MOBILE_PREFIXES)), sep1, sep2)
    return to_fullwidth(value) if draw(st.booleans()) else value


area_codes = st.one_of(
    st.just("010"),
    st.integers(20, 29).map("0{}".format),
    st.integers(300, 999).map("0{}".format),
)
local_numbers = st.one_of(
    st.integers(2_000_000, 9_999_999), st.integers(20_000_000, 99_999_999)
).map(str)


@st.composite
def landline_values(draw: st.DrawFn) -> str:
    local = draw(local_numbers)
    extension = draw(st.sampled_from(("", "", "-123", "转8021", " 转 66")))
    value = format_landline(
        draw(area_codes), local, draw(st.sampled_from(LANDLINE_STYLES)), extension
    )
    return to_fullwidth(value) if draw(st.booleans()) else value


@st.composite
def card_values(draw: st.DrawFn) -> str:
    length = draw(st.integers(16, 19))
    issuer = draw(st.sampled_from(("62", "4", "5", "3", "9")))
    width = length - len(issuer) - 1
    rest = f"{draw(st.integers(0, 10**width - 1)):0{width}d}"
    number = luhn_number(issuer + rest)
    if looks_like_id(number):  # rare; that one is (correctly) reported as an ID number
        number = luhn_number("62" + "0" * (length - 3))
    value = format_card(number, draw(st.sampled_from(("", "", " ", "-"))))
    return to_fullwidth(value) if draw(st.booleans()) else value


ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
emails = st.builds(
    "{}{}{}@{}.{}".format,
    st.sampled_from(ALNUM),
    st.text(ALNUM + "._+-", max_size=12),
    st.sampled_from(ALNUM),
    st.sampled_from(("qq", "163", "126", "gmail", "foxmail", "mail.hust.edu", "sina")),
    st.sampled_from(("com", "cn", "net", "org", "com.cn", "edu.cn")),
)


def assert_recalled(
    prefix: str,
    value: str,
    suffix: str,
    kind: str,
    *,
    names: tuple[str, ...] = (),
    address_parts: tuple[str, ...] = (),
) -> None:
    """``value`` embedded in context is found with ``kind`` and fully removed."""
    text = prefix + value + suffix
    normalized = normalize(text)
    start = len(normalize(prefix))
    end = start + len(normalize(value))
    assert normalized == normalize(prefix) + normalize(value) + normalize(suffix)
    findings = find_pii(text, names=names, address_parts=address_parts)
    covering = [f for f in findings if f.start <= start and end <= f.end]
    assert covering, (text, findings)
    assert covering[0].kind == kind, (text, findings)
    result = scrub(text, names=names, address_parts=address_parts)
    assert normalize(value) not in result.text
    assert PLACEHOLDERS[kind] in result.text
    assert not digits_of(result.text)  # the context has no digits, so none may be left
    assert result.changed


# ---- recall: Hypothesis --------------------------------------------------------------------


@RECALL
@given(context, id18_values(), context)
def test_recall_id18(prefix: str, value: str, suffix: str) -> None:
    assert_recalled(prefix, value, suffix, "id_number")


@RECALL
@given(context, id15_values(), context)
def test_recall_id15(prefix: str, value: str, suffix: str) -> None:
    assert_recalled(prefix, value, suffix, "id_number")


@RECALL
@given(context, mobile_values(), context)
def test_recall_mobile(prefix: str, value: str, suffix: str) -> None:
    assert_recalled(prefix, value, suffix, "mobile")


@RECALL
@given(context, landline_values(), context)
def test_recall_landline(prefix: str, value: str, suffix: str) -> None:
    assert_recalled(prefix, value, suffix, "landline")


@RECALL
@given(context, card_values(), context)
def test_recall_bank_card(prefix: str, value: str, suffix: str) -> None:
    assert_recalled(prefix, value, suffix, "bank_card")


@RECALL
@given(context, emails, context, st.booleans())
def test_recall_email(prefix: str, value: str, suffix: str, fullwidth: bool) -> None:
    assert_recalled(prefix, to_fullwidth(value) if fullwidth else value, suffix, "email")


@PROPERTY
@given(regions, births, seqs, st.integers(1, 10))
def test_id_confidence_follows_checksum(
    region: str, birth: datetime.date, seq: int, wrong: int
) -> None:
    valid = format_id18(region, birth, seq, mode="valid")
    invalid = format_id18(region, birth, seq, mode="invalid", wrong=wrong)
    assert [f.confidence for f in find_pii(f"身份证{valid}")] == ["high"]
    assert [f.confidence for f in find_pii(f"身份证{invalid}")] == ["medium"]
    assert [f.kind for f in find_pii(f"身份证{invalid}")] == ["id_number"]


@PROPERTY
@given(
    st.lists(
        st.tuples(
            st.sampled_from(SEPARATING_WORDS),
            st.one_of(id18_values(), mobile_values(), landline_values(), card_values(), emails),
        ),
        max_size=6,
    )
)
def test_scrub_is_idempotent_and_well_formed(pieces: list[tuple[str, str]]) -> None:
    text = "".join(word + value for word, value in pieces)
    once = scrub(text)
    assert scrub(once.text).text == once.text
    assert not digits_of(once.text)
    spans = [(f.start, f.end) for f in once.findings]
    assert spans == sorted(spans)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))


# ---- recall: seeded count over every kind --------------------------------------------------

Sample = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # value, kind, names, address parts


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _birth(rng: random.Random, first: int, last: int) -> datetime.date:
    start = datetime.date(first, 1, 1).toordinal()
    return datetime.date.fromordinal(rng.randint(start, datetime.date(last, 12, 31).toordinal()))


def _maybe_fullwidth(rng: random.Random, value: str) -> str:
    return to_fullwidth(value) if rng.random() < 0.3 else value


def _id18(mode: str) -> Callable[[random.Random], Sample]:
    def make(rng: random.Random) -> Sample:
        value = format_id18(
            str(rng.randint(110000, 820000)),
            _birth(rng, 1920, 2025),
            rng.randint(0, 999),
            mode=mode,
            wrong=rng.randint(1, 10),
            lower_x=rng.random() < 0.5,
            style=rng.choice(("plain", "plain", "6-8-4", "6-4-4-4")),
            sep=rng.choice(" -"),
        )
        return _maybe_fullwidth(rng, value), "id_number", (), ()

    return make


def _id15(rng: random.Random) -> Sample:
    value = format_id15(
        str(rng.randint(110000, 820000)),
        _birth(rng, 1900, 1999),
        rng.randint(0, 999),
        style=rng.choice(("plain", "6-6-3")),
        sep=rng.choice(" -"),
    )
    return _maybe_fullwidth(rng, value), "id_number", (), ()


def _mobile(rng: random.Random) -> Sample:
    number = "1" + rng.choice("3456789") + _digits(rng, 9)
    value = format_mobile(
        number, rng.choice(MOBILE_PREFIXES), rng.choice(("", " ", "-")), rng.choice(("", " ", "-"))
    )
    return _maybe_fullwidth(rng, value), "mobile", (), ()


def _landline(rng: random.Random) -> Sample:
    area = rng.choice(
        ("010", "02" + _digits(rng, 1), "0" + rng.choice("3456789") + _digits(rng, 2))
    )
    local = rng.choice("23456789") + _digits(rng, rng.choice((6, 7)))
    extension = rng.choice(("", "", "-123", "转8021"))
    value = format_landline(area, local, rng.choice(LANDLINE_STYLES), extension)
    return _maybe_fullwidth(rng, value), "landline", (), ()


def _card(rng: random.Random) -> Sample:
    length = rng.randint(16, 19)
    number = luhn_number("62" + _digits(rng, length - 3))
    while looks_like_id(number):
        number = luhn_number("62" + _digits(rng, length - 3))
    value = format_card(number, rng.choice(("", " ", "-")))
    return _maybe_fullwidth(rng, value), "bank_card", (), ()


def _email(rng: random.Random) -> Sample:
    local = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789._") for _ in range(8))
    domain = rng.choice(("qq.com", "163.com", "gmail.com", "mail.hust.edu.cn"))
    value = f"u{local}z@{domain}"
    return _maybe_fullwidth(rng, value), "email", (), ()


def _name(rng: random.Random) -> Sample:
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.randint(1, 2)))
    name = rng.choice(SURNAMES) + given
    return name, "name", (name,), ()


def _address(rng: random.Random) -> Sample:
    shape = rng.randrange(3)
    if shape == 0:
        value = f"{rng.choice(ROAD_WORDS)}{rng.choice('路街')}{rng.randint(1, 999)}号"
        if rng.random() < 0.5:
            value += f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2808)}室"
    elif shape == 1:
        value = f"{rng.choice(SURNAMES)}家村{rng.choice(CN_NUMERALS)}组"
    else:
        value = f"{rng.choice(ROAD_WORDS)}小区{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元"
        value += f"{rng.randint(101, 2808)}室"
    return value, "address", (), ()


SAMPLERS: dict[str, Callable[[random.Random], Sample]] = {
    "id18_valid": _id18("valid"),
    "id18_invalid": _id18("invalid"),
    "id18_x": _id18("x"),
    "id15": _id15,
    "mobile": _mobile,
    "landline": _landline,
    "bank_card": _card,
    "email": _email,
    "name": _name,
    "address": _address,
}
SAMPLES_PER_KIND = 150
SEED = 20261123


def _is_recalled(prefix: str, sample: Sample, suffix: str) -> bool:
    value, kind, names, parts = sample
    try:
        assert_recalled(prefix, value, suffix, kind, names=names, address_parts=parts)
    except AssertionError:
        return False
    return True


def test_recall_is_complete_on_seeded_samples() -> None:
    rng = random.Random(SEED)
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    misses: list[str] = []
    for label, sampler in SAMPLERS.items():
        for _ in range(SAMPLES_PER_KIND):
            prefix = "".join(rng.choices(CONTEXT_WORDS, k=rng.randint(0, 4)))
            suffix = "".join(rng.choices(CONTEXT_WORDS, k=rng.randint(0, 4)))
            sample = sampler(rng)
            total[label] += 1
            if _is_recalled(prefix, sample, suffix):
                found[label] += 1
            else:
                misses.append(prefix + sample[0] + suffix)
    assert sum(total.values()) == len(SAMPLERS) * SAMPLES_PER_KIND == 1500
    assert misses == []
    assert found == total  # recall 1.0 on 1,500 samples, 150 per kind


# ---- recall: hand-written examples ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("身份证号420102199003071234住在", "id_number", "420102199003071234"),
        ("身份证号码：11010519491231002X。", "id_number", "11010519491231002X"),
        ("身份证11010519491231002x", "id_number", "11010519491231002x"),
        ("证件号110105 19491231 002X", "id_number", "110105 19491231 002X"),
        ("证件号110105-1949-1231-002X", "id_number", "110105-1949-1231-002X"),
        ("老身份证420102900307123号", "id_number", "420102900307123"),
        ("手机13812345678", "mobile", "13812345678"),
        ("手机+86 138 1234 5678联系", "mobile", "+86 138 1234 5678"),
        ("手机0086-138-1234-5678", "mobile", "0086-138-1234-5678"),
        ("手机８６１３８１２３４５６７８", "mobile", "8613812345678"),
        ("座机027-87654321", "landline", "027-87654321"),
        ("座机(010) 12345678", "landline", "(010) 12345678"),
        ("座机0716-8123456转123", "landline", "0716-8123456转123"),
        ("电话:87654321", "landline", "87654321"),
        ("工资卡6222021234567890128已冻结", "bank_card", "6222021234567890128"),
        ("卡号 6222 0212 3456 7890 128", "bank_card", "6222 0212 3456 7890 128"),
        ("邮箱zhang.san@163.com联系", "email", "zhang.san@163.com"),
    ],
)
def test_examples_are_found(text: str, kind: str, value: str) -> None:
    findings = find_pii(text)
    normalized = normalize(text)
    assert [(f.kind, normalized[f.start : f.end]) for f in findings] == [(kind, value)]
    assert scrub(text).text == normalized.replace(value, PLACEHOLDERS[kind])


def test_mobile_in_fullwidth_is_scrubbed_and_text_normalized() -> None:
    result = scrub("联系电话：１３８－１２３４－５６７８，谢谢")
    assert result.text == "联系电话:[手机号],谢谢"
    assert [f.kind for f in result.findings] == ["mobile"]


def test_card_failing_luhn_is_scrubbed_with_medium_confidence() -> None:
    good = luhn_number("622202123456789012")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert [(f.kind, f.confidence) for f in find_pii(f"卡号{good}")] == [("bank_card", "high")]
    assert [(f.kind, f.confidence) for f in find_pii(f"卡号{bad}")] == [("bank_card", "medium")]


def test_luhn_valid_id_is_reported_as_id_not_card() -> None:
    region, birth = "420102", datetime.date(1990, 3, 7)
    for seq in range(1000):
        value = format_id18(region, birth, seq, mode="valid")
        if value[-1] != "X" and luhn.is_valid(value):
            break
    else:  # pragma: no cover - there are many such numbers
        pytest.fail("no Luhn-valid ID found")
    assert [f.kind for f in find_pii(f"号码{value}")] == ["id_number"]


def test_digits_glued_to_other_digits_are_not_split_into_ids_or_phones() -> None:
    # 21 digits: not an ID, not a card, and no mobile may be carved out of it.
    assert [f.kind for f in find_pii("编号138123456781381234567")] == []


# ---- false positives -----------------------------------------------------------------------

ORDINARY_SENTENCES = (
    "患者家庭困难，每月医疗费用约3000元，自付比例40%，已申请临时救助2次。",
    "2025年确诊白血病，化疗6个疗程，累计花费18.5万元，医保报销60%，尚欠医院12,000元。",
    "低保金每月800元，临时救助30000元，大病保险赔付¥12,500.50。",
    "筹款目标5万元，已筹集3,000元，还差47000元。",
    "2026-11-23入院，2026年11月23日出院，住院15天，复查3次。",
    "丈夫于2024年3月去世，留下3个孩子，最小的今年6岁。",
    "20261123办理了低保手续，11月23号领取了第一笔低保金。",
    "一家五口人住在两间平房里，房屋是危房，3室1厅，两室一厅。",
    "孩子今年12岁，在镇中心小学读五年级，成绩排名前10%。",
    "社区工作人员多次上门走访，村委会出具困难证明，镇政府给予救助1500元。",
    "在县人民医院住院15天，花费2万余元，报销比例为55.5%。",
    "一组数据显示，小组成员每周开会2次，村民代表投票通过。",
    "没有出路，思路不清，回家路上摔伤，路费300元，一路上很辛苦，走投无路。",
    "他走了很长一段路才到医院，每天步行3公里上学，路途遥远。",
    "很多村民，全村村民，偏远农村，城中村改造，城乡低保，推进乡村振兴。",
    "社区医院，老旧小区改造，小区物业费，在街道办事处的帮助下申请了低保。",
    "3号病床，第3单元，第二组患者，三组数据，1号楼，住在城乡结合部。",
    "上午09:30到达，下午14:00离开，体重45.5公斤，身高160厘米。",
    "2023年至2025年间共住院4次，累计住院天数累计达120天。",
    "患者在武汉同济医院治疗，经乡镇卫生院转诊至市中心医院。",
    "家住湖北省武汉市洪山区。",
    "王某先生与李女士育有2子，王某某老人年逾八十。",
)


@pytest.mark.parametrize("sentence", ORDINARY_SENTENCES)
def test_ordinary_sentences_are_unchanged(sentence: str) -> None:
    result = scrub(sentence)
    assert result.findings == ()
    assert result.text == normalize(sentence)
    assert not result.changed


NumberFormat = Callable[[int, datetime.date, int], str]
ORDINARY_FORMATS: tuple[NumberFormat, ...] = (
    lambda n, d, k: f"{n}元",
    lambda n, d, k: f"{n:,}元",
    lambda n, d, k: f"¥{n:,}.{k % 100:02d}",
    lambda n, d, k: f"{n / 100:.2f}元",
    lambda n, d, k: f"{k}万元",
    lambda n, d, k: f"{k % 101}%",
    lambda n, d, k: f"{k / 10:.1f}%",
    lambda n, d, k: f"{d:%Y-%m-%d}",
    lambda n, d, k: f"{d:%Y/%m/%d}",
    lambda n, d, k: f"{d:%Y.%m.%d}",
    lambda n, d, k: f"{d:%Y%m%d}",
    lambda n, d, k: f"{d.year}年{d.month}月{d.day}日",
    lambda n, d, k: f"{d.month}月{d.day}号",
    lambda n, d, k: f"{d.year}年",
    lambda n, d, k: f"{k}次",
    lambda n, d, k: f"{k}天",
    lambda n, d, k: f"{k % 120}岁",
    lambda n, d, k: f"{k}个月",
    lambda n, d, k: f"{k % 24:02d}:{k % 60:02d}",
)


@st.composite
def ordinary_numbers(draw: st.DrawFn) -> str:
    """Amounts (up to 8 digits), dates, percentages, counts and times."""
    form = draw(st.sampled_from(ORDINARY_FORMATS))
    value = form(
        draw(st.integers(0, 99_999_999)),
        draw(date_range(datetime.date(1950, 1, 1), datetime.date(2035, 12, 31))),
        draw(st.integers(0, 999)),
    )
    return to_fullwidth(value) if draw(st.booleans()) else value


PLAIN_CONTEXTS = PLAIN_WORDS + tuple(
    "".join(_pool_rng.choices(PLAIN_WORDS, k=_pool_rng.randint(2, 3))) for _ in range(1000)
)
plain_context = st.sampled_from(PLAIN_CONTEXTS)


@RECALL
@given(st.lists(st.tuples(plain_context, ordinary_numbers()), min_size=1, max_size=4))
def test_amounts_dates_counts_are_not_flagged(parts: list[tuple[str, str]]) -> None:
    text = "，".join(words + number for words, number in parts) + "。"
    result = scrub(text)
    assert result.findings == (), (text, result.findings)
    assert result.text == normalize(text)


# ---- names and address parts from the private record ---------------------------------------


def test_name_and_given_name_are_scrubbed() -> None:
    text = "患者王小明，因病住院，小明的母亲王某某照顾他。"
    result = scrub(text, names=["王小明"])
    assert result.text == "患者[姓名],因病住院,[姓名]的母亲王某某照顾他。"
    assert [f.kind for f in result.findings] == ["name", "name"]
    assert all(f.confidence == "high" for f in result.findings)


def test_compound_surname_given_name() -> None:
    assert scrub("欧阳娜娜和娜娜", names=["欧阳娜娜"]).text == "[姓名]和[姓名]"
    assert scrub("欧阳娜说阳娜", names=["欧阳娜"]).text == "[姓名]说阳娜"


def test_dotted_name_pieces_are_scrubbed() -> None:
    text = "买买提·吐尔逊来了,吐尔逊说买买提也来了"
    assert scrub(text, names=["买买提・吐尔逊"]).text == "[姓名]来了,[姓名]说[姓名]也来了"


def test_two_char_name_does_not_scrub_single_given_char() -> None:
    assert scrub("王芳说芳草很美", names=["王芳"]).text == "[姓名]说芳草很美"


def test_short_terms_are_ignored() -> None:
    assert scrub("王先生住在路边", names=["王", ""], address_parts=["路", " "]).text == (
        "王先生住在路边"
    )


def test_names_and_parts_are_normalized_and_matched_longest_first() -> None:
    text = "住在光明村三组，光明村的人都认识ＬＩ　ＬＥＩ"
    result = scrub(text, names=["Li Lei"], address_parts=["光明村", "光明村三组"])
    assert result.text == "住在[地址],[地址]的人都认识[姓名]"
    assert [f.kind for f in result.findings] == ["address", "address", "name"]


def test_name_inside_address_merges_into_one_token() -> None:
    # The private address part and the name overlap: one well-formed token, no leftovers.
    result = scrub("家住王家村三组", names=["王家"], address_parts=["家村三组"])
    assert result.text == "家住[地址]"
    assert len(result.findings) == 1


# ---- street-level address patterns ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("家住解放路123号", "解放路123号"),
        ("住在幸福小区3栋2单元501室", "幸福小区3栋2单元501室"),
        ("中山路88号5栋301室", "中山路88号5栋301室"),
        ("户籍在王家村三组", "王家村三组"),
        ("家住和平街", "和平街"),
        ("湖北省武汉市洪山区珞喻路1037号", "珞喻路1037号"),
        ("位于中山一路88号", "中山一路88号"),
        ("住在于家村", "于家村"),
        ("租住在3栋2单元", "3栋2单元"),
        ("暂住501室", "501室"),
        ("幸福家园3号楼2单元", "幸福家园3号楼2单元"),
        ("时代广场A座1203室", "时代广场A座1203室"),
        ("长丰镇王家村五组", "长丰镇王家村五组"),
        ("住在建设大道 12-3号", "建设大道 12-3号"),
        ("现住湖北省恩施州利川市团堡镇长坪村二组", "团堡镇长坪村二组"),
        ("户籍地址：黄冈市麻城市龙池桥街道八里村5组", "龙池桥街道八里村5组"),
        ("现居住在青山区建设二路53街坊", "建设二路53街坊"),
        ("家住和平里东街11号院3号楼2单元302", "和平里东街11号院3号楼2单元302"),
        ("住址：上海市浦东新区张杨路1500弄3号601室", "张杨路1500弄3号601室"),
        ("住在朝阳区建国门外大街甲12号", "建国门外大街甲12号"),
        ("地址：黄陂区前川街道百秀社区", "前川街道百秀社区"),
        ("家住汉阳区龙阳大道特6号阳光花园7-2-301", "龙阳大道特6号阳光花园7-2-301"),
        ("在万达广场3号楼2203室上班", "万达广场3号楼2203室"),
        ("来自青山区红钢城街道", "红钢城街道"),
        ("家住龙泉镇", "龙泉镇"),
    ],
)
def test_address_patterns_are_found(text: str, address: str) -> None:
    findings = find_pii(text)
    normalized = normalize(text)
    assert [(f.kind, normalized[f.start : f.end]) for f in findings] == [("address", address)]
    assert scrub(text).text == normalized.replace(address, "[地址]")


@pytest.mark.parametrize(
    "text",
    [
        "小组讨论",
        "一组数据",
        "村民大会",
        "没有出路",
        "上学路上",
        "逛街购物",
        "城中村",
        "家乡很远",
        "老旧小区",
        "社区医院",
        "3室1厅",
        "第3单元",
        "11月23号",
        "1号楼",
        "湖北省武汉市洪山区",
        "王某住在某村",
        "通过社区申请了临时救助",
        "患者向社区反映了情况",
        "村干部和驻村工作队多次走访",
        "他在村里的小卖部打零工",
        "乡里乡亲都来帮忙",
        "从乡下到城里看病",
        "镇卫生院无法治疗",
        "街坊邻居凑了一些钱",
        "流落街头多日",
        "路过的好心人把他送到医院",
        "道路结冰摔倒骨折",
        "小区保安发现老人晕倒",
        "社区网格员了解情况后上报",
        "街道办事处出具了证明",
        "新建小区",
        "租住在城中村的一间平房里",
        "当地村民自发捐款",
        "孩子就读于镇中心小学",
        "在乡镇企业上班",
        "住在5楼,没有电梯",
        "在502病房",
        "上班路上遭遇车祸",
        "大街小巷",
        "新农村合作医疗报销了50%",
        "在社区医院输液",
    ],
)
def test_ordinary_words_are_not_addresses(text: str) -> None:
    assert find_pii(text) == []


def test_amount_after_an_address_is_not_taken_as_room_number() -> None:
    assert scrub("幸福小区3栋2单元3000元").text == "[地址]3000元"
    assert scrub("幸福小区3栋2单元302").text == "[地址]"


# ---- merging -------------------------------------------------------------------------------


def test_email_containing_mobile_is_one_email() -> None:
    result = scrub("邮箱13812345678@qq.com")
    assert result.text == "邮箱[邮箱]"
    assert [f.kind for f in result.findings] == ["email"]


def test_overlapping_findings_merge_to_the_union_with_the_longer_kind() -> None:
    # The literal address part overlaps the mobile number; the merged span covers both.
    result = scrub("地址光明村13812345678", address_parts=["光明村138"])
    assert result.text == "地址[手机号]"
    (finding,) = result.findings
    assert (finding.kind, finding.start, finding.end) == ("mobile", 2, 16)


def test_address_followed_by_phone_keeps_both_kinds() -> None:
    result = scrub("解放路138-1234-5678")
    assert result.text == "[地址][手机号]"
    assert [f.kind for f in result.findings] == ["address", "mobile"]


def test_adjacent_findings_stay_separate() -> None:
    result = scrub("zhang@qq.com13812345678")
    assert result.text == "[邮箱][手机号]"


def test_offsets_refer_to_the_normalized_text() -> None:
    text = "ＡＢ手机１３８１２３４５６７８"
    (finding,) = find_pii(text)
    assert normalize(text)[finding.start : finding.end] == "13812345678"


# ---- normalization and result types -------------------------------------------------------


def test_normalize_is_nfkc_and_drops_zero_width() -> None:
    assert normalize("１３８（０１０）－＋　ＡＢＣ＠") == "138(010)-+ ABC@"
    assert normalize("138\u200b1234\u200b5678") == "13812345678"
    assert normalize(normalize("ｘ１")) == "x1"


def test_scrub_without_findings() -> None:
    result = scrub("")
    assert result == ScrubResult("", ())
    assert not result.changed
    assert scrub("ＡＢＣ").text == "ABC"


def test_finding_validates_its_fields() -> None:
    assert Finding("mobile", 0, 11, "high").kind == "mobile"
    with pytest.raises(ValueError, match="kind"):
        Finding("phone", 0, 11, "high")
    with pytest.raises(ValueError, match="confidence"):
        Finding("mobile", 0, 11, "low")
    with pytest.raises(ValueError, match="span"):
        Finding("mobile", 5, 5, "high")


def test_placeholders() -> None:
    assert dict(PLACEHOLDERS) == {
        "id_number": "[身份证号]",
        "mobile": "[手机号]",
        "landline": "[电话]",
        "bank_card": "[银行卡号]",
        "email": "[邮箱]",
        "name": "[姓名]",
        "address": "[地址]",
    }


# ---- quasi-identifiers ---------------------------------------------------------------------


def test_age_bands_constant() -> None:
    assert AGE_BANDS == ("0-5", "6-11", "12-17", "18-29", "30-44", "45-59", "60-69", "70-79", "80+")


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "0-5"),
        (5, "0-5"),
        (6, "6-11"),
        (11, "6-11"),
        (12, "12-17"),
        (17, "12-17"),
        (18, "18-29"),
        (29, "18-29"),
        (30, "30-44"),
        (44, "30-44"),
        (45, "45-59"),
        (59, "45-59"),
        (60, "60-69"),
        (69, "60-69"),
        (70, "70-79"),
        (79, "70-79"),
        (80, "80+"),
        (120, "80+"),
    ],
)
def test_age_band(age: int, band: str) -> None:
    assert age_band(age) == band


def test_age_band_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        age_band(-1)


@given(st.integers(0, 150))
@settings(derandomize=True, database=None)
def test_age_band_is_monotonic(age: int) -> None:
    assert AGE_BANDS.index(age_band(age)) <= AGE_BANDS.index(age_band(age + 1))


def test_household_bands() -> None:
    assert HOUSEHOLD_BANDS == ("1", "2", "3", "4", "5+")
    assert [household_band(n) for n in range(1, 11)] == ["1", "2", "3", "4"] + ["5+"] * 6
    with pytest.raises(ValueError, match="at least 1"):
        household_band(0)


@pytest.mark.parametrize(
    ("region", "county"),
    [
        ("420111", "420111"),
        ("420111001", "420111"),
        ("420111001002", "420111"),
        (" 420111001 ", "420111"),
        ("４２０１１１", "420111"),
    ],
)
def test_county_code(region: str, county: str) -> None:
    assert county_code(region) == county


@pytest.mark.parametrize(
    "region",
    ["", "42011", "4201110", "4201110010", "42011100100", "4201110010020", "42011a"]
    + ["湖北省武汉市", "420 111", "-420111", "४२०१११"],
)
def test_county_code_rejects_bad_input(region: str) -> None:
    with pytest.raises(ValueError, match="6, 9 or 12 digits"):
        county_code(region)
