"""Numeric identifiers: resident ID numbers, telephone and bank card numbers, e-mail."""

import datetime
import re
from collections.abc import Iterator
from typing import Final

from stdnum import luhn
from stdnum.cn import ric

from marketplace.cases.anonymize._base import Finding

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


def find_numbers(text: str) -> Iterator[Finding]:
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
