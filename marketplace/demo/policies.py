"""The demo's policy tables: the example city's 临时救助 bands (field report 002) for Jingzhou.

- ``4210-2026``: city-wide (荆州市), for the counties without their own version (荆州区,
  公安县). Its 低保 standard of 1,100 yuan is a **demo assumption** (no field report gives a
  city-wide figure);
- ``421002-2026``: 沙市区, 低保 1,301 yuan a month (field report 004), 特困 2,255 yuan.

Both from 2026-01-01, open-ended. Idempotent: a version whose label exists is skipped.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.policy import services
from marketplace.policy.entitlement import example_policy
from marketplace.policy.models import PolicyVersion

#: (region, version label, 低保 fen per person per month)
DEMO_POLICIES: list[tuple[str, str, int]] = [
    ("4210", "4210-2026", 110_000),
    ("421002", "421002-2026", 130_100),
]


def load_policies() -> int:
    """Add the demo's policy versions not yet stored; returns how many were added."""
    added = 0
    for region, label, dibao_fen in DEMO_POLICIES:
        if db.session.scalar(select(PolicyVersion.id).where(PolicyVersion.version == label)):
            continue
        services.add_version(
            region=region,
            version=label,
            effective_from=date(2026, 1, 1),
            effective_to=None,
            policy=example_policy(dibao_fen),
        )
        added += 1
    return added
