"""Shared marshmallow pieces: the base schema that refuses control characters, strict money
fields, translated error messages, the documented error body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate

from marketplace.money import MAX_FEN, MIN_FEN

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
    "String does not match expected pattern.": _l("This value is not in the expected format."),
}

#: marshmallow's built-in messages that carry numbers (validate.Length, validate.Range): the
#: English pattern -> a translatable message taking the same named numbers
_PATTERNS = [
    (
        re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
        _l("Length must be between %(min)s and %(max)s."),
    ),
    (
        re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"),
        _l("At most %(max)s characters or items."),
    ),
    (
        re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"),
        _l("At least %(min)s characters or items."),
    ),
    (re.compile(r"^Length must be (?P<equal>\d+)\.$"), _l("Length must be %(equal)s.")),
    (
        re.compile(
            r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to "
            r"(?P<max>\S+)\.$"
        ),
        _l("Enter a value from %(min)s to %(max)s."),
    ),
    (
        re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"),
        _l("Enter a value of at least %(min)s."),
    ),
    (
        re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"),
        _l("Enter a value of at most %(max)s."),
    ),
]


#: C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates (not
#: characters at all: they cannot be encoded as UTF-8 and reach no database intact)
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_MESSAGE = _l("Control characters are not allowed.")


def printable_name(name: Any) -> str:
    """A field name fit for an error body: control characters written as ``\\uXXXX``."""
    return CONTROL_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", str(name))


def control_character_errors(value: Any) -> Any:
    """Errors for every string (key or value) of ``value`` holding a control character, keyed
    as marshmallow keys its errors (field names; list positions as strings). None when clean."""
    if isinstance(value, str):
        return [str(CONTROL_MESSAGE)] if CONTROL_CHARACTERS.search(value) else None
    if isinstance(value, Mapping):
        errors: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and CONTROL_CHARACTERS.search(key):
                errors[printable_name(key)] = [str(CONTROL_MESSAGE)]
            elif (found := control_character_errors(item)) is not None:
                errors[printable_name(key)] = found
        return errors or None
    if isinstance(value, list | tuple):
        errors = {}
        for index, item in enumerate(value):
            if (found := control_character_errors(item)) is not None:
                errors[str(index)] = found
        return errors or None
    return None


class Schema(marshmallow.Schema):
    """Base of every input schema: text holding a control character (NUL and the like) is
    refused with a field error before any field reads it."""

    @pre_load(pass_collection=False)
    def _refuse_control_characters(self, data: Any, **_kwargs: Any) -> Any:
        errors = control_character_errors(data)
        if errors is not None:
            raise ValidationError(errors if isinstance(errors, dict) else {"_schema": errors})
        return data


class ErrorSchema(marshmallow.Schema):
    """The body of every API error (documentation only; see marketplace/errors.py)."""

    error = fields.String(
        required=True, metadata={"description": "machine-readable code, e.g. validation_error"}
    )
    message = fields.String(required=True, metadata={"description": "translated, for people"})
    details = fields.Dict(
        required=True,
        metadata={"description": "per field: messages, or nested fields (list items by index)"},
    )


def translate_messages(messages: Any) -> Any:
    """Recursively replace marshmallow's default English messages by translated ones."""
    if isinstance(messages, dict):
        return {k: translate_messages(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translate_messages(m) for m in messages]
    if isinstance(messages, str) and messages in _MESSAGES:
        return str(_MESSAGES[messages])
    if isinstance(messages, str):
        for pattern, message in _PATTERNS:
            if found := pattern.match(messages):
                return str(message) % found.groupdict()
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
