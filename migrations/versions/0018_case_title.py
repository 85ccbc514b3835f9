"""a human title for a case, written by the social worker and checked by the anonymizer

Revision ID: 0018_case_title
Revises: 0017_case_form_token
Create Date: 2026-12-01 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_case_title'
down_revision = '0017_case_form_token'
branch_labels = None
depends_on = None


def upgrade():
    # nullable: cases recorded before titles show a generated one (category and county)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=60), nullable=True))


def downgrade():
    # plain DROP COLUMN (SQLite >= 3.35): a batch copy of `cases` fails on SQLite's foreign keys
    op.drop_column('cases', 'title')
