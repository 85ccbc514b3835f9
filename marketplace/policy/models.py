"""The policy tables (issue 13 item 2): effective-dated versions of a region's policy.

A version belongs to a GB/T 2260 region prefix (2 digits a province, 4 a city, 6 a county or
district) and is in force from `effective_from` (inclusive) up to `effective_to` (**exclusive**;
``None``: open-ended), the same half-open rule as the bands: a version ending on 2027-01-01 and
the next one starting that day meet without overlap or gap.

The bands are stored as JSON, one dict per band: ``min_multiple`` and ``max_multiple`` as exact
fraction strings ("2", "5/2"; ``max_multiple`` ``None`` for the open-ended last band), ``min_fen``,
``max_fen`` (``None``: no fixed ceiling) and ``joint_meeting``. `services.to_policy` turns a row
into the pure `entitlement.Policy`, whose checks run on every import.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import Model


class PolicyVersion(Model):
    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: GB/T 2260 prefix: 2, 4 or 6 digits
    region_prefix: Mapped[str] = mapped_column(String(6), index=True)
    #: the label shown with an entitlement, e.g. "421002-2026"
    version: Mapped[str] = mapped_column(String(40), unique=True)
    effective_from: Mapped[date] = mapped_column(Date)
    #: exclusive; None while no later version is known
    effective_to: Mapped[date | None] = mapped_column(Date)
    #: 低保 standard, fen per person per month
    dibao_fen: Mapped[int] = mapped_column(Integer)
    #: 特困 standard, fen per person per month (None: not set by this region)
    tekun_fen: Mapped[int | None] = mapped_column(Integer)
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    small_sum_limit_fen: Mapped[int] = mapped_column(Integer)
    paperwork_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
