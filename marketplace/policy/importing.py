"""The import of policy versions from a CSV or XLSX file (``flask policy import FILE``).

**The file format** (CSV, UTF-8 with or without a byte order mark, or the first sheet of an XLSX
workbook): a header row naming these columns, in any order, then one row per version:

=====================  ===========================================================
``region``             GB/T 2260 prefix: 2 digits (province), 4 (city), 6 (county)
``version``            the label, unique, e.g. ``421002-2026``
``effective_from``     ``YYYY-MM-DD``, the first day in force
``effective_to``       ``YYYY-MM-DD``, the first day *no longer* in force; empty: open
``dibao_fen``          低保 standard, fen per person per month (1,301 yuan: ``130100``)
``tekun_fen``          特困 standard, fen per person per month; empty: not set
``small_sum_limit_fen``  the small sum the township approves alone
``paperwork_days``     days to complete the paperwork of emergency help (1-366)
``bands``              the 临时救助 bands, ``;``-separated, in order (see below)
=====================  ===========================================================

A band is ``MIN-MAX:AMOUNT``: ``MIN`` and ``MAX`` are multiples of the previous year's per-capita
income (whole numbers or fractions such as ``5/2``; ``MAX`` empty for the open-ended last band),
``AMOUNT`` is ``MINFEN-MAXFEN`` (``MAXFEN`` empty: no fixed ceiling) or ``joint`` (the county's
联席会议 decides: 0 fen, no ceiling). The bands of field report 002:
``1-2:0-300000;2-3:300000-500000;3-4:500000-800000;4-:joint``.

Row numbers in errors are those a spreadsheet shows: the header is row 1. An import is all rows or
nothing: every row is checked (fields, the `entitlement.Policy` checks, overlaps with stored
versions and with the other rows) and one `ValidationFailed` lists every problem.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.errors import ValidationFailed
from marketplace.policy.entitlement import Band, Policy
from marketplace.policy.models import PolicyVersion
from marketplace.policy.services import add_version, overlap_problem, stored_for, valid_region

COLUMNS = (
    "region",
    "version",
    "effective_from",
    "effective_to",
    "dibao_fen",
    "tekun_fen",
    "small_sum_limit_fen",
    "paperwork_days",
    "bands",
)
_OPTIONAL = {"effective_to", "tekun_fen"}
MAX_ROWS = 10_000


class _RowError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value).strip()


def _int(row: Mapping[str, Any], name: str) -> int | None:
    text = _text(row, name)
    if not text:
        if name in _OPTIONAL:
            return None
        raise _RowError(name, "required")
    if text.endswith(".0"):  # a whole number from a spreadsheet cell
        text = text[:-2]
    if not re.fullmatch(r"\d{1,10}", text):
        raise _RowError(name, f"not a whole number: {text!r}")
    return int(text)


def _date(row: Mapping[str, Any], name: str) -> date | None:
    text = _text(row, name)
    if not text:
        if name in _OPTIONAL:
            return None
        raise _RowError(name, "required")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise _RowError(name, f"not a date YYYY-MM-DD: {text!r}") from None


def _multiple(text: str) -> Fraction:
    if not re.fullmatch(r"\d{1,6}(/\d{1,6})?", text):
        raise _RowError("bands", f"not a multiple (2 or 5/2): {text!r}")
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise _RowError("bands", f"not a multiple (2 or 5/2): {text!r}") from None


def _fen(text: str) -> int:
    if not re.fullmatch(r"\d{1,10}", text):
        raise _RowError("bands", f"not an amount in fen: {text!r}")
    return int(text)


def parse_bands(text: str) -> tuple[Band, ...]:
    """``1-2:0-300000;...;4-:joint`` -> the bands (see the module docstring)."""
    bands = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        multiples, sep, amount = part.partition(":")
        low, dash, high = multiples.partition("-")
        if not sep or not dash:
            raise _RowError("bands", f"a band is MIN-MAX:AMOUNT, got {part!r}")
        joint = amount.strip() == "joint"
        if joint:
            min_fen, max_fen = 0, None
        else:
            lo_fen, dash2, hi_fen = amount.partition("-")
            if not dash2:
                raise _RowError("bands", f"an amount is MINFEN-MAXFEN or joint, got {amount!r}")
            min_fen = _fen(lo_fen.strip())
            max_fen = _fen(hi_fen.strip()) if hi_fen.strip() else None
        try:
            bands.append(
                Band(
                    _multiple(low.strip()),
                    _multiple(high.strip()) if high.strip() else None,
                    min_fen,
                    max_fen,
                    joint_meeting=joint,
                )
            )
        except ValueError as exc:
            if isinstance(exc, _RowError):
                raise
            raise _RowError("bands", str(exc)) from None
    if not bands:
        raise _RowError("bands", "required")
    return tuple(bands)


def _parse_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """One row -> the arguments of `add_version`; raises `_RowError` on the first problem."""
    region = _text(row, "region")
    if not valid_region(region):
        raise _RowError("region", f"2, 4 or 6 digits, got {region!r}")
    version = _text(row, "version")
    if not version or len(version) > 40:
        raise _RowError("version", "1 to 40 characters")
    start, end = _date(row, "effective_from"), _date(row, "effective_to")
    assert start is not None  # required  # noqa: S101
    if end is not None and end <= start:
        raise _RowError("effective_to", "must be after effective_from")
    dibao, tekun = _int(row, "dibao_fen"), _int(row, "tekun_fen")
    small, days = _int(row, "small_sum_limit_fen"), _int(row, "paperwork_days")
    bands = parse_bands(_text(row, "bands"))
    try:
        policy = Policy(
            dibao_fen_per_person_month=dibao,  # type: ignore[arg-type]  # required above
            tekun_fen_per_person_month=tekun,
            bands=bands,
            small_sum_limit_fen=small,  # type: ignore[arg-type]
            emergency_paperwork_days=days,  # type: ignore[arg-type]
        )
    except ValueError as exc:
        field = next((c for c in COLUMNS if str(exc).startswith(c)), "bands")
        field = {
            "dibao_fen_per_person_month": "dibao_fen",
            "tekun_fen_per_person_month": "tekun_fen",
            "emergency_paperwork_days": "paperwork_days",
        }.get(str(exc).split(" ")[0], field)
        raise _RowError(field, str(exc)) from None
    return {
        "region": region,
        "version": version,
        "effective_from": start,
        "effective_to": end,
        "policy": policy,
    }


def import_rows(rows: Iterable[Mapping[str, Any]], *, first_row: int = 2) -> int:
    """Add every row as a version, or none: raises one `ValidationFailed` whose details list
    ``{"row", "field", "message"}`` for every problem. Returns the number of versions added."""
    errors: list[dict[str, Any]] = []
    parsed: list[dict[str, Any]] = []
    accepted: list[PolicyVersion] = []  # the file's own rows, unsaved, for the overlap check
    for number, row in enumerate(rows, start=first_row):
        if number - first_row >= MAX_ROWS:
            errors.append({"row": number, "field": "", "message": f"over {MAX_ROWS} rows"})
            break
        if not any(_text(row, c) for c in COLUMNS):
            continue  # a blank line
        try:
            args = _parse_row(row)
        except _RowError as exc:
            errors.append({"row": number, "field": exc.field, "message": str(exc)})
            continue
        region, version = args["region"], args["version"]
        others = stored_for(region, version) + accepted
        problem = overlap_problem(
            region, version, args["effective_from"], args["effective_to"], others
        )
        if problem:
            errors.append({"row": number, "field": "effective_from", "message": problem})
            continue
        accepted.append(
            PolicyVersion(
                region_prefix=region,
                version=version,
                effective_from=args["effective_from"],
                effective_to=args["effective_to"],
            )
        )
        parsed.append(args)
    if errors:
        raise ValidationFailed(
            _l("The file was not imported. Problems found: %(n)d.", n=len(errors)), {"rows": errors}
        )
    for args in parsed:
        add_version(**args)
    return len(parsed)


def _header_errors(header: Iterable[Any]) -> None:
    names = {str(h).strip() for h in header if h is not None}
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ValidationFailed(
            _l("The file was not imported. Problems found: %(n)d.", n=len(missing)),
            {"rows": [{"row": 1, "field": c, "message": "missing column"} for c in missing]},
        )


def read_file(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX file (by its suffix) as dicts keyed by the header."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        if not values:
            _header_errors([])
        header = [None if h is None else str(h).strip() for h in values[0]]
        _header_errors(header)
        return [
            {h: v for h, v in zip(header, line, strict=False) if h is not None}
            for line in values[1:]
        ]
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    _header_errors([h.strip() for h in reader.fieldnames or []])
    return [{(k or "").strip(): v for k, v in line.items()} for line in reader]


def import_file(path: Path) -> int:
    """`import_rows` of a CSV or XLSX file."""
    return import_rows(read_file(path))
