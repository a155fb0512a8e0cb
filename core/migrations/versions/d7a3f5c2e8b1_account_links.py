"""one-time account links, a school's deactivated memberships

Revision ID: d7a3f5c2e8b1
Revises: c4e1d2a7b9f3
Create Date: 2026-12-06 22:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

from core.sdk import UtcDateTime

# account_links is a school table: row-level security and its token-lookup policy (the
# same as api_tokens') come from the model when `houqin db upgrade` runs.
revision = 'd7a3f5c2e8b1'
down_revision = 'c4e1d2a7b9f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_links',
    sa.Column('tenant_id', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=10), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_account_links_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_links_user_id_users')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_account_links')),
    sa.UniqueConstraint('tenant_id', 'public_id', name=op.f('uq_account_links_tenant_id_public_id')),
    info={'rls_policies': [('houqin_token_lookup', 'SELECT', "public_id = nullif(current_setting('houqin.token_public_id', true), '')")]}
    )
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.create_index('ix_account_links_user', ['tenant_id', 'user_id'], unique=False)
        batch_op.create_index('ix_account_links_public_id', ['public_id'], unique=False)
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.drop_index('ix_account_links_public_id')
        batch_op.drop_index('ix_account_links_user')
    op.drop_table('account_links')
