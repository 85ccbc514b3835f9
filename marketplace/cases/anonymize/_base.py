"""Shared pieces of the anonymizer: placeholders, result types, normalization."""

import unicodedata
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

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
PRIORITY: Final = {kind: len(KINDS) - rank for rank, kind in enumerate(KINDS)}


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


def is_cjk(char: str) -> bool:
    """Whether ``char`` is a CJK unified ideograph (basic block or extension A) or 〇."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or char == "\u3007"
