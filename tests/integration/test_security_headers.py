"""Security headers (issue 10, point 2): on every GET route of the URL map, as anonymous and as a
signed-in user, errors and redirects included; no-store on private answers; the stricter policies
of receipts and stored reports; HSTS and the ``__Host-`` cookie in production; templates that
need no inline script, handler or style."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.routing import Rule

from marketplace import create_app
from marketplace.accounts.models import OrgKind, Role
from marketplace.security import PERMISSIONS_POLICY, STRIPE_CHECKOUT_ORIGIN
from tests.conftest import PASSWORD, case_payload, csrf_from, login, make_user, token_for
from tests.integration.test_disbursements import _funded, _request, _upload
from tests.integration.test_plans import _published

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

# the site-wide policy, directive by directive ('nonce-...' is added to script-src per request)
SITE_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def parse_csp(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response: Any, where: str) -> dict[str, list[str]]:
    """The header set every response carries; returns the parsed CSP."""
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (where, name, response.headers.get(name))
    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions, (where, feature)
    csp = parse_csp(response.headers.get("Content-Security-Policy", ""))
    assert csp.get("frame-ancestors") == ["'none'"], (where, csp)
    assert csp.get("object-src", csp.get("default-src")) == ["'none'"], (where, csp)
    scripts = csp.get("script-src", csp.get("default-src", []))
    assert scripts, (where, csp)
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, (where, csp)
    assert "*" not in scripts and not any(s.startswith("http") for s in scripts), (where, csp)
    return csp


def assert_site_csp(csp: dict[str, list[str]], where: str) -> None:
    for directive, sources in SITE_CSP.items():
        got = {s for s in csp.get(directive, []) if not s.startswith("'nonce-")}
        assert got == sources, (where, directive, csp.get(directive))
    assert all(s.startswith("'nonce-") for s in csp["script-src"][1:]), (where, csp)


_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\b(?:src|nonce)=)[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
_JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """What the site's CSP would block in ``html``: inline scripts without a nonce, event
    handler attributes, javascript: URLs, style attributes and <style> blocks."""
    found: list[str] = []
    for pattern in (_INLINE_SCRIPT, _HANDLER, _STYLE_ATTR, _JS_URL):
        found += [m.group(0)[:80] for m in pattern.finditer(html)]
    found += [m.group(0) for m in re.finditer(r"<style\b[^>]*>", html, re.IGNORECASE)]
    return found


# ------------------------------------------------------------------------- every GET route

OWN_POLICY = ("disbursements.download", "disbursements_api.ReceiptFile", "reports.show")
SAMPLES = {"int": "1", "month": "2026-10", "session_id": "cs_fake_000000000000000000000000"}


def sample_path(rule: Rule, ref: str) -> str:
    values: dict[str, str] = {}
    for name, converter in rule._converters.items():
        if name == "ref":
            values[name] = ref
        elif name in SAMPLES:
            values[name] = SAMPLES[name]
        elif name == "filename":
            values[name] = "css/site.css"
        elif type(converter).__name__ == "IntegerConverter":
            values[name] = SAMPLES["int"]
        else:
            values[name] = "sample"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    assert "<" not in path, path
    return path


def get_paths(app: Flask, ref: str) -> list[tuple[str, str]]:
    rules = [r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())]
    assert len(rules) > 50
    return sorted((r.endpoint, sample_path(r, ref)) for r in rules)


def sweep(app: Flask, client: FlaskClient, ref: str, headers: dict[str, str] | None = None) -> Any:
    statuses: dict[int, int] = {}
    responses = []
    for endpoint, path in get_paths(app, ref):
        rv = client.get(path, headers=headers or {})
        where = f"{endpoint} {path} -> {rv.status_code}"
        statuses[rv.status_code] = statuses.get(rv.status_code, 0) + 1
        csp = assert_security_headers(rv, where)
        if endpoint in OWN_POLICY:
            assert csp["default-src"] == ["'none'"], where
        else:
            assert_site_csp(csp, where)
        if rv.mimetype == "text/html" and not (
            endpoint == "reports.show" and rv.status_code == 200
        ):
            assert inline_code(rv.text) == [], where
        rv.get_data()
        rv.close()  # the static file
        responses.append((endpoint, path, rv))
    return statuses, responses


@pytest.fixture
def social_worker_case(ctx: Flask, client: FlaskClient) -> tuple[str, str, dict[str, str]]:
    """A published case of a social worker (email, case ref, bearer headers)."""
    case, sw_headers = _published(client)
    return case.owner.email, case.ref, sw_headers


def test_every_get_route_carries_the_headers_anonymously(
    app: Flask, client: FlaskClient, social_worker_case: tuple[str, str, dict[str, str]]
) -> None:
    _email, ref, _headers = social_worker_case
    statuses, responses = sweep(app, client, ref)
    # the sweep meets real pages, redirects to the login and errors, and all carry the headers
    assert statuses.get(200, 0) >= 20 and statuses.get(302, 0) >= 5, statuses
    assert statuses.get(401, 0) >= 3 and statuses.get(404, 0) >= 3, statuses
    for endpoint, path, rv in responses:
        if endpoint in ("public.index", "public.case_detail", "transparency.index", "static"):
            assert "no-store" not in rv.headers.get("Cache-Control", ""), path  # public: cacheable


def test_every_get_route_carries_the_headers_signed_in(
    app: Flask, client: FlaskClient, social_worker_case: tuple[str, str, dict[str, str]]
) -> None:
    email, ref, _headers = social_worker_case
    assert login(client, email).status_code == 302
    statuses, responses = sweep(app, client, ref)
    assert statuses.get(200, 0) >= 25, statuses
    assert statuses.get(404, 0) >= 3 and statuses.get(403, 0) + statuses.get(302, 0) >= 1, statuses
    for endpoint, path, rv in responses:
        if endpoint != "static":  # every answer to a signed-in user, errors included
            assert "no-store" in rv.headers.get("Cache-Control", ""), (path, rv.status_code)
    manage = client.get(f"/work/cases/{ref}")
    assert manage.status_code == 200 and manage.headers["Cache-Control"] == "no-store"
    private = client.post(f"/work/cases/{ref}/private", data={"csrf_token": csrf_from(manage.text)})
    assert private.status_code == 200 and "13912345678" in private.text  # decrypted private data
    assert private.headers["Cache-Control"] == "no-store"
    assert_site_csp(assert_security_headers(private, "private page"), "private page")
    assert inline_code(private.text) == []


def test_bearer_token_answers_are_not_stored(
    ctx: Flask, client: FlaskClient, social_worker_case: tuple[str, str, dict[str, str]]
) -> None:
    _email, ref, headers = social_worker_case
    private = client.get(f"/api/v1/cases/{ref}/private", headers=headers)
    assert private.status_code == 200 and private.json["phone"] == "13912345678"
    assert private.headers["Cache-Control"] == "no-store"
    assert_site_csp(assert_security_headers(private, "private API"), "private API")
    for path in ("/api/v1/cases/mine", f"/api/v1/cases/{ref}/manage", "/api/v1/pledges/999999"):
        rv = client.get(path, headers=headers)
        assert rv.status_code in (200, 404), (path, rv.status_code)
        assert rv.headers["Cache-Control"] == "no-store", path
    public = client.get(f"/api/v1/cases/{ref}")
    assert public.status_code == 200 and "no-store" not in public.headers.get("Cache-Control", "")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def test_receipt_downloads_keep_their_sandbox(ctx: Flask, client: FlaskClient) -> None:
    case, sw, line = _funded(client)
    did = _request(client, case, sw, line).json["id"]
    uploaded = _upload(client, did, sw, _png(), "receipt.png")
    assert uploaded.status_code == 201, uploaded.json
    receipt_id = uploaded.json["id"]
    api = client.get(f"/api/v1/receipts/{receipt_id}/file", headers=sw)
    assert login(client, case.owner.email).status_code == 302
    html = client.get(f"/work/receipts/{receipt_id}")
    for where, rv in (("api", api), ("html", html)):
        assert rv.status_code == 200, where
        assert rv.headers["Content-Disposition"].startswith("attachment"), where
        csp = assert_security_headers(rv, where)
        assert csp == {
            "default-src": ["'none'"],
            "style-src": ["'self'"],
            "img-src": ["'self'"],
            "frame-ancestors": ["'none'"],
            "sandbox": [],
        }
        assert rv.headers["Cache-Control"] == "private, no-store", where
        assert rv.headers["X-Content-Type-Options"] == "nosniff", where
    # the site's own pages keep the site policy (the per-view policy does not leak)
    assert_site_csp(parse_csp(client.get("/").headers["Content-Security-Policy"]), "home")


def test_stored_report_may_style_itself_but_not_load_or_run_anything(
    ctx: Flask, client: FlaskClient
) -> None:
    from marketplace.extensions import db
    from marketplace.reports import services

    services.generate(services.parse_month("2026-10"))
    db.session.commit()
    rv = client.get("/transparency/reports/2026-10")
    assert rv.status_code == 200 and "<style>" in rv.text
    csp = assert_security_headers(rv, "report")
    assert csp["default-src"] == ["'none'"] and csp["style-src"] == ["'self'", "'unsafe-inline'"]
    assert "script-src" not in csp and "connect-src" not in csp
    assert inline_code(re.sub(r"<style>.*?</style>", "", rv.text, flags=re.DOTALL)) == []


# ------------------------------------------------------------------------------ templates


def _templates() -> Iterator[Path]:
    yield from sorted(TEMPLATES.rglob("*.html"))


def test_no_template_needs_unsafe_inline() -> None:
    offenders = {}
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        found = inline_code(text)
        if path.relative_to(TEMPLATES).as_posix() == "reports/monthly.html":
            # stored as an immutable document (PDF source too), served with STORED_REPORT_CSP
            found = [f for f in found if not f.startswith("<style")]
        if found:
            offenders[str(path.relative_to(TEMPLATES))] = found
    assert offenders == {}
    assert len(list(_templates())) > 40


def test_the_scanner_sees_what_the_csp_would_block() -> None:
    """The template check above cannot pass by a broken pattern."""
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<script type="module">x()</script>')
    assert not inline_code('<script src="/static/js/site.js" defer></script>')
    assert not inline_code('<script nonce="{{ csp_nonce() }}">x()</script>')
    assert inline_code('<button type="button" onclick="x()">')
    assert inline_code('<body\n  onload="x()">')
    assert not inline_code('<p data-confirm="sure?">online</p>')
    assert inline_code('<span style="width: 3%">')
    assert inline_code('<a href="javascript:void(0)">')
    assert inline_code("<style>p{}</style>")
    assert not inline_code('<svg><rect fill="#fff" width="3"></rect></svg>')


# ----------------------------------------------------------------------------- production

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "production-like-secret-key-for-tests-only-0123456789",
    "PII_ENCRYPTION_KEY": "Zm9yLXRlc3RzLW9ubHktMzItYnl0ZXMta2V5LTAwMDE=",
    "PII_INDEX_KEY": "production-like-index-key-for-tests-only-0123456789",
    "STRIPE_WEBHOOK_SECRET": "whsec_test",
    "PAYMENT_GATEWAY": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_not_a_real_key_0000000000",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "jjn-test-headers",
}


@pytest.fixture
def production_client(app: Flask, tmp_path: Path) -> FlaskClient:
    """The same database, served by an app built in production mode."""
    from tests.conftest import IsolatedClient

    production = create_app(
        {**PRODUCTION, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )
    production.instance_path = str(tmp_path)
    production.test_client_class = IsolatedClient
    return production.test_client()


def test_production_sets_hsts_and_a_host_only_secure_session_cookie(
    ctx: Flask, production_client: FlaskClient
) -> None:
    user = make_user(Role.social_worker)
    behind_proxy = {"X-Forwarded-Proto": "https"}
    page = production_client.get("/login", headers=behind_proxy, base_url="https://localhost")
    assert page.status_code == 200  # no redirect: TLS ends at the proxy
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    csp = assert_security_headers(page, "prod login")
    # the Stripe Checkout redirect after a pledge form is a form-action target
    assert csp.pop("form-action") == ["'self'", STRIPE_CHECKOUT_ORIGIN]
    assert_site_csp({**csp, "form-action": ["'self'"]}, "prod login")
    rv = production_client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        headers={**behind_proxy, "Referer": "https://localhost/login"},  # CSRF's HTTPS check
        base_url="https://localhost",
    )
    assert rv.status_code == 302
    cookies = rv.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("__Host-session="))
    attributes = {a.strip().split("=")[0].lower() for a in session_cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes and "Path=/;" in session_cookie + ";"
    assert "SameSite=Lax" in session_cookie
    assert not any(c.startswith("session=") for c in cookies)
    assert "no-store" in rv.headers["Cache-Control"]
    # no other cookie is set (the remember cookie only ever appears as a deletion: no remember-me)
    for response in (page, rv):
        for cookie in response.headers.getlist("Set-Cookie"):
            if "Max-Age=0" not in cookie:
                assert cookie.startswith("__Host-session=") and "; Secure" in cookie, cookie
    # over plain HTTP, the proxy's X-Forwarded-Proto says whether the browser used HTTPS
    proxied = production_client.get("/healthz", headers=behind_proxy)
    assert proxied.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # plain HTTP (the proxy's health probe) is answered, not redirected; no HSTS over HTTP
    probe = production_client.get("/healthz")
    assert probe.status_code == 200 and "Strict-Transport-Security" not in probe.headers
    assert_security_headers(probe, "prod healthz")


def test_development_and_testing_keep_plain_cookies_and_no_hsts(
    app: Flask, client: FlaskClient, ctx: Flask
) -> None:
    user = make_user(Role.social_worker, OrgKind.civil_affairs)
    rv = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in rv.headers
    signed_in = login(client, user.email)
    cookie = next(c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" not in cookie and "HttpOnly" in cookie  # http://127.0.0.1 keeps working
    assert app.config["SESSION_COOKIE_NAME"] == "session"
    assert "https://" not in " ".join(
        parse_csp(rv.headers["Content-Security-Policy"])["form-action"]
    )


def test_permissions_policy_switches_off_powerful_features(client: FlaskClient) -> None:
    value = client.get("/healthz").headers["Permissions-Policy"]
    assert value == ", ".join(f"{feature}=()" for feature in PERMISSIONS_POLICY)


def test_case_api_write_answers_are_not_stored(ctx: Flask, client: FlaskClient) -> None:
    headers = token_for(make_user(Role.social_worker))
    rv = client.post("/api/v1/cases", json=case_payload(), headers=headers)
    assert rv.status_code == 201 and rv.headers["Cache-Control"] == "no-store"
