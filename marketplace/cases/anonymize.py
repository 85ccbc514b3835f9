"""Scrub personal data from free text that will be published, and coarsen quasi-identifiers.

A social worker writes an anonymized case summary; before it is shown to the public it goes
through :func:`scrub`, which replaces

* resident ID numbers (18 digits with a check character, 15-digit legacy numbers),
* mobile and landline telephone numbers,
* bank card numbers,
* e-mail addresses,
* the beneficiary's name and address parts taken from the private record, and
* street-level address patterns (路/街/号/栋/单元/室/村/组 ...)

with bracketed Chinese placeholders such as ``[身份证号]``. Everything works on the
NFKC-normalized text (full-width digits become ASCII digits and so on), and the returned text is
the normalized text. Detection is pattern first: a checksum (GB 11643 for ID numbers, Luhn for
bank cards) only decides the reported confidence, never whether a number is scrubbed.

The module also coarsens quasi-identifiers for publication: :func:`age_band`,
:func:`household_band` and :func:`county_code`.

Pure standard library plus :mod:`stdnum`; no Flask, no database.
"""

import datetime
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from stdnum import luhn
from stdnum.cn import ric

__all__ = [
    "AGE_BANDS",
    "HOUSEHOLD_BANDS",
    "KINDS",
    "PLACEHOLDERS",
    "Finding",
    "ScrubResult",
    "age_band",
    "county_code",
    "find_pii",
    "household_band",
    "normalize",
    "scrub",
]

# ---- public constants ----------------------------------------------------------------------

#: The placeholder that replaces each kind of finding in the published text.
PLACEHOLDERS: Final = MappingProxyType(
    {
        "id_number": "[身份证号]",
        "mobile": "[手机号]",
        "landline": "[电话]",
        "bank_card": "[银行卡号]",
        "email": "[邮箱]",
        "name": "[姓名]",
        "address": "[地址]",
    }
)

#: Every kind a :class:`Finding` can have, highest merge priority first.
KINDS: Final[tuple[str, ...]] = (
    "id_number",
    "bank_card",
    "mobile",
    "landline",
    "email",
    "name",
    "address",
)

#: Age bands published instead of an exact age, youngest first.
AGE_BANDS: Final[tuple[str, ...]] = (
    "0-5",
    "6-11",
    "12-17",
    "18-29",
    "30-44",
    "45-59",
    "60-69",
    "70-79",
    "80+",
)

#: Household-size bands published instead of an exact size.
HOUSEHOLD_BANDS: Final[tuple[str, ...]] = ("1", "2", "3", "4", "5+")

_CONFIDENCES: Final = frozenset({"high", "medium"})
_PRIORITY: Final = {kind: len(KINDS) - rank for rank, kind in enumerate(KINDS)}


# ---- result types --------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in the normalized text.

    ``start``/``end`` are offsets into :func:`normalize` of the input (``end`` exclusive).
    ``confidence`` is ``"high"`` when the match is certain (e.g. an ID number whose check
    character is right) and ``"medium"`` when only the pattern matched.
    """

    kind: str
    start: int
    end: int
    confidence: str

    def __post_init__(self) -> None:
        if self.kind not in PLACEHOLDERS:
            raise ValueError(f"unknown finding kind: {self.kind!r}")
        if self.confidence not in _CONFIDENCES:
            raise ValueError(f"unknown confidence: {self.confidence!r}")
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span: {self.start}..{self.end}")


@dataclass(frozen=True)
class ScrubResult:
    """The scrubbed (normalized) text and the non-overlapping findings that were replaced.

    The findings' offsets refer to the normalized input, not to :attr:`text`.
    """

    text: str
    findings: tuple[Finding, ...]

    @property
    def changed(self) -> bool:
        """Whether anything was replaced (NFKC normalization alone does not count)."""
        return bool(self.findings)


# ---- normalization -------------------------------------------------------------------------

# Zero-width and other invisible format characters that could split a number to evade the
# patterns; NFKC keeps them, so they are dropped as well.
_INVISIBLE: Final = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def normalize(text: str) -> str:
    """Return ``text`` in Unicode NFKC form without zero-width characters.

    NFKC turns full-width digits, letters and punctuation (``１３８``, ``＠``, ``（``, ``－``)
    and the ideographic space into their ASCII counterparts. The function is idempotent.
    """
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


# ---- numeric identifiers -------------------------------------------------------------------

_YYYY: Final = r"(?:19|20)[0-9]{2}"
_YY: Final = r"[0-9]{2}"
_MM: Final = r"(?:0[1-9]|1[0-2])"
_DD: Final = r"(?:0[1-9]|[12][0-9]|3[01])"

# 18 digits: region(6, never starting with 0) + birth date(8) + sequence(3) + check [0-9X];
# plain, or 6-8-4 / 6-4-4-4 grouped with one consistent separator (a single space or hyphen).
_ID18_RE: Final = re.compile(
    rf"""
    (?<![0-9])
    (?:
        [1-9][0-9]{{5}}{_YYYY}{_MM}{_DD}[0-9]{{3}}[0-9Xx]
      | [1-9][0-9]{{5}}(?P<s1>[ -]){_YYYY}{_MM}{_DD}(?P=s1)[0-9]{{3}}[0-9Xx]
      | [1-9][0-9]{{5}}(?P<s2>[ -]){_YYYY}(?P=s2){_MM}{_DD}(?P=s2)[0-9]{{3}}[0-9Xx]
    )
    (?![0-9])
    """,
    re.VERBOSE,
)

# 15 digits (issued before 1999): region(6, never starting with 0) + YYMMDD + sequence(3);
# plain or 6-6-3 grouped.
_ID15_RE: Final = re.compile(
    rf"""
    (?<![0-9])
    (?:
        [1-9][0-9]{{5}}{_YY}{_MM}{_DD}[0-9]{{3}}
      | [1-9][0-9]{{5}}(?P<s>[ -]){_YY}{_MM}{_DD}(?P=s)[0-9]{{3}}
    )
    (?![0-9])
    """,
    re.VERBOSE,
)

# 1[3-9]x xxxx xxxx, optional +86 / 86 / 0086 / (+86) prefix, optional single space or hyphen
# after the prefix and between the 3-4-4 groups.
_MOBILE_RE: Final = re.compile(
    r"""
    (?<![0-9+])
    (?:
        \((?:\+|00)?86\)[ -]?
      | (?:\+|00)?86[ -]?
    )?
    1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}
    (?![0-9])
    """,
    re.VERBOSE,
)

# Area code: 010, 02x, or 0 + three digits starting 3-9.
_AREA: Final = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
_EXTENSION: Final = r"(?:[ ]?(?:-|转|分机|ext\.?)[ ]?[0-9]{1,5})?"
_LANDLINE_RE: Final = re.compile(
    rf"""
    (?<![0-9])
    (?:\({_AREA}\)|{_AREA})[ -]?
    [1-9][0-9]{{2,3}}[ -]?[0-9]{{4}}
    {_EXTENSION}
    (?![0-9])
    """,
    re.VERBOSE | re.IGNORECASE,
)

# A local number without area code is only taken right after a telephone keyword.
_LOCAL_LANDLINE_RE: Final = re.compile(
    rf"""
    (?:电话|座机|固话|tel)[ ]?(?:号码)?[ ]?(?:是|为)?[ ]?[:]?[ ]?
    (?P<number>
        (?<![0-9])[2-9][0-9]{{2,3}}[ -]?[0-9]{{4}}{_EXTENSION}(?![0-9])
    )
    """,
    re.VERBOSE | re.IGNORECASE,
)

# 16-19 digits, plain or 4-4-4-4(-1..3) grouped with one consistent separator.
_CARD_RE: Final = re.compile(
    r"""
    (?<![0-9])
    (?:
        [0-9]{16,19}
      | [0-9]{4}(?P<s>[ -])[0-9]{4}(?P=s)[0-9]{4}(?P=s)[0-9]{4}(?:(?P=s)[0-9]{1,3})?
    )
    (?![0-9])
    """,
    re.VERBOSE,
)

_EMAIL_RE: Final = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)

_NON_DIGIT_RE: Final = re.compile(r"[^0-9Xx]")


def _digits(value: str) -> str:
    return _NON_DIGIT_RE.sub("", value).upper()


def _id18_confidence(value: str) -> str:
    number = _digits(value)
    return "high" if ric.calc_check_digit(number) == number[-1] else "medium"


def _id15_confidence(value: str) -> str:
    number = _digits(value)
    try:
        datetime.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return "medium"
    return "high"


def _card_confidence(value: str) -> str:
    return "high" if luhn.is_valid(_digits(value)) else "medium"


def _find_numbers(text: str) -> Iterator[Finding]:
    for m in _ID18_RE.finditer(text):
        yield Finding("id_number", m.start(), m.end(), _id18_confidence(m.group()))
    for m in _ID15_RE.finditer(text):
        yield Finding("id_number", m.start(), m.end(), _id15_confidence(m.group()))
    for m in _CARD_RE.finditer(text):
        yield Finding("bank_card", m.start(), m.end(), _card_confidence(m.group()))
    for m in _MOBILE_RE.finditer(text):
        yield Finding("mobile", m.start(), m.end(), "high")
    for m in _LANDLINE_RE.finditer(text):
        yield Finding("landline", m.start(), m.end(), "high")
    for m in _LOCAL_LANDLINE_RE.finditer(text):
        yield Finding("landline", m.start("number"), m.end("number"), "medium")
    for m in _EMAIL_RE.finditer(text):
        yield Finding("email", m.start(), m.end(), "high")


# ---- names and address parts from the private record ---------------------------------------

_COMPOUND_SURNAMES: Final = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 端木 独孤 南宫 "
    "西门 轩辕 呼延 闻人 澹台 公羊 太史 申屠 钟离 赫连 万俟 第五".split()
)


_NAME_DOTS_RE: Final = re.compile(r"\s*[·•‧・]\s*")


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or char == "\u3007"


def _given_name(name: str) -> str | None:
    """The given name of a Chinese full name if it has 2+ characters (王小明 -> 小明)."""
    if not 3 <= len(name) <= 5 or not all(_is_cjk(c) for c in name):
        return None
    surname = 2 if name[:2] in _COMPOUND_SURNAMES else 1
    given = name[surname:]
    return given if len(given) >= 2 else None


def _is_term(term: str) -> bool:
    """Two or more characters, at least one a letter or digit (not just punctuation)."""
    return len(term) >= 2 and any(char.isalnum() for char in term)


def _literal_terms(names: Iterable[str], address_parts: Iterable[str]) -> dict[str, str]:
    """Map each normalized term (2+ chars) to its kind; names win over address parts."""
    terms: dict[str, str] = {}
    for part in address_parts:
        part = normalize(part).strip()
        if _is_term(part):
            terms[part] = "address"
    for name in names:
        name = normalize(name).strip()
        if not _is_term(name):
            continue
        terms[name] = "name"
        given = _given_name(name)
        if given is not None:
            terms[given] = "name"
        # Transliterated names (买买提·吐尔逊) are also written piece by piece.
        for piece in _NAME_DOTS_RE.split(name):
            if _is_term(piece) and piece != name:
                terms[piece] = "name"
    return terms


def _literal_pattern(term: str) -> str:
    """A regex for ``term`` in which any name dot (·•‧・) matches any other."""
    return r"\s*[·•‧・]\s*".join(map(re.escape, _NAME_DOTS_RE.split(term)))


def _find_literals(
    text: str, names: Iterable[str], address_parts: Iterable[str]
) -> Iterator[Finding]:
    terms = _literal_terms(names, address_parts)
    if not terms:
        return
    ordered = sorted(terms, key=lambda term: (-len(term), term))
    pattern = re.compile("|".join(f"({_literal_pattern(term)})" for term in ordered), re.IGNORECASE)
    for m in pattern.finditer(text):
        kind = terms[ordered[(m.lastindex or 1) - 1]]
        yield Finding(kind, m.start(), m.end(), "high")


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


def _find_addresses(text: str) -> Iterator[Finding]:
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


# ---- merging and the public entry points ---------------------------------------------------


def _merge(findings: Iterable[Finding]) -> list[Finding]:
    """Merge overlapping findings into one span covering all of them.

    The merged finding takes the kind and confidence of the longest member (ties go to the
    higher-priority kind, then to the higher confidence), so the output never leaks the edge
    of a partly overlapping match and stays well formed.
    """
    merged: list[Finding] = []
    cluster: list[Finding] = []

    def flush() -> None:
        if cluster:
            best = max(
                cluster,
                key=lambda f: (f.end - f.start, _PRIORITY[f.kind], f.confidence == "high"),
            )
            start = min(f.start for f in cluster)
            end = max(f.end for f in cluster)
            merged.append(Finding(best.kind, start, end, best.confidence))
            cluster.clear()

    cluster_end = -1
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if finding.start >= cluster_end:
            flush()
        cluster.append(finding)
        cluster_end = max(cluster_end, finding.end)
    flush()
    return merged


def find_pii(
    text: str, *, names: Sequence[str] = (), address_parts: Sequence[str] = ()
) -> list[Finding]:
    """Find personal data in ``text``.

    ``text`` is normalized first (:func:`normalize`) and the offsets refer to the normalized
    text. ``names`` and ``address_parts`` come from the private record; terms shorter than two
    characters are ignored. The findings are sorted, non-overlapping and already merged.
    """
    text = normalize(text)
    found: list[Finding] = []
    found.extend(_find_numbers(text))
    found.extend(_find_literals(text, names, address_parts))
    found.extend(_find_addresses(text))
    return _merge(found)


def scrub(
    text: str, *, names: Sequence[str] = (), address_parts: Sequence[str] = ()
) -> ScrubResult:
    """Replace every finding in ``text`` with its placeholder (e.g. ``[手机号]``).

    Returns the normalized, scrubbed text and the findings (offsets into the normalized
    input). Scrubbing is idempotent: the placeholders themselves are never matched.
    """
    normalized = normalize(text)
    findings = find_pii(normalized, names=names, address_parts=address_parts)
    pieces: list[str] = []
    cursor = 0
    for finding in findings:
        pieces.append(normalized[cursor : finding.start])
        pieces.append(PLACEHOLDERS[finding.kind])
        cursor = finding.end
    pieces.append(normalized[cursor:])
    return ScrubResult("".join(pieces), tuple(findings))


# ---- quasi-identifiers ---------------------------------------------------------------------

_AGE_LIMITS: Final = (5, 11, 17, 29, 44, 59, 69, 79)


def age_band(age: int) -> str:
    """Coarsen an age in years to one of :data:`AGE_BANDS` (``80+`` from 80 on).

    Raises :class:`ValueError` for a negative age.
    """
    if age < 0:
        raise ValueError(f"age must not be negative: {age}")
    for limit, band in zip(_AGE_LIMITS, AGE_BANDS, strict=False):
        if age <= limit:
            return band
    return AGE_BANDS[-1]


def household_band(size: int) -> str:
    """Coarsen a household size to one of :data:`HOUSEHOLD_BANDS` (``5+`` from 5 on).

    Raises :class:`ValueError` for a size below one.
    """
    if size < 1:
        raise ValueError(f"household size must be at least 1: {size}")
    return HOUSEHOLD_BANDS[min(size, len(HOUSEHOLD_BANDS)) - 1]


_REGION_LENGTHS: Final = frozenset({6, 9, 12})


def county_code(region: str) -> str:
    """Coarsen a region code to its 6-digit county code.

    Accepts a county (6 digits), township (9) or village (12) code, e.g.
    ``"420111001002"`` -> ``"420111"``. Full-width digits are normalized; surrounding
    whitespace is ignored. Raises :class:`ValueError` for anything else.
    """
    code = normalize(region).strip()
    if not (code.isascii() and code.isdigit()) or len(code) not in _REGION_LENGTHS:
        raise ValueError(f"region code must be 6, 9 or 12 digits: {region!r}")
    return code[:6]
