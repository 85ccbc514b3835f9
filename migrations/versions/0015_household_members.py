"""household members in the private part of a case (encrypted JSON)

Revision ID: 0015_household_members
Revises: 0014_encrypt_free_text
Create Date: 2026-11-30 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_household_members'
down_revision = '0014_encrypt_free_text'
branch_labels = None
depends_on = None


def upgrade():
    # a Fernet token of a JSON list of {"relation", "name"}; NULL when none are recorded
    with op.batch_alter_table('case_private', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_members', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_private', schema=None) as batch_op:
        batch_op.drop_column('household_members')
