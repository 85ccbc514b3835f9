"""Re-measure issue 10's header finding against a running server with the demo data.

Usage: python scripts/measure_headers.py http://127.0.0.1:PORT

Requests carry ``X-Forwarded-Proto: https``, as the TLS-terminating proxy sends them, and a
``Referer`` on POSTs (Flask-WTF's HTTPS check). It reads 12 public HTML pages anonymously and 6
pages as the demo social worker (the last one shows decrypted private data), and prints how many
carry each security header, the session cookie set at sign-in and the HSTS answer over plain HTTP.
"""

from __future__ import annotations

import re
import sys

import requests

XFP = {"X-Forwarded-Proto": "https"}
HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Strict-Transport-Security",
)
TIMEOUT = 30


def _find(pattern: str, html: str, what: str) -> str:
    match = re.search(pattern, html)
    if match is None:
        raise SystemExit(f"not found: {what}")
    return match.group(1)


def _csrf(html: str) -> str:
    return _find(r'name="csrf_token"[^>]*value="([^"]+)"', html, "a CSRF token")


def main(base: str) -> None:
    https_base = base.replace("http:", "https:", 1)
    listing = requests.get(base + "/cases", headers=XFP, timeout=TIMEOUT)
    ref = _find(r'href="/cases/(JJN-[0-9A-Z]+)"', listing.text, "a public case (demo data?)")
    anonymous = [
        "/",
        "/cases",
        f"/cases/{ref}",
        "/transparency",
        "/transparency/districts",
        "/transparency/organizations",
        "/api/docs",
        "/open-data",
        "/login",
        "/register",
        "/projects",
        "/no-such-page",
    ]
    rows = [
        (
            "anonymous",
            p,
            requests.get(base + p, headers=XFP, allow_redirects=False, timeout=TIMEOUT),
        )
        for p in anonymous
    ]

    # The session cookie is Secure: carry it by hand over this plain-HTTP hop, as a browser would.
    jar = {**XFP, "Referer": https_base + "/login"}

    def keep(response: requests.Response) -> requests.Response:
        for cookie in response.raw.headers.getlist("Set-Cookie"):
            if not cookie.startswith("remember_token="):
                jar["Cookie"] = cookie.split(";")[0]
        return response

    page = keep(requests.get(base + "/login", headers=jar, timeout=TIMEOUT))
    form = {
        "email": "sw.shashi@demo.jjn.cn",
        "password": "demo-password-2026",
        "csrf_token": _csrf(page.text),
    }
    signed_in = keep(
        requests.post(
            base + "/login", headers=jar, data=form, allow_redirects=False, timeout=TIMEOUT
        )
    )
    cookies = [c for c in signed_in.raw.headers.getlist("Set-Cookie") if "Max-Age=0" not in c]
    print("sign-in:", signed_in.status_code)
    for cookie in cookies:
        print("  Set-Cookie:", re.sub(r"=[^;]+;", "=...;", cookie, count=1))
    work = keep(requests.get(base + "/work", headers=jar, timeout=TIMEOUT))
    mine = _find(r'href="/work/cases/(JJN-[0-9A-Z]+)"', work.text, "a case of the social worker")
    for p in ("/work", "/work/cases/new", f"/work/cases/{mine}", "/settings"):
        response = requests.get(base + p, headers=jar, allow_redirects=False, timeout=TIMEOUT)
        rows.append(("signed-in", p, keep(response)))
    manage = keep(requests.get(base + f"/work/cases/{mine}", headers=jar, timeout=TIMEOUT))
    private = requests.post(
        base + f"/work/cases/{mine}/private",
        headers=jar,
        data={"csrf_token": _csrf(manage.text)},
        timeout=TIMEOUT,
    )
    rows.append(("signed-in", f"POST /work/cases/{mine}/private", keep(private)))

    html = [row for row in rows if row[2].headers.get("Content-Type", "").startswith("text/html")]
    print(f"{len(html)} HTML responses")
    for name in HEADERS:
        print(f"  {name}: {sum(1 for *_, r in html if name in r.headers)}/{len(html)}")

    def csp(r: requests.Response) -> str:
        return r.headers.get("Content-Security-Policy") or ""

    framing = sum(1 for *_, r in html if "frame-ancestors 'none'" in csp(r))
    print(f"  CSP with frame-ancestors 'none': {framing}/{len(html)}")
    inline = sum(1 for *_, r in html if "unsafe-inline" in csp(r))
    print(f"  CSP allowing 'unsafe-inline' (script or style): {inline}/{len(html)}")
    private_rows = [row for row in html if row[0] == "signed-in"]
    no_store = sum(1 for *_, r in private_rows if "no-store" in r.headers.get("Cache-Control", ""))
    print(f"  signed-in pages with Cache-Control: no-store: {no_store}/{len(private_rows)}")
    public = [row for row in html if row[0] == "anonymous"]
    stored = sum(1 for *_, r in public if "no-store" in r.headers.get("Cache-Control", ""))
    print(f"  anonymous pages with no-store (public, may be cached): {stored}/{len(public)}")
    for who, p, r in html:
        print(f"    {who:9} {r.status_code} {p}")
    plain = requests.get(base + "/", allow_redirects=False, timeout=TIMEOUT)
    hsts = "sent" if "Strict-Transport-Security" in plain.headers else "not sent"
    print(f"plain HTTP, no X-Forwarded-Proto: {plain.status_code}, HSTS {hsts}")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
