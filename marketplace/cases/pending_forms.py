"""Forms that survive an expired session (issue 12 bug 4).

A long form (the intake form) or a checkout (a pledge, a company fund payment) posted after the
session or its CSRF token expired is not lost: its fields are kept here, encrypted at rest like
a case's private part, for the user who rendered the form, and given back once when that same
user opens the form's page again (after signing in). Kept forms expire after :data:`KEEP`.

Which user rendered the form is carried by the form itself: a claim signed with the app's secret
(:func:`owner_claim`, a hidden ``form_owner`` field), since an expired session no longer says.
The web side (``cases.resume``) reads the request; this module only takes plain values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select

from marketplace.cases.models import PendingForm
from marketplace.db_types import utcnow
from marketplace.extensions import db

#: how long a kept form waits for its user to sign in again
KEEP = timedelta(hours=24)
#: how long a rendered form's owner claim is honoured (a form left open over a weekend)
CLAIM_MAX_AGE = timedelta(days=3)
#: the hidden field carrying the claim; neither it nor the CSRF token is kept
OWNER_FIELD = "form_owner"
NOT_KEPT = frozenset({OWNER_FIELD, "csrf_token"})
MAX_FIELDS = 400
MAX_VALUE = 10_000

_SALT = "pending-form-owner"

#: POST endpoint -> the path of the page that shows its form again, from the view arguments.
#: Each domain registers its own forms (cases: intake and edit; donors: pledge, fund payment).
_FORMS: dict[str, Callable[[dict[str, Any]], str]] = {}


def resumable(endpoint: str, page: Callable[[dict[str, Any]], str]) -> None:
    """Keep the input of forms posted to ``endpoint``; ``page(view_args)`` shows them again."""
    _FORMS[endpoint] = page


def page_for(endpoint: str | None, view_args: dict[str, Any] | None) -> str | None:
    page = _FORMS.get(endpoint or "")
    if page is None:
        return None
    try:
        return page(view_args or {})
    except (KeyError, ValueError, LookupError):
        return None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def owner_claim(user_id: int) -> str:
    """A signed, dated statement "user ``user_id`` rendered this form"."""
    return _serializer().dumps({"u": user_id})


def claimed_owner(claim: str) -> int | None:
    """The user id in a valid, unexpired claim, else None."""
    if not claim or len(claim) > 500:
        return None
    try:
        data = _serializer().loads(claim, max_age=int(CLAIM_MAX_AGE.total_seconds()))
    except BadSignature:  # also SignatureExpired
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    return user_id if isinstance(user_id, int) else None


def _clean(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    kept: dict[str, list[str]] = {}
    for name, values in list(fields.items())[:MAX_FIELDS]:
        if name in NOT_KEPT or len(name) > 100:
            continue
        kept[name] = [str(v)[:MAX_VALUE] for v in values[:MAX_FIELDS]]
    return kept


def purge_expired(now: datetime | None = None) -> int:
    """Delete every kept form past its expiry; returns how many."""
    result = db.session.execute(
        delete(PendingForm).where(PendingForm.expires_at <= (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def keep(
    user_id: int, path: str, fields: dict[str, list[str]], now: datetime | None = None
) -> PendingForm:
    """Keep ``fields`` for ``user_id`` until they open ``path`` again (one per user and page:
    a newer post replaces the older). The caller commits."""
    now = now or utcnow()
    purge_expired(now)
    db.session.execute(
        delete(PendingForm).where(PendingForm.user_id == user_id, PendingForm.path == path)
    )
    row = PendingForm(
        user_id=user_id,
        path=path[:300],
        fields=json.dumps(_clean(fields), ensure_ascii=False),
        created_at=now,
        expires_at=now + KEEP,
    )
    db.session.add(row)
    db.session.flush()
    return row


def take(user_id: int, path: str, now: datetime | None = None) -> dict[str, list[str]] | None:
    """The fields ``user_id`` left on ``path``, deleted as they are given back; None when there
    are none (or they expired). Only the user who rendered the form gets them. Caller commits."""
    now = now or utcnow()
    row = db.session.scalars(
        select(PendingForm).where(PendingForm.user_id == user_id, PendingForm.path == path)
    ).first()
    if row is None:
        return None
    expired = row.expires_at <= now
    fields = None if expired else json.loads(row.fields)
    db.session.delete(row)  # flushed by the caller's commit
    return fields


def as_values(fields: dict[str, list[str]], lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """Flat template values: one value per field, except the ``lists`` (checkbox groups)."""
    values: dict[str, Any] = {k: (v[-1] if v else "") for k, v in fields.items()}
    for name in lists:
        values[name] = fields.get(name, [])
    return values
