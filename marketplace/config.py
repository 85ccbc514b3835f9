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

#: APP_ENV values; anything else is refused. Only these two may use fakes and generated secrets.
SAFE_ENVS = ("development", "testing")
APP_ENVS = (*SAFE_ENVS, "production")


class UnsafeConfiguration(RuntimeError):
    """Production settings that could move fake money or expose a person: the app must not start.

    ``problems`` holds one line per problem, each naming the environment variable to set.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "refusing to start with an unsafe configuration:\n"
            + "\n".join(f"  - {line}" for line in problems)
        )


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
    production = app_env not in SAFE_ENVS  # an unknown APP_ENV is treated as production
    secure_cookies = production
    cfg: dict[str, Any] = {
        "APP_ENV": app_env,
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "marketplace.sqlite"),
        # the fake gateway and in-memory rate limits are development defaults only
        "PAYMENT_GATEWAY": env.get("PAYMENT_GATEWAY") or (None if production else "fake"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY")
        or (None if production else "sk_test_fake_local"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI")
        or (None if production else "memory://"),
        # number of reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0") or 0),
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "jjn"),
        # over HTTPS the session cookie is __Host- prefixed (Secure, Path=/, no Domain: this host
        # only). The remember cookie is never set (no remember-me) and keeps its name: Flask-Login
        # deletes it without Secure, which browsers ignore for a __Host- name.
        "SESSION_COOKIE_NAME": "__Host-session" if secure_cookies else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
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
    if production:
        given = bool(env.get("DATABASE_URL")) or "SQLALCHEMY_DATABASE_URI" in overrides
        problems = production_problems(cfg, database_url_given=given)
        if problems:
            raise UnsafeConfiguration(problems)
    missing = [name for name in _GENERATED if not cfg.get(name)]
    if missing:
        generated = instance_secrets(instance_path)
        cfg.update({name: generated[name] for name in missing})
    # never echo bound parameters (they can hold private case data) in error messages or logs
    engine_options: dict[str, Any] = {"hide_parameters": True}
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        engine_options["connect_args"] = {"timeout": 30}
    else:  # a connection lost while the server restarted is replaced, not handed out
        engine_options["pool_pre_ping"] = True
        engine_options["connect_args"] = {"connect_timeout": 5}
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    return cfg


def production_problems(cfg: dict[str, Any], *, database_url_given: bool = True) -> list[str]:
    """Every reason the settings are unsafe for production, one line each naming its variable.

    Checked at start (``load_config``): production must never run the fake gateway, test or
    absent Stripe keys, generated or missing secrets, in-memory rate limits or the default SQLite.
    """
    problems: list[str] = []
    if cfg.get("APP_ENV") not in APP_ENVS:
        problems.append(f"APP_ENV: unknown value {cfg.get('APP_ENV')!r}; use one of {APP_ENVS}")
    gateway = cfg.get("PAYMENT_GATEWAY")
    if gateway != "stripe":
        problems.append(
            f"PAYMENT_GATEWAY: must be 'stripe' in production (is {gateway or 'unset'!r}); "
            "the fake gateway pays pledges without money"
        )
    key = cfg.get("STRIPE_SECRET_KEY") or ""
    if not key:
        problems.append("STRIPE_SECRET_KEY: not set (a live key, sk_live_... or rk_live_...)")
    elif not key.startswith(("sk_live_", "rk_live_")):
        problems.append("STRIPE_SECRET_KEY: not a live key (must start with sk_live_ or rk_live_)")
    hook = cfg.get("STRIPE_WEBHOOK_SECRET") or ""
    if not hook.startswith("whsec_") or hook.startswith("whsec_dev_"):
        problems.append(
            "STRIPE_WEBHOOK_SECRET: not set to the endpoint's signing secret (whsec_...)"
        )
    for name in ("SECRET_KEY", "PII_INDEX_KEY"):
        value = cfg.get(name) or ""
        if len(value) < 32:
            problems.append(f"{name}: not set or shorter than 32 characters")
    fernet_keys = [k.strip() for k in (cfg.get("PII_ENCRYPTION_KEY") or "").split(",") if k]
    if not fernet_keys:
        problems.append("PII_ENCRYPTION_KEY: not set (Fernet keys, comma-separated, newest first)")
    for position, value in enumerate(fernet_keys, start=1):
        try:
            Fernet(value.encode())
        except ValueError:
            problems.append(f"PII_ENCRYPTION_KEY: key {position} is not a valid Fernet key")
    storage = cfg.get("RATELIMIT_STORAGE_URI") or ""
    if not storage.startswith(("redis://", "rediss://", "redis+sentinel://", "redis+cluster://")):
        problems.append(
            f"RATELIMIT_STORAGE_URI: must be a Redis URL in production (is {storage or 'unset'!r});"
            " memory storage counts per worker and lets login throttling be bypassed"
        )
    if not cfg.get("RATELIMIT_ENABLED", True):
        problems.append("RATELIMIT_ENABLED: rate limits cannot be switched off in production")
    if not database_url_given:
        problems.append(
            "DATABASE_URL: not set (production runs on PostgreSQL, not the SQLite default)"
        )
    return problems
