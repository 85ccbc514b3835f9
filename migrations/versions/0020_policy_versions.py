"""policy tables: effective-dated versions of a region's 低保/特困 standards and 临时救助 bands

Revision ID: 0020_policy_versions
Revises: 0019_pending_form
Create Date: 2026-12-01 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020_policy_versions"
down_revision = "0019_pending_form"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'policy_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('region_prefix', sa.String(length=6), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('effective_to', sa.Date(), nullable=True),
        sa.Column('dibao_fen', sa.Integer(), nullable=False),
        sa.Column('tekun_fen', sa.Integer(), nullable=True),
        sa.Column('bands', sa.JSON(), nullable=False),
        sa.Column('small_sum_limit_fen', sa.Integer(), nullable=False),
        sa.Column('paperwork_days', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
        sa.UniqueConstraint('version', name=op.f('uq_policy_versions_version')),
    )
    op.create_index(op.f('ix_policy_versions_region_prefix'), 'policy_versions', ['region_prefix'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_policy_versions_region_prefix'), table_name='policy_versions')
    op.drop_table('policy_versions')
