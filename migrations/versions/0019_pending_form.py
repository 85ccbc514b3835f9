"""forms kept across an expired session: a user's typed input, encrypted, for 24 hours

Revision ID: 0019_pending_form
Revises: 0018_case_title
Create Date: 2026-12-01 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019_pending_form"
down_revision = "0018_case_title"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_forms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('fields', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_forms_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_forms')),
        sa.UniqueConstraint('user_id', 'path', name='uq_pending_forms_user_path'),
    )
    op.create_index(op.f('ix_pending_forms_user_id'), 'pending_forms', ['user_id'], unique=False)
    op.create_index(op.f('ix_pending_forms_expires_at'), 'pending_forms', ['expires_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_pending_forms_expires_at'), table_name='pending_forms')
    op.drop_index(op.f('ix_pending_forms_user_id'), table_name='pending_forms')
    op.drop_table('pending_forms')
