"""Security headers on every response, through Flask-Talisman.

One call, :func:`register_security`, from ``create_app``. What it sets on every response (HTML,
JSON, errors and redirects included):

- ``Content-Security-Policy``: only this origin's scripts (plus a per-request nonce, available as
  ``csp_nonce()`` in templates, for any inline script that cannot be avoided), only this origin's
  stylesheets (no inline ``style=``: templates use classes from ``static/css/site.css``), no
  plugins, no framing, forms post only to this origin (and to Stripe Checkout when the Stripe
  gateway is on: a checkout redirect after a form POST is checked against ``form-action``);
- ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: strict-origin-when-cross-origin`` and a ``Permissions-Policy`` switching off
  powerful browser features;
- ``Strict-Transport-Security`` in production only, on requests that reached the site over HTTPS
  (``request.is_secure`` or ``X-Forwarded-Proto: https`` from the TLS-terminating proxy; browsers
  ignore HSTS received over plain HTTP anyway);
- ``Cache-Control: no-store`` on every response to a signed-in session or a bearer-token request
  (everything that may carry private data); anonymous public pages stay cacheable.

HTTPS redirects are not forced by the app, in any environment: TLS ends at the reverse proxy,
which owns the port-80 redirect, and the app itself is reached over plain HTTP by the proxy and by
health probes (a redirect there would break the probes, or loop behind a proxy that does not send
``X-Forwarded-Proto``). HSTS then keeps browsers on HTTPS.

Two views set their own, stricter policy with ``@talisman(content_security_policy=...)``: receipt
downloads (untrusted files, :data:`SANDBOX_CSP`) and stored monthly reports (immutable documents
with their own ``<style>`` block and no script, :data:`STORED_REPORT_CSP`). Inline style is
allowed nowhere else: the few ``style=`` attributes the templates had are classes in site.css, and
the funding bar is a ``<progress>`` element instead of a span with a computed width.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request, session
from flask_talisman import Talisman

#: For per-view options only (``@talisman(content_security_policy=...)`` marks the view function).
#: Each app gets its own :class:`Talisman` in :func:`register_security`: Talisman keeps its
#: settings on the instance, so one shared instance would let a second app (tests build several)
#: change the first one's headers.
talisman = Talisman()

CSP: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"

#: Uploaded files (receipts) as served: no script, no framing, a sandbox; only the site's
#: stylesheet and images, so that the HTML error page of these URLs (404) keeps its look.
SANDBOX_CSP: dict[str, str] = {
    "default-src": "'none'",
    "style-src": "'self'",
    "img-src": "'self'",
    "frame-ancestors": "'none'",
    "sandbox": "",
}

#: Stored monthly reports are immutable HTML documents (hashed, also the PDF's source) with their
#: own ``<style>`` block and no script: no script may run, the inline style may apply.
STORED_REPORT_CSP: dict[str, str] = {
    "default-src": "'none'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

PERMISSIONS_POLICY: dict[str, str] = {
    feature: "()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

HSTS_MAX_AGE = 365 * 24 * 3600


def content_security_policy(config: dict[str, Any]) -> dict[str, str]:
    """The site-wide policy for this configuration."""
    policy = dict(CSP)
    if config.get("PAYMENT_GATEWAY") == "stripe":
        policy["form-action"] += " " + STRIPE_CHECKOUT_ORIGIN
    return policy


def register_security(app: Flask) -> None:
    """Install the security headers and the private-response cache rule on ``app``."""
    production = app.config["APP_ENV"] == "production"
    app.extensions["talisman"] = Talisman(
        app,
        content_security_policy=content_security_policy(app.config),
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        permissions_policy=PERMISSIONS_POLICY,
        referrer_policy="strict-origin-when-cross-origin",
        x_content_type_options=True,
        force_https=False,
        strict_transport_security=production,
        strict_transport_security_max_age=HSTS_MAX_AGE,
        strict_transport_security_include_subdomains=True,
        # the cookie flags stay those of load_config (Talisman would otherwise overwrite them)
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=app.config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.after_request(_no_store_when_private)


def is_private_request() -> bool:
    """A signed-in session (Flask-Login's ``_user_id``) or a bearer token: the answer may carry
    private data. Reads the session only (no database query, so it also holds on error pages)."""
    return "_user_id" in session or "Authorization" in request.headers


def _no_store_when_private(response: Response) -> Response:
    if request.endpoint == "static" or not is_private_request():
        return response
    if "no-store" not in (response.headers.get("Cache-Control") or ""):
        response.headers["Cache-Control"] = "no-store"
    return response
