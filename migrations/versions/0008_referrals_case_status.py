"""referrals by case and status

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 21:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_referrals_case_status", "referrals", ["case_id", "status"])


def downgrade():
    op.drop_index("ix_referrals_case_status", table_name="referrals")
