"""the intake form's one-time token on a case: a second submit of the same form finds the first case

Revision ID: 0017_case_form_token
Revises: 0016_ledger_source
Create Date: 2026-12-01 03:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_case_form_token'
down_revision = '0016_ledger_source'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_token', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_form_token'), ['form_token'], unique=True)


def downgrade():
    # plain DROP COLUMN (SQLite >= 3.35): a batch copy of `cases` fails on SQLite's foreign keys
    op.drop_index('ix_cases_form_token', table_name='cases')
    op.drop_column('cases', 'form_token')
