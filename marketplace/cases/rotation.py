"""Key rotation for the PII vault."""

from __future__ import annotations

from sqlalchemy import text

from marketplace.cases.vault import rotate
from marketplace.extensions import db

_COLUMNS = ("name", "id_number", "phone", "address", "narrative", "household_members")


def rotate_private_data() -> int:
    """Re-encrypt all private case rows and disbursement payee names under the newest key;
    returns the number of rows.

    Works on the stored tokens directly (no decrypt/encrypt round trip through the ORM), in the
    caller's transaction.
    """
    rows = db.session.execute(
        text("SELECT case_id, " + ", ".join(_COLUMNS) + " FROM case_private")  # noqa: S608
    ).all()
    for row in rows:
        values = {c: rotate(v) if v else v for c, v in zip(_COLUMNS, row[1:], strict=True)}
        db.session.execute(
            text(
                "UPDATE case_private SET "  # noqa: S608 - fixed column names
                + ", ".join(f"{c} = :{c}" for c in _COLUMNS)
                + " WHERE case_id = :case_id"
            ),
            {**values, "case_id": row[0]},
        )
    payees = db.session.execute(text("SELECT id, payee_name FROM disbursements")).all()
    for did, token in payees:
        db.session.execute(
            text("UPDATE disbursements SET payee_name = :v WHERE id = :id"),
            {"v": rotate(token) if token else token, "id": did},
        )
    return len(rows) + len(payees)
