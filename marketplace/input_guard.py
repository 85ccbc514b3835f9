"""One guard for every text input: control characters (NUL and the like, see
``schemas_base.CONTROL_CHARACTERS``) in a path parameter, the query string, a form (field names,
values, file names) or a JSON body are refused with a 422 naming the field, before any view, form
or database sees them (PostgreSQL refuses NUL in text; the others have no business in typed text).

The API answers ``{"error": "validation_error", "message": ..., "details": {field: [...]}}``; HTML
pages show the error page with status 422. The Stripe webhook is exempt: its signature covers the
raw bytes, which are never parsed here.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from marketplace.errors import ValidationFailed
from marketplace.schemas_base import (
    CONTROL_CHARACTERS,
    CONTROL_MESSAGE,
    control_character_errors,
    printable_name,
)
from marketplace.uploads import AppRequest

#: endpoints whose body is read raw and never parsed as text
EXEMPT_ENDPOINTS = frozenset({"payments_webhook.stripe_webhook"})


def _multidict_errors(values: MultiDict[str, Any], errors: dict[str, Any]) -> None:
    for key, items in values.lists():
        texts = [getattr(item, "filename", item) for item in items]  # uploads: their file name
        if CONTROL_CHARACTERS.search(key) or any(
            isinstance(text, str) and CONTROL_CHARACTERS.search(text) for text in texts
        ):
            errors[printable_name(key)] = [str(CONTROL_MESSAGE)]


def refuse(errors: dict[str, Any]) -> None:
    """Raise the 422 naming the fields in ``errors``."""
    raise ValidationFailed(
        _(
            "Control characters are not allowed. Remove them from: %(fields)s.",
            fields=", ".join(errors),
        ),
        errors,
    )


class GuardedRequest(AppRequest):
    """Checks a form body when it is parsed, within the body limit of its view (AppRequest)."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if self.endpoint in EXEMPT_ENDPOINTS:
            return
        errors: dict[str, Any] = {}
        _multidict_errors(self.form, errors)
        _multidict_errors(self.files, errors)
        if errors:
            refuse(errors)


def check_request() -> None:
    """``before_request``: path parameters, query string and JSON body."""
    if request.endpoint in EXEMPT_ENDPOINTS:
        return
    errors: dict[str, Any] = {}
    found = control_character_errors(request.view_args or {})
    errors.update(found or {})
    _multidict_errors(request.args, errors)
    if request.is_json:
        found = control_character_errors(request.get_json(silent=True))
        if isinstance(found, dict):
            errors.update(found)
        elif found:
            errors["_schema"] = found
    if errors:
        refuse(errors)


def register(app: Flask) -> None:
    app.request_class = GuardedRequest
    app.before_request(check_request)
