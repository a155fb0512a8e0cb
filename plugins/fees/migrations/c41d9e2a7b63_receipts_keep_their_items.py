"""receipts keep the items they were issued for (items)

Revision ID: c41d9e2a7b63
Revises: a3c7e1f05b92
Create Date: 2026-12-07 05:30:00

Receipts issued before keep NULL and are shown as before, their items worked out from the
bill: what they would have kept cannot be told now if the bill has changed since.
"""

import sqlalchemy as sa
from alembic import op

revision = 'c41d9e2a7b63'
down_revision = 'a3c7e1f05b92'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fees_receipts') as batch_op:
        batch_op.add_column(sa.Column('items', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fees_receipts') as batch_op:
        batch_op.drop_column('items')
