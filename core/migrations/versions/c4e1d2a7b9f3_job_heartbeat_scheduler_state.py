"""job heartbeats, the scheduler's last minute, the cross-school sweep's index

Revision ID: c4e1d2a7b9f3
Revises: 4b0db797b6c5
Create Date: 2026-12-06 18:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

from core.sdk import UtcDateTime

# scheduler_state belongs to no school (one row for the deployment), so it carries no
# row-level security. The cross-school policies of job_runs, schedule_ticks and
# tenant_modules come from the models' rls_policies: `houqin db upgrade` installs them.
revision = 'c4e1d2a7b9f3'
down_revision = '4b0db797b6c5'
branch_labels = None
depends_on = None

_UNFINISHED = "status IN ('queued', 'running', 'retrying')"


def upgrade() -> None:
    op.create_table('scheduler_state',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_minute', UtcDateTime(timezone=True), nullable=False),
    sa.Column('skipped_minutes', sa.Integer(), nullable=False),
    sa.Column('last_pruned_at', UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_state'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_job_runs_unfinished', ['tenant_id', 'status'], unique=False,
                              postgresql_where=sa.text(_UNFINISHED),
                              sqlite_where=sa.text(_UNFINISHED))


def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_unfinished')
        batch_op.drop_column('heartbeat_at')
    op.drop_table('scheduler_state')
