"""Key rotation for the PII vault."""

from __future__ import annotations

from sqlalchemy import text

from marketplace.cases.vault import rotate
from marketplace.extensions import db

#: every encrypted column: table -> (primary key, columns). A new ``EncryptedText`` column is
#: added here (tests/unit/cases/test_vault.py checks that none is missing).
ENCRYPTED_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "case_private": (
        "case_id",
        ("name", "id_number", "phone", "address", "narrative", "household_members"),
    ),
    "cases": ("id", ("summary", "return_reason", "withdraw_reason", "outcome_note")),
    "need_lines": ("id", ("description",)),
    "case_follow_ups": ("id", ("note",)),
    "disbursements": ("id", ("payee_name", "purpose", "reason")),
    "referrals": ("id", ("decline_reason",)),
    "pending_forms": ("id", ("fields",)),
}


def rotate_private_data() -> int:
    """Re-encrypt every encrypted column (private case parts, typed free text, payee names)
    under the newest key; returns the number of rows.

    Works on the stored tokens directly (no decrypt/encrypt round trip through the ORM), in the
    caller's transaction.
    """
    count = 0
    for table, (key, columns) in ENCRYPTED_COLUMNS.items():
        rows = db.session.execute(
            text(f"SELECT {key}, " + ", ".join(columns) + f" FROM {table}")  # noqa: S608
        ).all()
        update = text(
            f"UPDATE {table} SET "  # noqa: S608 - fixed table and column names
            + ", ".join(f"{c} = :{c}" for c in columns)
            + f" WHERE {key} = :row_key"
        )
        for row in rows:
            values = {c: rotate(v) if v else v for c, v in zip(columns, row[1:], strict=True)}
            db.session.execute(update, {**values, "row_key": row[0]})
        count += len(rows)
    return count
