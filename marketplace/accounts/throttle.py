"""Sign-in throttling (issue 10): limits per client IP and per account, counted in the shared
rate-limit storage (Redis in production, so every worker sees the same counts).

Only failed attempts count (a successful sign-in redirects). Past a limit the form answers 429
with a translated message until the window ends; the per-account ladder (10 a minute, 30 an hour,
100 a day) makes the lock grow for an attacker who keeps trying. Each lock writes one audit row.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import Response, render_template, request
from flask_babel import ngettext
from flask_limiter import RequestLimit
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.accounts.services import normalize_email
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.errors import ValidationFailed
from marketplace.extensions import db

#: per client IP (behind a proxy: set TRUSTED_PROXIES so the client's address is used)
PER_IP = "20 per minute;200 per day"
#: per account (the e-mail typed, whether or not such an account exists)
PER_ACCOUNT = "10 per minute;30 per hour;100 per day"

_ACCOUNT = "account"
_IP = "ip"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _typed_email() -> str:
    """The e-mail in the sign-in form, normalized as sign-in normalizes it (so spelling variants
    of one address share one bucket); an invalid address is kept as typed, lower-cased."""
    typed = (request.form.get("email") or "").strip()
    try:
        return normalize_email(typed)
    except ValidationFailed:
        return typed.lower()


def account_key() -> str:
    """The rate-limit bucket of the account named in the form (normalized e-mail, hashed)."""
    return f"{_ACCOUNT}:{_digest(_typed_email())}"


def failed(response: Response) -> bool:
    """Count an attempt only when it did not sign in (success answers with a redirect)."""
    return response.status_code != 302


def locked(limit: RequestLimit) -> Response:
    """The answer while locked: the sign-in form with a clear message, status 429."""
    _audit_lock(limit)
    db.session.commit()
    from marketplace.accounts.forms import LoginForm

    until = datetime.fromtimestamp(limit.reset_at, UTC)
    minutes = max(1, round((until - datetime.now(UTC)).total_seconds() / 60))
    message = ngettext(
        "Too many failed sign-in attempts. For your safety, signing in is paused for about "
        "%(num)d minute. Please try again later.",
        "Too many failed sign-in attempts. For your safety, signing in is paused for about "
        "%(num)d minutes. Please try again later.",
        minutes,
    )
    form = LoginForm()
    body = render_template("accounts/login.html", form=form, lock_message=message)
    response = Response(body, status=429, mimetype="text/html")
    response.headers["Retry-After"] = str(
        max(1, int(limit.reset_at - datetime.now(UTC).timestamp()))
    )
    return response


def _audit_lock(limit: RequestLimit) -> None:
    """One audit row per lock: the bucket and the end of its window identify the lock."""
    scope = _ACCOUNT if f"{_ACCOUNT}:" in limit.key else _IP
    bucket = account_key() if scope == _ACCOUNT else f"{_IP}:{_digest(request.remote_addr or '')}"
    object_id = f"{bucket}:{int(limit.reset_at)}"
    if db.session.scalar(select(AuditEvent.id).where(AuditEvent.object_id == object_id)):
        return
    user = None
    if scope == _ACCOUNT:
        email = _typed_email()
        user = db.session.scalar(select(User).where(User.email == email)) if email else None
    audit.record(
        None,
        "login.locked",
        "login",
        object_id,
        scope=scope,
        user_id=user.id if user else None,
        limit=str(limit.limit),
        until=datetime.fromtimestamp(limit.reset_at, UTC).isoformat(),
    )
