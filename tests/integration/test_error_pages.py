"""Error pages never touch a failed session (issue 12 bug 1): after a failed flush inside a view
the 500 page renders, translated, for the signed-in user instead of crashing in its handler."""

from __future__ import annotations

from typing import Any

from marketplace.donors import pledging
from tests.conftest import company_fund_page, csrf_from


def test_a_database_error_after_a_failed_flush_renders_the_translated_500_page(
    ctx: Any, client: Any, monkeypatch: Any
) -> None:
    fund, page = company_fund_page(client)
    # no check: the flush of an amount past the column's constraint fails inside the view
    monkeypatch.setattr(pledging, "_check_pledger", lambda donor, amount_fen: None)
    response = client.post(
        f"/company/funds/{fund.id}",
        data={"amount": "100000001", "csrf_token": csrf_from(page)},
        headers={"Accept-Language": "zh-CN"},
    )
    assert response.status_code == 500
    assert "系统出现错误，未做任何更改。" in response.text
    assert "Internal Server Error" not in response.text
