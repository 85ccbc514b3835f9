"""Shared marshmallow pieces: strict money fields, translated error messages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from marketplace.cases.reference import MAX_FEN, MIN_FEN

#: marshmallow's built-in English messages -> translatable messages shown to users
_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("Unknown field."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid boolean.": _l("Choose yes or no."),
    "Not a valid list.": _l("Expected a list."),
    "Not a valid date.": _l("Enter a date as YYYY-MM-DD."),
    "Invalid input type.": _l("Wrong type of value."),
    "Invalid input.": _l("Invalid value."),
    "Field may not be null.": _l("This field may not be empty."),
    "Number too large.": _l("Number too large."),
    "Not a valid number.": _l("Enter a number."),
    "Invalid value.": _l("Invalid value."),
}


def translate_messages(messages: Any) -> Any:
    """Recursively replace marshmallow's default English messages by translated ones."""
    if isinstance(messages, dict):
        return {k: translate_messages(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translate_messages(m) for m in messages]
    if isinstance(messages, str) and messages in _MESSAGES:
        return str(_MESSAGES[messages])
    return str(messages) if messages is not None else messages


def money(required: bool = True, **kwargs: Any) -> fields.Integer:
    """Integer fen, 1 fen to 10,000,000 yuan; floats and strings are refused."""
    return fields.Integer(
        strict=True,
        required=required,
        validate=validate.Range(
            MIN_FEN, MAX_FEN, error=_l("Amounts run from 1 fen to 10,000,000 yuan.")
        ),
        **kwargs,
    )


def text(max_len: int, required: bool = False, min_len: int = 0, **kwargs: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(
            min=min_len,
            max=max_len,
            error=_l("Use between %(min)d and %(max)d characters.", min=min_len, max=max_len),
        ),
        **kwargs,
    )


def one_of(choices: Any, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(list(choices), error=_l("Not one of the allowed values.")),
        **kwargs,
    )


class PageArgs(Schema):
    page = fields.Integer(strict=False, load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(strict=False, load_default=20, validate=validate.Range(1, 100))
