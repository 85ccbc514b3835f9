"""Structured (JSON lines) logging.

Log records carry ids, paths and status codes only: request bodies, form fields and private case
fields are never logged. Pass identifiers (case ``ref``, user id) in ``extra``, never values.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from flask_login import current_user

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        payload.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def register_access_log(app: Flask) -> None:
    """One JSON line per request: method, endpoint, path (no query string), status, duration.

    The query string is left out on purpose: search terms may hold anything a user typed.
    """
    access = logging.getLogger("marketplace.access")

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("request_started")
        user = getattr(current_user, "id", None) if current_user else None
        access.info(
            "request",
            extra={
                "method": request.method,
                "endpoint": request.endpoint,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "user_id": user,
            },
        )
        return response


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger("marketplace")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
