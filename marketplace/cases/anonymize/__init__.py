"""Scrub personal data from free text that will be published, and coarsen quasi-identifiers.

A social worker writes an anonymized case summary; before it is shown to the public it goes
through :func:`scrub`, which replaces

* resident ID numbers (18 digits with a check character, 15-digit legacy numbers),
* mobile and landline telephone numbers,
* bank card numbers,
* e-mail addresses,
* the names and address parts taken from the private record (the beneficiary and the
  household members),
* other people's names recognized from their context (``丈夫张建国``, ``王秀英今年68岁``;
  see :mod:`marketplace.cases.anonymize.context`), and
* street-level address patterns (路/街/号/栋/单元/室/村/组 ...)

with bracketed Chinese placeholders such as ``[身份证号]``. Everything works on the
NFKC-normalized text (full-width digits become ASCII digits and so on), and the returned text is
the normalized text. Detection is pattern first: a checksum (GB 11643 for ID numbers, Luhn for
bank cards) only decides the reported confidence, never whether a number is scrubbed.

The module also coarsens quasi-identifiers for publication: :func:`age_band`,
:func:`household_band` and :func:`county_code`.

Pure standard library plus :mod:`stdnum`; no Flask, no database.
"""

from collections.abc import Iterable, Sequence

from marketplace.cases.anonymize._base import (
    AGE_BANDS,
    HOUSEHOLD_BANDS,
    KINDS,
    PLACEHOLDERS,
    Finding,
    ScrubResult,
    normalize,
)
from marketplace.cases.anonymize._base import PRIORITY as _PRIORITY
from marketplace.cases.anonymize.addresses import find_addresses
from marketplace.cases.anonymize.context import find_context_names
from marketplace.cases.anonymize.names import find_literals
from marketplace.cases.anonymize.numbers import find_numbers
from marketplace.cases.anonymize.quasi import age_band, county_code, household_band

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
    found.extend(find_numbers(text))
    found.extend(find_literals(text, names, address_parts))
    found.extend(find_context_names(text))
    found.extend(find_addresses(text))
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
