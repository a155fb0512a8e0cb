"""bill lines say whether they charge by the school day (per_absent_day)

Revision ID: a3c7e1f05b92
Revises: f85529774c96
Create Date: 2026-12-07 01:40:00

Lines already stored keep NULL: a bill line is never changed once written (the bill's audit
events name its lines), so the absence refunds read a NULL line the way they did before.
"""

import sqlalchemy as sa
from alembic import op

revision = 'a3c7e1f05b92'
down_revision = 'f85529774c96'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fees_bill_lines') as batch_op:
        batch_op.add_column(sa.Column('per_absent_day', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fees_bill_lines') as batch_op:
        batch_op.drop_column('per_absent_day')
