"""Production refuses an unsafe configuration at start (issue 10, point 1): one line per problem
naming the variable, a non-zero exit, no fake checkout routes outside development and testing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from marketplace import create_app
from marketplace.config import UnsafeConfiguration, production_problems

ROOT = Path(__file__).resolve().parents[2]

SAFE_ENV = {
    "APP_ENV": "production",
    "PAYMENT_GATEWAY": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_" + "a" * 24,
    "STRIPE_WEBHOOK_SECRET": "whsec_" + "b" * 32,
    "SECRET_KEY": "s" * 48,
    "PII_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "PII_INDEX_KEY": "i" * 48,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
}

#: each unsafe change and the variable its refusal line must name
UNSAFE = [
    ({"PAYMENT_GATEWAY": "fake"}, "PAYMENT_GATEWAY"),
    ({"PAYMENT_GATEWAY": None}, "PAYMENT_GATEWAY"),
    ({"STRIPE_SECRET_KEY": None}, "STRIPE_SECRET_KEY"),
    ({"STRIPE_SECRET_KEY": "sk_test_" + "a" * 24}, "STRIPE_SECRET_KEY"),
    ({"STRIPE_WEBHOOK_SECRET": None}, "STRIPE_WEBHOOK_SECRET"),
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"PII_ENCRYPTION_KEY": None}, "PII_ENCRYPTION_KEY"),
    ({"PII_ENCRYPTION_KEY": "not-a-fernet-key"}, "PII_ENCRYPTION_KEY"),
    ({"PII_INDEX_KEY": None}, "PII_INDEX_KEY"),
    ({"RATELIMIT_STORAGE_URI": None}, "RATELIMIT_STORAGE_URI"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
    ({"APP_ENV": "staging"}, "APP_ENV"),
]


def _env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SAFE_ENV and k != "DATABASE_URL"}
    env.update(SAFE_ENV)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'prod.sqlite'}"
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        args,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "from marketplace import create_app; create_app(); print('started')"
    return _run([sys.executable, "-c", code], env)


def test_a_safe_production_configuration_starts(tmp_path: Path) -> None:
    result = _start(_env(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "started" in result.stdout


@pytest.mark.parametrize(("change", "variable"), UNSAFE, ids=[v for _, v in UNSAFE])
def test_each_unsafe_setting_refuses_to_start(
    tmp_path: Path, change: dict[str, str | None], variable: str
) -> None:
    result = _start(_env(tmp_path, **change))
    assert result.returncode != 0
    assert "started" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip().startswith("- ")]
    assert any(line.strip().startswith(f"- {variable}:") for line in lines), result.stderr[-2000:]


def test_every_problem_is_listed_at_once() -> None:
    problems = production_problems({"APP_ENV": "production"}, database_url_given=False)
    named = {line.split(":", 1)[0] for line in problems}
    assert {
        "PAYMENT_GATEWAY",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "SECRET_KEY",
        "PII_ENCRYPTION_KEY",
        "PII_INDEX_KEY",
        "RATELIMIT_STORAGE_URI",
        "DATABASE_URL",
    } <= named


def test_gunicorn_refuses_to_boot_with_the_fake_gateway(tmp_path: Path) -> None:
    env = _env(tmp_path, PAYMENT_GATEWAY="fake")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    result = _run(
        [gunicorn, "--bind", "127.0.0.1:0", "--workers", "2", "marketplace:create_app()"], env
    )
    assert result.returncode != 0
    assert "PAYMENT_GATEWAY:" in result.stderr


def _production_app(tmp_path: Path, **overrides: Any) -> Any:
    config: dict[str, Any] = {k: v for k, v in SAFE_ENV.items() if k != "APP_ENV"}
    config.update(
        APP_ENV="production",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite'}",
        **overrides,
    )
    return create_app(config)


def test_fake_checkout_routes_exist_only_in_development_and_testing(
    tmp_path: Path, app: Any
) -> None:
    assert "payments.fake_checkout" in app.view_functions  # the test app (APP_ENV=testing)
    prod = _production_app(tmp_path)
    endpoints = {rule.endpoint for rule in prod.url_map.iter_rules()}
    assert not {e for e in endpoints if e.startswith("payments.")}
    assert all("/payments/fake" not in rule.rule for rule in prod.url_map.iter_rules())
    # the webhook stays
    assert any(rule.rule.endswith("/payments/stripe/webhook") for rule in prod.url_map.iter_rules())


def test_unsafe_override_raises(tmp_path: Path) -> None:
    with pytest.raises(UnsafeConfiguration) as info:
        _production_app(tmp_path, PAYMENT_GATEWAY="fake")
    assert any(line.startswith("PAYMENT_GATEWAY:") for line in info.value.problems)
