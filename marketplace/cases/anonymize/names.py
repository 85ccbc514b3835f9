"""Names: the terms of the private record, and names found from their context."""

import re
from collections.abc import Iterable, Iterator
from typing import Final

from marketplace.cases.anonymize._base import Finding, normalize
from marketplace.cases.anonymize._base import is_cjk as _is_cjk

# ---- names and address parts from the private record ---------------------------------------

_COMPOUND_SURNAMES: Final = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 端木 独孤 南宫 "
    "西门 轩辕 呼延 闻人 澹台 公羊 太史 申屠 钟离 赫连 万俟 第五".split()
)


_NAME_DOTS_RE: Final = re.compile(r"\s*[·•‧・]\s*")


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


def find_literals(
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
