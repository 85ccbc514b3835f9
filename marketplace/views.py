"""Site-wide pages: home, language switch, API documentation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from marketplace.extensions import api, db
from marketplace.utils import safe_next_url

bp = Blueprint("core", __name__)


@bp.post("/language")
def set_language() -> Response:
    code = request.form.get("language", "")
    if code in current_app.config["LANGUAGES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("public.index"))


@bp.get("/api/docs")
def api_docs() -> str:
    spec: dict[str, Any] = api.spec.to_dict()
    return render_template("api_docs.html", spec=spec)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers (never looks at the database)."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Readiness: the database and, where configured, Redis answer; 200 or 503."""
    checks = {"database": _check_database()}
    storage = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    if storage.startswith("redis"):
        checks["redis"] = _check_redis(storage)
    ready = all(value == "ok" for value in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return "unavailable"
    return "ok"


def _check_redis(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError:
        return "unavailable"
    return "ok"
