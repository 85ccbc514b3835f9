"""Issue 10's probe, repeated: the running app probed as an attacker and an operator would.

gunicorn with 4 workers on a fresh PostgreSQL database with the demo data and Redis rate limits.
Prints one JSON document of figures (see README.md beside this file). Needs PostgreSQL on
127.0.0.1:5432 and Redis on 127.0.0.1:6379.

    .venv/bin/python benchmarks/security/probe.py [--fuzz-examples 30] [--skip-fuzz]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "demo-password-2026"  # noqa: S105 - the documented demo password
ROLES = {
    "social_worker": "sw.shashi@demo.jjn.cn",
    "reviewer": "reviewer.shashi@demo.jjn.cn",
    "custodian": "custodian@demo.jjn.cn",
    "ngo_staff": "ngo.sunshine@demo.jjn.cn",
    "company_staff": "csr.jingchu@demo.jjn.cn",
    "donor": "donor@demo.jjn.cn",
    "auditor": "auditor@demo.jjn.cn",
    "admin": "admin@demo.jjn.cn",
}
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Strict-Transport-Security",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE", "PAYMENT"))}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="probe-" + "k" * 48,
        PII_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        PII_INDEX_KEY="probe-" + "i" * 48,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=f"probe-{uuid.uuid4().hex[:8]}",
        TRUSTED_PROXIES="1",
        LOG_LEVEL="ERROR",
    )
    return env


def production_env(env: dict[str, str]) -> dict[str, str]:
    return {
        **env,
        "APP_ENV": "production",
        "PAYMENT_GATEWAY": "stripe",
        "STRIPE_SECRET_KEY": "sk_live_" + "p" * 24,  # never used: the probe pays nothing
        "STRIPE_WEBHOOK_SECRET": "whsec_" + "w" * 32,
    }


def flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        [str(BIN / "flask"), "--app", "marketplace", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def start_gunicorn(env: dict[str, str], workers: int = 4) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        + ["--timeout", "120", "marketplace:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if requests.get(url + "/healthz", timeout=5).ok:
                return proc, url
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not start")


def startup_refusals(env: dict[str, str]) -> dict[str, Any]:
    """APP_ENV=production with PAYMENT_GATEWAY unset (the finding), and with memory storage."""
    out = {}
    for label, change in {
        "payment_gateway_unset": {"PAYMENT_GATEWAY": None},
        "memory_rate_limits": {"RATELIMIT_STORAGE_URI": "memory://"},
        "stripe_test_key": {"STRIPE_SECRET_KEY": "sk_test_" + "x" * 24},
    }.items():
        trial = production_env(env)
        for name, value in change.items():
            if value is None:
                trial.pop(name, None)
            else:
                trial[name] = value
        result = subprocess.run(  # noqa: S603
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{free_port()}"]
            + ["marketplace:create_app()"],
            env=trial,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        lines = [ln.strip() for ln in result.stderr.splitlines() if ln.strip().startswith("- ")]
        out[label] = {"exit_code": result.returncode, "lines": sorted(set(lines))}
    return out


class Browser(requests.Session):
    """A session that also sends Secure cookies over the probe's plain HTTP (production sets
    Secure cookies; TLS ends at the reverse proxy, which the probe stands in for)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def login(url: str, email: str, ip: str = "192.0.2.10") -> requests.Session:
    session = Browser()
    session.headers["X-Forwarded-For"] = ip  # the same client throughout (session protection)
    headers = {"X-Forwarded-For": ip}
    page = session.get(url + "/login", headers=headers, timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token
    response = session.post(
        url + "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token[1]},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.status_code
    session.login_set_cookie = response.raw.headers.getlist("Set-Cookie")  # type: ignore[attr-defined]
    return session


def headers_probe(url: str) -> dict[str, Any]:
    cases = requests.get(url + "/api/v1/cases", timeout=30).json()["items"]
    ref = cases[0]["ref"]
    orgs = requests.get(url + "/transparency/organizations", timeout=30).text
    org_path = (re.search(r'href="(/(?:ngos|companies)/\d+)"', orgs) or [None, "/ngos/1"])[1]
    pages = [
        "/",
        "/cases",
        f"/cases/{ref}",
        "/transparency",
        "/transparency/reports",
        "/transparency/districts",
        "/transparency/organizations",
        org_path,
        "/open-data",
        "/login",
        "/register",
        "/api/docs",
    ]
    complete = 0
    missing: dict[str, list[str]] = {}
    for path in pages:  # as the TLS-terminating proxy forwards them
        response = requests.get(url + path, headers={"X-Forwarded-Proto": "https"}, timeout=30)
        csp = response.headers.get("Content-Security-Policy", "")
        script_src = re.search(r"script-src([^;]*)", csp)
        lacks = [h for h in SECURITY_HEADERS if h not in response.headers]
        if "frame-ancestors 'none'" not in csp and "X-Frame-Options" not in response.headers:
            lacks.append("frame-ancestors")
        if script_src and "'unsafe-inline'" in script_src[1]:
            lacks.append("script-src 'unsafe-inline'")
        if lacks:
            missing[path] = lacks
        else:
            complete += 1
    sw = login(url, ROLES["social_worker"])
    dashboard = sw.get(url + "/work", timeout=30)
    mine = sw.get(url + "/api/v1/cases/mine", timeout=30)
    private_page = None
    found = re.search(r"/work/cases/([A-Za-z0-9]+)\"", dashboard.text)
    if found:
        manage = sw.get(url + f"/work/cases/{found[1]}", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', manage.text)
        private_page = sw.post(
            url + f"/work/cases/{found[1]}/private",
            data={"csrf_token": token[1] if token else ""},
            timeout=30,
        )
    cookies = {
        line.split("=", 1)[0]: sorted(
            part.strip() for part in line.split(";")[1:] if "=" not in part or "SameSite" in part
        )
        for line in sw.login_set_cookie  # type: ignore[attr-defined]
    }
    return {
        "html_pages": len(pages),
        "pages_with_every_header": complete,
        "missing": missing,
        "private_page_cache_control": private_page.headers.get("Cache-Control")
        if private_page is not None
        else None,
        "signed_in_dashboard_cache_control": dashboard.headers.get("Cache-Control"),
        "own_cases_api_cache_control": mine.headers.get("Cache-Control"),
        "cookies_set_at_sign_in": cookies,
    }


def bad_login(url: str, email: str, ip: str) -> int:
    session = Browser()
    headers = {"X-Forwarded-For": ip}
    page = session.get(url + "/login", headers=headers, timeout=60)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token
    return session.post(
        url + "/login",
        data={"email": email, "password": "wrong-password-0", "csrf_token": token[1]},
        headers=headers,
        allow_redirects=False,
        timeout=60,
    ).status_code


def throttle_probe(url: str) -> dict[str, Any]:
    one_ip = [bad_login(url, f"guess{i}@example.org", "198.51.100.77") for i in range(30)]
    one_account = [bad_login(url, ROLES["donor"], f"203.0.113.{i + 1}") for i in range(30)]
    return {
        "one_ip_30_bad_logins_429": one_ip.count(429),
        "one_ip_first_429_at": one_ip.index(429) + 1 if 429 in one_ip else None,
        "one_account_30_ips_429": one_account.count(429),
        "one_account_first_429_at": one_account.index(429) + 1 if 429 in one_account else None,
    }


def fuzz_probe(url: str, tokens: dict[str, str], examples: int, tmp: Path) -> dict[str, Any]:
    """schemathesis CLI over every operation, as every role and anonymously."""
    totals: dict[str, Any] = {"runs": {}, "server_errors": 0, "failures": 0}
    for role, token in [("anonymous", ""), *tokens.items()]:
        report = tmp / f"{role}.ndjson"
        args = [
            str(BIN / "schemathesis"),
            "run",
            url + "/api/v1/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(examples),
            "--seed",
            "1",
            "--generation-allow-x00",
            "true",
            "--continue-on-failure",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
            "--request-timeout",
            "60",
        ]
        if token:
            args += ["-H", f"Authorization: Bearer {token}"]
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603
            args, cwd=ROOT, capture_output=True, text=True, check=False, timeout=3600
        )
        counts = summarize_ndjson(report)
        counts["exit_code"] = result.returncode
        counts["seconds"] = round(time.monotonic() - started, 1)
        totals["runs"][role] = counts
        totals["server_errors"] += counts["server_errors"]
        totals["failures"] += counts["failures"]
    totals["requests"] = sum(run["requests"] for run in totals["runs"].values())
    return totals


def summarize_ndjson(path: Path) -> dict[str, Any]:
    """Requests, server errors and failed checks (by name) from schemathesis' NDJSON events."""
    requests_made = 0
    server_errors = 0
    failures: dict[str, int] = {}
    if not path.exists():
        return {"requests": 0, "server_errors": 0, "failures": 0, "by_check": {}}
    for line in path.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        for interaction in (recorder.get("interactions") or {}).values():
            requests_made += 1
            status = (interaction.get("response") or {}).get("status_code") or 0
            server_errors += status >= 500
        for results in (recorder.get("checks") or {}).values():
            for check in results:
                if check.get("status") == "failure":
                    failures[check["name"]] = failures.get(check["name"], 0) + 1
    return {
        "requests": requests_made,
        "server_errors": server_errors,
        "failures": sum(failures.values()),
        "by_check": failures,
    }


def outage_probe(env: dict[str, str], database: str, seconds: float = 10.0) -> dict[str, Any]:
    """PostgreSQL stopped for ``seconds`` under requests (a TCP proxy in front of it is closed,
    then reopened on the same port): statuses during the outage and after it, no restart."""
    import threading
    from collections import Counter

    sys.path.insert(0, str(ROOT))
    from tests.integration.test_unavailable import _Proxy

    proxy = _Proxy(("127.0.0.1", 5432))
    proxy.start()
    proxied = {
        **env,
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/{database}",
    }
    proc, url = start_gunicorn(production_env(proxied))
    phase = {"name": "before"}
    counts: dict[str, Counter[int]] = {"before": Counter(), "down": Counter(), "after": Counter()}
    ready: dict[str, Counter[int]] = {"down": Counter(), "after": Counter()}
    stop = threading.Event()

    def load() -> None:
        paths = ["/", "/cases", "/api/v1/cases", "/transparency", "/api/v1/transparency/summary"]
        i = 0
        while not stop.is_set():
            name = phase["name"]
            try:
                status = requests.get(url + paths[i % len(paths)], timeout=30).status_code
            except requests.RequestException:
                status = 0
            counts[name][status] += 1
            i += 1

    threads = [threading.Thread(target=load, daemon=True) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(3)
        phase["name"] = "down"
        proxy.stop()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready["down"][requests.get(url + "/readyz", timeout=30).status_code] += 1
            time.sleep(1)
        healthz_down = requests.get(url + "/healthz", timeout=30).status_code
        proxy.start()
        phase["name"] = "after"
        time.sleep(5)
        ready["after"][requests.get(url + "/readyz", timeout=30).status_code] += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        proc.terminate()
        proc.wait(timeout=60)
        proxy.stop()
    return {
        "requests": {k: dict(sorted(v.items())) for k, v in counts.items()},
        "readyz": {k: dict(v) for k, v in ready.items()},
        "healthz_while_down": healthz_down,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fuzz-examples", type=int, default=30)
    parser.add_argument("--skip-fuzz", action="store_true")
    options = parser.parse_args()
    name = f"jjn_probe_{uuid.uuid4().hex[:8]}"
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["createdb", *pg, name], check=True)  # noqa: S603, S607
    figures: dict[str, Any] = {}
    try:
        env = base_env(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
        env["APP_ENV"] = "development"
        flask(env, "db", "upgrade")
        flask(env, "demo")
        tokens = {
            role: flask(env, "tokens", "create", email).strip() for role, email in ROLES.items()
        }
        figures["startup"] = startup_refusals(env)
        proc, url = start_gunicorn(production_env(env))
        try:
            figures["headers"] = headers_probe(url)
            figures["fake_checkout_route"] = requests.get(
                url + "/payments/fake/checkout/cs_fake_x", timeout=30
            ).status_code
            figures["throttle"] = throttle_probe(url)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        figures["outage"] = outage_probe(env, name)
        if not options.skip_fuzz:
            proc, url = start_gunicorn(env)  # development: the fake gateway lets pledges run
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    figures["fuzz"] = fuzz_probe(url, tokens, options.fuzz_examples, Path(tmp))
            finally:
                proc.terminate()
                proc.wait(timeout=60)
    finally:
        subprocess.run(["dropdb", *pg, "--if-exists", name], check=False)  # noqa: S603, S607
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
