"""Small helpers shared by views."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login or a language switch."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def attempt(action: Callable[[], object], done: str) -> bool:
    """Run a service call for an HTML form: commit and flash ``done``, or roll back and flash
    the refusal's message. Returns whether it went through."""
    from flask import flash

    from marketplace.errors import DomainError
    from marketplace.extensions import db

    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return False
    db.session.commit()
    flash(done, "success")
    return True


def get_row(model: type[T], ident: int) -> T | None:
    """``session.get`` for an id from a URL: None beyond any stored id (and beyond what the
    databases can compare, which would otherwise be a server error)."""
    from marketplace.extensions import db

    return db.session.get(model, ident) if 0 < ident < 2**31 else None


def page_arg(limit: int = 10_000) -> int:
    """The ``page`` query argument of an HTML list: 1 when missing, not a number or out of
    range (a list page never fails on a bad page number)."""
    from flask import request

    page = request.args.get("page", 1, type=int) or 1
    return page if 1 <= page <= limit else 1
