"""indexes for the district service-level table's fingerprint

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # the public service-level table is summed again when the newest planned_at or answered_at
    # changes; these indexes let each maximum be read without scanning the table
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_planned_at'), ['planned_at'], unique=False)

    with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_case_follow_ups_answered_at'), ['answered_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('case_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_follow_ups_answered_at'))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_planned_at'))
