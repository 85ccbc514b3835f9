"""Names of people found from their context, without knowing them in advance.

A case summary mentions other people: "丈夫张建国因车祸住院", "邻居王秀英经常帮忙",
"班主任李老师反映". The private record only knows the beneficiary (and the household members
the social worker listed), so these names are found by their shape and context:

* a surname from :data:`SURNAMES` (compound surnames such as 欧阳, 诸葛 included) followed by a
  given name of one or two characters,
* **and** a context that makes a name likely: a kinship or role word right before it
  (:data:`KINSHIP_WORDS`: 丈夫, 女儿, 邻居, 班主任 ...), an introducer (名叫, 叫做, 姓名), an
  honorific right after it (先生, 女士, 老人, 同学 ...), or, at the start of a clause, a word that
  typically follows a person (因, 患, 今年, 现年, 一家 ...),
* **and** the end of the name is followed by a plausible boundary (punctuation, a verb, a
  particle): this also decides between a one- and a two-character given name. After a kinship
  or role word, a given name made of common given-name characters (:data:`GIVEN_NAME_CHARS`)
  is taken even without a boundary ("邻居王丹原本在镇上开店").

The word lists are in :mod:`marketplace.cases.anonymize.lexicon`. The recall and
false-positive figures, and how to measure them, are in
``benchmarks/anonymizer/README.md``.

Ordinary words that start with a surname character (高血压, 周末, 方面, 马上, 金额 ...) are kept
out by a stop-list and by characters that never end a given name (的, 在, 年, 病 ...). The
surname-only forms 王老师, 李大爷 and 张某 are left alone: they do not identify anybody.

Pure standard library; no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from marketplace.cases.anonymize._base import Finding
from marketplace.cases.anonymize._base import is_cjk as _is_cjk
from marketplace.cases.anonymize.lexicon import (
    AFTER_WEAK,
    BOUNDARY_CHARS,
    GIVEN_NAME_CHARS,
    HONORIFICS,
    INTRODUCERS,
    KINSHIP_WORDS,
    LEFT_JOINERS,
    NOT_GIVEN,
    NOT_SINGLE_GIVEN,
    PERSON_CUES,
    STOP_WORDS,
    STRONG_CUES,
    SURNAMES,
    TITLES,
    VERB_START,
    WEAK_SURNAMES,
)

_KINSHIP_SET: Final = frozenset(KINSHIP_WORDS)
_SURNAME_ALT: Final = "|".join(sorted(SURNAMES, key=lambda s: (-len(s), s)))
_KINSHIP_RE: Final = re.compile(
    "(?:" + "|".join(map(re.escape, KINSHIP_WORDS)) + ")"
    r"(?:(?:名叫|叫做|叫)|[ ]?[:(][ ]?)?"
)
_INTRODUCER_RE: Final = re.compile(
    "(?:" + "|".join(map(re.escape, INTRODUCERS)) + r")(?:[ ]?[:][ ]?)?"
)
_SURNAME_RE: Final = re.compile(f"(?:{_SURNAME_ALT})")
_MAX_GIVEN: Final = 2


def _given_ok(given: str) -> bool:
    return all(_is_cjk(c) and c not in NOT_GIVEN for c in given)


def _boundary_at(text: str, pos: int) -> bool:
    """Whether a name may end right before ``pos``."""
    return pos >= len(text) or not _is_cjk(text[pos]) or text[pos] in BOUNDARY_CHARS


def _starts_with_any(text: str, pos: int, words: tuple[str, ...]) -> str | None:
    if text.startswith("患者", pos):  # the noun, not 患 (suffers from)
        return None
    for word in words:
        if text.startswith(word, pos):
            return word
    return None


def _in_stop_word(text: str, start: int, end: int) -> bool:
    """Whether the candidate ``text[start:end]`` lies inside an ordinary word starting there,
    or starts with a kinship word (孙女, 孙子 start with the surname 孙)."""
    for n in range(2, 5):
        word = text[start : start + n]
        if len(word) < n:
            break
        if word in _KINSHIP_SET or (n >= end - start and word in STOP_WORDS):
            return True
    return False


def _starts_stop_word(text: str, start: int) -> bool:
    return any(text[start : start + n] in STOP_WORDS for n in range(2, 5))


def _name_end(
    text: str, start: int, surname_end: int, *, strong: bool, after_joiner: bool = False
) -> int | None:
    """End of a name whose surname is ``text[start:surname_end]``, or None.

    A two-character given name is tried first. An honorific after the name is always enough.
    With ``strong`` context (kinship word, introducer) the name must be followed by a boundary
    (punctuation or a verb/particle), or have a two-character given name. Without it, it
    must be followed by a person cue (因, 患, 今年 ...), or by punctuation when the given name
    has two characters or the name follows a joining word (了, 给, 和 ...); "、" followed by
    another surname counts as a cue (a list of names). A weak surname (a character that is far
    more often an ordinary word: 和, 时, 成 ...) needs the stronger evidence in both cases.
    """
    surname = text[start:surname_end]
    weak = len(surname) == 1 and surname in WEAK_SURNAMES
    fallback = None
    for length in range(_MAX_GIVEN, 0, -1):
        end = surname_end + length
        given = text[surname_end:end]
        if given in TITLES:  # 王老师, 李大爷: a surname and a title, not a name
            return None
        if end > len(text) or not _given_ok(given) or given in NOT_SINGLE_GIVEN:
            continue
        if given[0] == surname[-1]:  # 常常, 白白, 方方: a reduplicated word, not a name
            continue
        if _in_stop_word(text, start, end):
            return None
        if _starts_with_any(text, end, HONORIFICS):
            return end
        if weak and not strong and not all(c in GIVEN_NAME_CHARS for c in given):
            continue  # "于联系因病": a function word and an ordinary word, not 于 + a given name
        punct = end >= len(text) or not _is_cjk(text[end])
        listed = text.startswith("、", end) and _SURNAME_RE.match(text, end + 1) is not None
        # "张三,女,45岁": the usual form of a case record
        listed = listed or (
            text[end : end + 1] in {",", "、", " "}
            and text[end + 1 : end + 2] in {"男", "女"}
            and not _is_cjk(text[end + 2 : end + 3] or ",")
        )
        cue = listed or punct or _starts_with_any(text, end, PERSON_CUES) is not None
        if strong:
            if weak and length == 1:
                if cue or _starts_with_any(text, end, AFTER_WEAK) is not None:
                    return end
            elif _boundary_at(text, end) or cue:
                return end
            elif (
                fallback is None
                and not weak
                and all(c in GIVEN_NAME_CHARS for c in given)
                and (length == 2 or text[end] in VERB_START)
                and not _starts_stop_word(text, start)
            ):
                fallback = end
            continue
        if weak:
            if _starts_with_any(text, end, STRONG_CUES) is not None:
                return end
            continue
        if listed or (cue and not punct) or (punct and (length == 2 or after_joiner)):
            return end
    return fallback


def _candidate(
    text: str, start: int, *, strong: bool, after_joiner: bool = False
) -> Finding | None:
    m = _SURNAME_RE.match(text, start)
    if m is None:
        return None
    end = _name_end(text, start, m.end(), strong=strong, after_joiner=after_joiner)
    if end is None and len(m.group()) == 2 and text[start] in SURNAMES:
        # a compound surname may also be a single one followed by the given name
        end = _name_end(text, start, start + 1, strong=strong, after_joiner=after_joiner)
    if end is None:
        return None
    return Finding("name", start, end, "high" if strong else "medium")


def _left_boundary(text: str, pos: int) -> bool:
    return pos == 0 or not _is_cjk(text[pos - 1]) or text[pos - 1] in LEFT_JOINERS


def find_context_names(text: str) -> Iterator[Finding]:
    """Names recognized by a surname, a given name and their context (``text`` normalized)."""
    taken = -1
    for m in _KINSHIP_RE.finditer(text):
        finding = _candidate(text, m.end(), strong=True)
        if finding is not None:
            taken = max(taken, finding.end)
            yield finding
    for m in _INTRODUCER_RE.finditer(text):
        finding = _candidate(text, m.end(), strong=True)
        if finding is not None:
            yield finding
    for m in _SURNAME_RE.finditer(text):
        if not _left_boundary(text, m.start()):
            continue
        joined = m.start() > 0 and text[m.start() - 1] in LEFT_JOINERS
        finding = _candidate(text, m.start(), strong=False, after_joiner=joined)
        if finding is not None:
            yield finding
