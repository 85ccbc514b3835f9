"""ledger knows no domain: account ceilings, typed entry sources, balanced entries in the database

Revision ID: 0016_ledger_source
Revises: 0015_household_members
Create Date: 2026-12-01 10:00:00.000000

- ``ledger_accounts.ceiling_fen``: the most a case account may receive (the case's residual
  need, kept current by the cases domain), filled in for existing case accounts;
- ``journal_entries.source_type`` / ``source_id``: the document that caused an entry, filled in
  from the ``ref`` strings and memos that used to be parsed (``pledge:12``, ``disbursement:5``,
  ``project:4``, ``plan:3`` with memo ``plan item 9``, and a reversal's ``reverses_id``);
- on PostgreSQL, a deferred constraint trigger refuses at commit any journal entry whose postings
  do not balance or that has fewer than two postings.
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_ledger_source"
down_revision = "0015_household_members"
branch_labels = None
depends_on = None

MONEY_TOTAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

CEILINGS = """
UPDATE ledger_accounts SET ceiling_fen = (
    SELECT COALESCE(SUM(n.amount_fen), 0) FROM need_lines n
    WHERE n.case_id = ledger_accounts.case_id
      AND n.kind IN ('cash', 'in_kind') AND n.status = 'open'
)
WHERE kind = 'case' AND case_id IS NOT NULL
"""

BALANCED_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_entry_balances() RETURNS trigger AS $$
DECLARE
    entry integer;
    n integer;
    off bigint;
BEGIN
    IF TG_TABLE_NAME = 'postings' THEN
        entry := NEW.entry_id;
    ELSE
        entry := NEW.id;
    END IF;
    SELECT count(*),
           COALESCE(SUM(CASE WHEN side = 'debit' THEN amount_fen ELSE -amount_fen END), 0)
      INTO n, off
      FROM postings WHERE entry_id = entry;
    IF n < 2 OR off <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance (% postings, off by % fen)', entry, n, off
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

#: the tables whose inserts are checked, and their trigger
BALANCED_TRIGGERS = {"postings": "postings_balanced", "journal_entries": "journal_entries_balanced"}

_PLAN_ITEM = re.compile(r"^plan item (\d+)$")
_REF_SOURCES = {"pledge": "pledge", "disbursement": "disbursement", "project": "project"}


def _source(ref, memo, reverses_id):
    """(source_type, source_id) of an existing entry, as transparency used to work it out."""
    if reverses_id is not None:
        return "journal_entry", reverses_id
    prefix, _, raw = (ref or "").partition(":")
    if prefix in _REF_SOURCES and raw.isdigit() and len(raw) < 10:
        return _REF_SOURCES[prefix], int(raw)
    found = _PLAN_ITEM.match(memo or "")
    if prefix == "plan" and found:
        return "plan_item", int(found.group(1))
    return None


def fill_ceilings(bind):
    """Case accounts: the ceiling is the case's residual need (open cash and in-kind lines)."""
    bind.execute(sa.text(CEILINGS))


def fill_sources(bind):
    """Every entry's source, worked out from its ``ref``, memo and ``reverses_id``."""
    rows = bind.execute(
        sa.text("SELECT id, ref, memo, reverses_id FROM journal_entries ORDER BY id")
    ).all()
    updates = [
        {"id": row.id, "source_type": found[0], "source_id": found[1]}
        for row in rows
        if (found := _source(row.ref, row.memo, row.reverses_id)) is not None
    ]
    if not updates:
        return
    postgres = bind.dialect.name == "postgresql"
    if postgres:  # journal rows are immutable; only this backfill may fill the new columns
        bind.execute(sa.text("ALTER TABLE journal_entries DISABLE TRIGGER journal_entries_immutable"))
    bind.execute(
        sa.text(
            "UPDATE journal_entries SET source_type = :source_type, source_id = :source_id "
            "WHERE id = :id"
        ),
        updates,
    )
    if postgres:
        bind.execute(sa.text("ALTER TABLE journal_entries ENABLE TRIGGER journal_entries_immutable"))


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    with op.batch_alter_table("ledger_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ceiling_fen", MONEY_TOTAL, nullable=True))
    with op.batch_alter_table("journal_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source_type",
                sa.Enum(
                    "pledge",
                    "plan_item",
                    "disbursement",
                    "project",
                    "journal_entry",
                    name="journal_source_kind",
                    native_enum=False,
                    length=16,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_journal_entries_source", ["source_type", "source_id"], unique=False
        )

    fill_ceilings(bind)
    fill_sources(bind)

    if postgres:
        op.execute(BALANCED_FUNCTION)
        for table, trigger in BALANCED_TRIGGERS.items():
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {trigger} AFTER INSERT ON {table} "
                "DEFERRABLE INITIALLY DEFERRED "
                "FOR EACH ROW EXECUTE FUNCTION ledger_entry_balances()"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, trigger in BALANCED_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_entry_balances()")
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of journal_entries would drop
    # the table the postings point at
    op.drop_index("ix_journal_entries_source", table_name="journal_entries")
    op.drop_column("journal_entries", "source_id")
    op.drop_column("journal_entries", "source_type")
    op.drop_column("ledger_accounts", "ceiling_fen")
