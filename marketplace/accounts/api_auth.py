"""Bearer-token authentication for the JSON API.

The API authenticates only by ``Authorization: Bearer TOKEN``, never by the session cookie, so a
browser session cannot be ridden into the API without CSRF protection.
"""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import User
from marketplace.accounts.services import user_for_token
from marketplace.errors import DomainError


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def api_user() -> User | None:
    """The user of this request's bearer token, or None for an anonymous request."""
    header = request.headers.get("Authorization", "")
    cached = g.get("api_user")
    if cached is not None and cached[0] == header:
        return cached[1]
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    g.api_user = (header, user)
    return user


def require_api_user() -> User:
    user = api_user()
    if user is None:
        raise Unauthorized(_l("Send a valid API token: Authorization: Bearer TOKEN."))
    return user
