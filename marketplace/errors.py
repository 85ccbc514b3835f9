"""Domain errors and the error handlers for HTML pages and the JSON API.

Services raise :class:`DomainError` subclasses; the API turns them into
``{"error": code, "message": ..., "details": {...}}`` with the error's status; views flash them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}

#: seconds a client is asked to wait while the database (or Redis) cannot be reached
RETRY_AFTER_SECONDS = 30


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean a backing service is unreachable (not a bug): answered with 503."""
    import redis.exceptions
    import stripe
    from sqlalchemy import exc

    return (
        exc.OperationalError,  # connection refused or lost, server shutting down, locked file
        exc.InterfaceError,
        exc.DisconnectionError,
        exc.TimeoutError,  # no connection free in the pool
        redis.exceptions.ConnectionError,  # rate-limit storage
        redis.exceptions.TimeoutError,
        stripe.APIConnectionError,  # the payment provider cannot be reached
    )


class DomainError(Exception):
    """A business rule refused the request. ``message`` is translatable and shown to users."""

    status = 400
    code = "bad_request"

    def __init__(
        self, message: Any, details: dict[str, Any] | None = None, code: str | None = None
    ):
        super().__init__(str(message))
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def jsonable(value: Any) -> Any:
    """``value`` made fit for JSON: mapping keys as strings (marshmallow keys list items by int
    index, and sorted keys cannot mix int and str), tuples and sets as lists, other objects
    (lazy translations, exceptions) as their text."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def error_body(status: int, message: str, details: Any = None, code: str | None = None) -> Any:
    """The contract's error response: ``{"error", "message", "details"}``, details an object."""
    details = jsonable(details) if details else {}
    if not isinstance(details, dict):
        details = {"_schema": details if isinstance(details, list) else [details]}
    response = jsonify(
        {"error": code or _CODES.get(status, "error"), "message": str(message), "details": details}
    )
    response.status_code = status
    return response


def _http_message(error: HTTPException) -> str:
    status = error.code or 500
    messages = {
        400: _l("The request could not be understood."),
        401: _l("Please sign in first."),
        403: _l("You do not have permission to do this."),
        404: _l("Not found."),
        405: _l("This method is not allowed here."),
        409: _l("The request conflicts with the current state."),
        413: _l("The request is too large."),
        415: _l("Unsupported content type."),
        422: _l("Some fields are not valid."),
        429: _l("Too many requests. Please wait a moment."),
    }
    return str(messages.get(status, error.name))


def json_error_response(error: HTTPException) -> Any:
    """Turn any HTTP error (incl. flask-smorest/webargs 422s) into the contract's JSON body."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    details: Any = data.get("messages") or {}
    if isinstance(details, dict) and set(details) <= {"json", "query", "form", "files", "path"}:
        # webargs nests by location; flatten the common single-location case
        if len(details) == 1:
            details = next(iter(details.values()))
    message = data.get("message") if isinstance(data.get("message"), str) else None
    response = error_body(status, message or _http_message(error), details)
    if hasattr(error, "get_headers"):
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    return response


def _drop_failed_transaction() -> None:
    """Roll the session back before an error page renders: the page loads the signed-in user and
    the notification bell, which on a failed session raise ``PendingRollbackError``."""
    from flask import current_app

    db = current_app.extensions["sqlalchemy"]  # not imported: extensions import this module
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001, S110 - the connection is gone; the pool replaces it
        pass


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Any:
        _drop_failed_transaction()
        if wants_json():
            return error_body(error.status, str(error.message), error.details, error.code)
        return render_template(
            "errors/error.html", status=error.status, message=str(error.message)
        ), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> Any:
        if error.response is not None:  # a ready answer (e.g. the sign-in lock page)
            return error.response
        _drop_failed_transaction()
        if wants_json():
            return json_error_response(error)
        status = error.code or 500
        return render_template(
            "errors/error.html", status=status, message=_http_message(error)
        ), status

    for error_class in _unreachable_errors():
        app.register_error_handler(error_class, handle_unavailable)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Any:  # pragma: no cover - exercised on bugs
        if isinstance(error, HTTPException):
            return handle_http_error(error)
        log.exception("unhandled error", extra={"path": request.path})
        _drop_failed_transaction()
        message = _("Something went wrong on our side. Nothing was changed.")
        if wants_json():
            return error_body(500, message)
        return render_template("errors/error.html", status=500, message=message), 500


def handle_unavailable(error: Exception) -> Any:
    """503 with Retry-After while the database or Redis cannot be reached; never a 500.

    Nothing here may touch the database: the signed-in user is not loaded (the page renders as
    for a visitor) and the failed transaction is dropped.
    """
    from flask import g
    from flask_login import AnonymousUserMixin

    log.warning("backing service unavailable: %s", type(error).__name__)
    _drop_failed_transaction()
    if "_login_user" not in g:
        g._login_user = AnonymousUserMixin()
    message = _("The service is briefly unavailable. Please try again in a minute.")
    if wants_json():
        response = error_body(503, message)
    else:
        page = render_template("errors/error.html", status=503, message=message)
        response = make_response(page, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
