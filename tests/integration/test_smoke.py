"""Every demo user can open every page their navigation offers, and the pages those link to
(one level deep), in both languages, without a server error."""

from __future__ import annotations

import re
from typing import Any

import pytest

from marketplace.demo import DEMO_PASSWORD, USERS
from marketplace.extensions import db
from tests.conftest import IsolatedClient, login

LINK = re.compile(r'href="(/[^"#?]*)"')
SKIP = ("/static/", "/logout", "/api/v1/openapi.json")


@pytest.fixture
def demo(app: Any, ctx: Any) -> None:
    from marketplace.demo import load_demo

    load_demo(n_cases=12)
    db.session.commit()


@pytest.mark.parametrize("email", [u[0] for u in USERS] + ["anonymous"])
def test_pages_open_without_server_errors(app: Any, demo: None, email: str) -> None:
    app.test_client_class = IsolatedClient
    client = app.test_client()
    if email != "anonymous":
        assert login(client, email, DEMO_PASSWORD).status_code == 302
    seen: set[str] = set()
    queue = ["/"]
    for lang in ("zh-CN", "en"):
        headers = {"Accept-Language": lang}
        depth_one = []
        for url in queue:
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (email, url)
            depth_one += [u for u in LINK.findall(response.text) if not u.startswith(SKIP)]
        for url in dict.fromkeys(depth_one):
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url, headers=headers)
            assert response.status_code < 500, (email, lang, url)
    assert len(seen) >= 5
