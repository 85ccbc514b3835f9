"""The demo data set: realistic, idempotent, and its ledger verifies."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.cases.models import Case
from marketplace.extensions import db


def test_demo_is_idempotent_and_verifies(ctx: Any, client: Any) -> None:
    runner = ctx.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = (
        db.session.scalar(select(func.count()).select_from(Case)),
        db.session.scalar(select(func.count()).select_from(User)),
    )
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "already" in second.output
    assert counts == (
        db.session.scalar(select(func.count()).select_from(Case)),
        db.session.scalar(select(func.count()).select_from(User)),
    )
    assert counts[0] >= 40
    roles = set(db.session.scalars(select(User.role)).all())
    assert roles == set(Role)
    statuses = set(db.session.scalars(select(Case.status)).all())
    assert {"draft", "submitted", "returned", "published", "withdrawn"} <= {
        s.value for s in statuses
    }
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0 and "ledger OK" in verify.output
    home = client.get("/", headers={"Accept-Language": "en"})
    assert home.status_code == 200 and "Raised" in home.text
    listing = client.get("/api/v1/cases?per_page=100").json
    assert listing["total"] >= 25 and any(c["funded_fen"] > 0 for c in listing["items"])


def test_demo_households_fit_their_stories() -> None:
    """Someone living alone is a household of 1; a child never lives alone (issue 12)."""
    import random

    from faker import Faker

    from marketplace.cases.anonymize import AGE_BANDS
    from marketplace.demo.stories import HOUSEHOLDS, STORIES, case_data

    assert len(HOUSEHOLDS) == len(STORIES)
    fake, rng = Faker("zh_CN"), random.Random(2026)
    children = set(AGE_BANDS[:3])  # 0-5, 6-11, 12-17
    for index in range(200):
        data = case_data(fake, rng, "421002", index)
        if "独居" in data["summary"]:
            assert data["household_size"] == 1, data["summary"]
        if data["age_band"] in children:
            assert data["household_size"] >= 2, data["summary"]
        assert 1 <= data["household_size"] <= 6
