"""救急难 Match: the Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from marketplace.config import SAFE_ENVS, load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides settings (tests pass a database URL here)."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path, config))
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    register_logging(app)
    register_extensions(app)
    register_input_guard(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_security(app)
    return app


def register_security(app: Flask) -> None:
    from marketplace.security import register_security as _register

    _register(app)


def register_logging(app: Flask) -> None:
    from marketplace.logging_setup import configure_logging, register_access_log

    configure_logging(app.config.get("LOG_LEVEL") or "INFO")
    register_access_log(app)


def register_extensions(app: Flask) -> None:
    import marketplace.models  # noqa: F401 - every table on the metadata
    from marketplace.accounts.services import load_session_user
    from marketplace.extensions import api, babel, csrf, db, limiter, login_manager, migrate
    from marketplace.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_session_user)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    api.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)


def _sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    from marketplace.extensions import db

    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()


def register_input_guard(app: Flask) -> None:
    from marketplace import input_guard

    input_guard.register(app)


def register_blueprints(app: Flask) -> None:
    from marketplace import views as core_views
    from marketplace.accounts import views as account_views
    from marketplace.admin import views as admin_views
    from marketplace.cases import api as cases_api
    from marketplace.cases import views as case_views
    from marketplace.disbursements import api as disbursements_api
    from marketplace.disbursements import views as disbursement_views
    from marketplace.donors import api as pledges_api
    from marketplace.donors import fake_checkout, webhooks
    from marketplace.donors import views as donor_views
    from marketplace.extensions import api, csrf
    from marketplace.ngos import api as projects_api
    from marketplace.ngos import views as ngo_views
    from marketplace.notifications import views as notification_views
    from marketplace.opendata import api as opendata_api
    from marketplace.opendata import views as opendata_views
    from marketplace.plans import api as plans_api
    from marketplace.plans import views as plan_views
    from marketplace.policy import api as policy_api
    from marketplace.public import views as public_views
    from marketplace.reports import views as report_views
    from marketplace.transparency import api as transparency_api
    from marketplace.transparency import views as transparency_views

    for bp in (
        core_views.bp,
        public_views.bp,
        account_views.bp,
        case_views.bp,
        donor_views.bp,
        ngo_views.bp,
        notification_views.bp,
        plan_views.bp,
        disbursement_views.bp,
        opendata_views.bp,
        report_views.bp,
        webhooks.bp,
        transparency_views.bp,
        admin_views.bp,
    ):
        app.register_blueprint(bp)
    if app.config["APP_ENV"] in SAFE_ENVS and app.config["PAYMENT_GATEWAY"] == "fake":
        app.register_blueprint(fake_checkout.bp)  # the fake checkout exists nowhere else
    app.url_map.converters["case_ref"] = cases_api.CaseRefConverter
    for api_bp in (
        cases_api.bp,
        pledges_api.bp,
        projects_api.bp,
        plans_api.bp,
        disbursements_api.bp,
        opendata_api.bp,
        transparency_api.bp,
        policy_api.bp,
    ):
        api.register_blueprint(api_bp)
        csrf.exempt(api_bp)  # token-authenticated only; never reads the session cookie


def register_errorhandlers(app: Flask) -> None:
    from marketplace.errors import register_errorhandlers as _register

    _register(app)


def register_template_helpers(app: Flask) -> None:
    from marketplace import templating

    templating.register(app)


def register_commands(app: Flask) -> None:
    from marketplace.cli import register

    register(app)
