"""The entitlement arithmetic needs no application or database: skip the suite-wide table
cleanup here."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _clean_database() -> None:
    """Overrides the root fixture of the same name, which builds the app and empties tables."""
