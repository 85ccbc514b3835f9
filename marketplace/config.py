"""Configuration from environment variables (see shared/API.md, "Configuration").

Secrets never have a constant default. In development and tests they are generated once per instance
folder (``instance/secrets.json``); in production they must come from the environment.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

_GENERATED = ("SECRET_KEY", "PII_ENCRYPTION_KEY", "PII_INDEX_KEY", "STRIPE_WEBHOOK_SECRET")


def _generate_secret(name: str) -> str:
    if name == "PII_ENCRYPTION_KEY":
        return Fernet.generate_key().decode()
    if name == "STRIPE_WEBHOOK_SECRET":
        return "whsec_dev_" + secrets.token_hex(16)
    return secrets.token_urlsafe(48)


def instance_secrets(instance_path: str) -> dict[str, str]:
    """Read (creating on first use) the per-instance development secrets file."""
    path = Path(instance_path) / "secrets.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in _GENERATED if name not in stored]
    if missing:
        stored.update({name: _generate_secret(name) for name in missing})
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh, indent=2)
    return stored


def load_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the app configuration: defaults, then environment, then explicit overrides."""
    overrides = dict(overrides or {})
    env = os.environ
    app_env = overrides.get("APP_ENV") or env.get("APP_ENV", "development")
    production = app_env == "production"
    cfg: dict[str, Any] = {
        "APP_ENV": app_env,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "marketplace.sqlite"),
        "PAYMENT_GATEWAY": env.get("PAYMENT_GATEWAY", "fake"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY", "sk_test_fake_local"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": app_env not in ("development", "testing"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": app_env not in ("development", "testing"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_CN", "en"],
        "LOG_LEVEL": env.get("LOG_LEVEL", "WARNING" if app_env == "testing" else "INFO"),
        "PLEDGE_RESERVATION_MINUTES": int(env.get("PLEDGE_RESERVATION_MINUTES", "30")),
        "RULE_PLEDGE_DAYS": int(env.get("RULE_PLEDGE_DAYS", "90")),
        "EMERGENCY_PAPERWORK_DAYS": int(env.get("EMERGENCY_PAPERWORK_DAYS", "15")),
        "CASE_PUBLICATION_DAYS": int(env.get("CASE_PUBLICATION_DAYS", "90")),
        "PER_PAGE": 12,
        # receipts: stored outside the web root, under random names
        "RECEIPTS_DIR": env.get("RECEIPTS_DIR") or str(Path(instance_path) / "receipts"),
        "RECEIPT_MAX_BYTES": int(env.get("RECEIPT_MAX_BYTES", str(10 * 1024 * 1024))),
        # images are refused above this many pixels, read from the header before decoding
        "RECEIPT_MAX_PIXELS": int(env.get("RECEIPT_MAX_PIXELS", "25000000")),
        "RECEIPT_DUE_DAYS": int(env.get("RECEIPT_DUE_DAYS", "30")),
        "API_TITLE": "救急难 Match API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "info": {
                "description": "Money is integer fen (amount_fen); times are ISO 8601 with a zone. "
                "Endpoints that need an account take Authorization: Bearer TOKEN "
                "(flask --app marketplace tokens create EMAIL)."
            },
        },
    }
    for name in _GENERATED:
        if env.get(name):
            cfg[name] = env[name]
    cfg.update(overrides)
    missing = [name for name in _GENERATED if not cfg.get(name)]
    if missing:
        if production:
            raise RuntimeError(f"missing required settings in production: {', '.join(missing)}")
        generated = instance_secrets(instance_path)
        cfg.update({name: generated[name] for name in missing})
    # never echo bound parameters (they can hold private case data) in error messages or logs
    engine_options: dict[str, Any] = {"hide_parameters": True}
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        engine_options["connect_args"] = {"timeout": 30}
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    return cfg
