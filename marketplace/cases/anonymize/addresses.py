"""Street-level address patterns (路/街/号/栋/单元/室/村/组 ...)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from marketplace.cases.anonymize._base import Finding
from marketplace.cases.anonymize._base import is_cjk as _is_cjk

# ---- street-level address patterns ---------------------------------------------------------

_NUM: Final = r"(?:[0-9]{1,5}[A-Za-z]?|[A-Za-z][0-9]{0,4}|[零〇一二三四五六七八九十百两]{1,4})"
_UNIT: Final = r"(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|户|组|弄|巷|街坊)"
# 特1号, 甲12号, 附3号: house-number prefixes.
_UNIT_SEG: Final = rf"[特甲乙丙丁附]?{_NUM}(?:-{_NUM}){{0,3}}{_UNIT}(?:之[0-9]{{1,3}})?"

# A numeric unit after a named place: "88号", "5栋", "三组", "12-3号", or a bare "12-3-501"
# (at most 8 digits, so a hyphenated telephone number is left to the telephone patterns).
_TAIL_SEG_RE: Final = re.compile(
    rf"[ ]?{_UNIT_SEG}|(?=(?:-?[0-9]){{2,8}}(?![0-9-]))[0-9]{{1,4}}(?:-[0-9]{{1,4}}){{1,2}}"
)
# A bare room number closing a chain: "2单元302" (but not "2单元3000元").
_ROOM_AFTER_UNIT_RE: Final = re.compile(r"[0-9]{3,4}(?![0-9.,:%元万千百岁天年月日次个人])")
_ROOM_AFTER: Final = ("单元", "栋", "幢", "座", "号楼")
# Numeric units without a named place before them: "3栋2单元501室".
_UNIT_CHAIN_RE: Final = re.compile(rf"(?<![0-9A-Za-z第]){_UNIT_SEG}(?:[ ]?{_UNIT_SEG})*")
_UNIT_SEG_RE: Final = re.compile(_UNIT_SEG)
# A lone room number ("501室") is an address, but "3室1厅" describes a flat.
_ROOM_ONLY_RE: Final = re.compile(r"[0-9]{3,5}室")
_HALL_RE: Final = re.compile(r"[0-9零一二三四五六七八九十两]厅")


@dataclass(frozen=True)
class _Suffix:
    """A place-name suffix and the context that rules an ordinary word out."""

    standalone: bool  # a hit without a house number after it still counts
    bad_before: frozenset[str] = frozenset()  # last name char that makes it a common word
    bad_after: frozenset[str] = frozenset()  # next char that makes it a common word
    needs_locator: bool = False  # standalone only after 住/在/于/省/市/区... or another place


def _chars(chars: str) -> frozenset[str]:
    return frozenset(chars)


_SUFFIXES: Final[dict[str, _Suffix]] = {
    "路": _Suffix(
        True,
        _chars(
            "出思道公铁马走线网电退活生半上迷带让领门弯水陆末无一问探开引来去后心套赶修铺岔"
            "老长小大土近远歧绝拦挡顺筑夜回邪短断段里米天截步"
        ),
        _chars("过费线人途程子径况数由上边旁灯面"),
    ),
    "街": _Suffix(
        True,
        _chars("上逛满沿临当过出扫游整一行业食吃老"),
        _chars("头坊上边旁角景舞巷区市"),
    ),
    "大街": _Suffix(True, _chars("满"), _chars("上边旁头小")),
    "大道": _Suffix(True, _chars("康阳光"), _chars("上理")),
    "街道": _Suffix(True, _chars("扫的条净洁过穿走清"), _chars("上里旁边两口"), True),
    "巷": _Suffix(True, _chars("小深街陋窄古"), _chars("子口战尾")),
    "胡同": _Suffix(True, _chars("死小"), _chars("口里")),
    "村": _Suffix(
        True,
        _chars("全本该同邻农乡山渔外进回出驻村各每返中城新老小"),
        _chars("民委干医里子庄落级镇口上组务"),
    ),
    "屯": _Suffix(True, _chars("囤"), _chars("粮积兵田")),
    "镇": _Suffix(True, _chars("城乡坐冰重古小"), _chars("定痛静压上里长政"), True),
    "乡": _Suffix(
        True,
        _chars("家老城下回故同返异他思本外水梦"),
        _chars("村下亲镇土音愁里政长"),
        True,
    ),
    "社区": _Suffix(
        True,
        _chars("乡村镇地属居"),
        _chars("医工卫服干书志养食活网组治矫康戒居民里"),
        True,
    ),
    "小区": _Suffix(True, _chars("旧档端型封整同近该新"), _chars("门里内外"), True),
    "花园": _Suffix(False),
    "家园": _Suffix(False),
    "公寓": _Suffix(False),
    "大厦": _Suffix(False),
    "广场": _Suffix(False),
    "苑": _Suffix(False),
}
_SUFFIX_RE: Final = re.compile(
    "|".join(sorted(map(re.escape, _SUFFIXES), key=lambda s: (-len(s), s)))
)

# Characters that never belong to a place name (particles, pronouns, verbs of residence,
# demonstratives) and the region levels above county that stay public (省/市/县/区).
_NAME_STOP: Final = _chars(
    "的了在住到至从往是与及也就还去来对把被给让经每这那其该我你他她它们条址个些几很多某各全本此"
    "您咱且并或而但又再将已曾要会能可所位附边旁省市县区"
)
# 于 is a surname (于家村) but also ends 位于/居于/住于/处于/坐落于.
_LOCATIVE_YU: Final = _chars("位居住处落至")
# What may stand right before a weak place name (社区, 小区, 镇 ...) without a house number.
_LOCATORS: Final = _chars("在住于到至址省市县区")
_MAX_NAME: Final = 5


def _place_name_start(text: str, end: int) -> int:
    """Scan left from ``end`` over CJK characters that can form a place name."""
    start = end
    while (
        start > 0
        and end - start < _MAX_NAME
        and _is_cjk(text[start - 1])
        and text[start - 1] not in _NAME_STOP
        and not (text[start - 1] == "于" and start > 1 and text[start - 2] in _LOCATIVE_YU)
    ):
        start -= 1
    return start


def _is_place(
    text: str, name_start: int, suffix_start: int, suffix_end: int, *, after_place: bool = False
) -> bool:
    """Whether ``name + suffix`` (no house number after it) reads as a place, not a word.

    ``after_place`` says the name directly follows another place name (镇 -> 村).
    """
    rule = _SUFFIXES[text[suffix_start:suffix_end]]
    if not rule.standalone or suffix_start - name_start < 2:
        return False
    if rule.needs_locator and not after_place:
        if name_start == 0 or text[name_start - 1] not in _LOCATORS:
            return False
    if text[suffix_start - 1] in rule.bad_before:
        return False
    return not (suffix_end < len(text) and text[suffix_end] in rule.bad_after)


def _named_segment_at(text: str, pos: int) -> int | None:
    """End of a place-name segment starting exactly at ``pos`` (e.g. "王家村" after a 镇)."""
    for length in range(1, _MAX_NAME + 1):
        name_end = pos + length
        if name_end >= len(text):
            return None
        char = text[name_end - 1]
        if not _is_cjk(char) or char in _NAME_STOP:
            return None
        m = _SUFFIX_RE.match(text, name_end)
        if m is None or length < 2:
            continue
        if _TAIL_SEG_RE.match(text, m.end()) or _is_place(
            text, pos, m.start(), m.end(), after_place=True
        ):
            return m.end()
    return None


def _extend_chain(text: str, pos: int) -> int:
    """Follow house numbers and further place names after ``pos``; return the chain's end."""
    end = pos
    while True:
        m = _TAIL_SEG_RE.match(text, end)
        if m is not None:
            end = m.end()
            continue
        if text.endswith(_ROOM_AFTER, 0, end):
            room = _ROOM_AFTER_UNIT_RE.match(text, end)
            if room is not None:
                return room.end()
        named_end = _named_segment_at(text, end)
        if named_end is None:
            return end
        end = named_end


def find_addresses(text: str) -> Iterator[Finding]:
    # A hit inside a chain already found is skipped: it would only be merged into it, and
    # following every hit to the end of a long chain would be quadratic.
    covered = 0
    for m in _SUFFIX_RE.finditer(text):
        if m.start() < covered:
            continue
        name_start = _place_name_start(text, m.start())
        if m.start() - name_start < 2:
            continue
        end = _extend_chain(text, m.end())
        # Followed by a house number or another place name, or a place on its own.
        if end > m.end() or _is_place(text, name_start, m.start(), m.end()):
            covered = end
            yield Finding("address", name_start, end, "medium")
    covered = 0
    for m in _UNIT_CHAIN_RE.finditer(text):
        if m.start() < covered:
            continue
        units = _UNIT_SEG_RE.findall(m.group())
        if len(units) >= 2 or (
            _ROOM_ONLY_RE.fullmatch(m.group()) and not _HALL_RE.match(text, m.end())
        ):
            covered = _extend_chain(text, m.end())
            yield Finding("address", m.start(), covered, "medium")
