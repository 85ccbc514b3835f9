"""Web helpers every package's forms share: the CSRF-only form and yuan <-> fen for inputs."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm


class CsrfForm(FlaskForm):
    """An empty form: CSRF protection for hand-built forms and action buttons."""


def yuan_to_fen(value: str) -> int:
    """``"1,234.5"`` -> 123450. Raises ValueError unless it is yuan with at most 2 decimals."""
    cleaned = value.strip().replace(",", "").replace(",", "").replace("¥", "").replace("元", "")
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", cleaned):
        raise ValueError(value)
    try:
        return int(Decimal(cleaned) * 100)
    except InvalidOperation as exc:  # pragma: no cover - regex already guards
        raise ValueError(value) from exc


def fen_to_yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    return f"{Decimal(fen) / 100:.2f}"
