"""Locale selection and display helpers (money as ¥, times in Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """User setting first, then the session's switch, then ``Accept-Language``."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    if best and best.startswith("zh"):
        return "zh_CN"
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


def format_fen(fen: int | None) -> str:
    """Format integer fen as ``¥1,234.50`` with the locale's grouping."""
    if fen is None:
        return "—"
    value = Decimal(fen) / 100
    return "¥" + format_decimal(value, format="#,##0.00", locale=get_locale())


def format_when(value: datetime | date | None, fmt: str = "medium") -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # ISO 8601 from a dumped schema
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return format_datetime(value, fmt)
    return format_date(value, fmt)
