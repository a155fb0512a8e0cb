"""tenant domains, the registry version, and indexes for cross-school lookups

Revision ID: 4b0db797b6c5
Revises: 6585397d83d9
Create Date: 2026-12-06 19:00:00.000000
"""

import json

import sqlalchemy as sa
from alembic import op

# tenant_domains and registry_version describe schools rather than belong to one (like
# tenants), so they carry no row-level security: a request reads them before it has a school.
revision = '4b0db797b6c5'
down_revision = '6585397d83d9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    domains = op.create_table('tenant_domains',
    sa.Column('host', sa.String(length=253), nullable=False),
    sa.Column('school_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['tenants.id'], name=op.f('fk_tenant_domains_school_id_tenants')),
    sa.PrimaryKeyConstraint('host', name=op.f('pk_tenant_domains'))
    )
    with op.batch_alter_table('tenant_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_domains_school_id'), ['school_id'], unique=False)

    version = op.create_table('registry_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_version'))
    )
    op.bulk_insert(version, [{'id': 1, 'version': 1}])

    rows = op.get_bind().execute(sa.text('SELECT id, domains FROM tenants')).all()
    hosts = {}
    for school_id, names in rows:
        if isinstance(names, str):
            names = json.loads(names)
        for host in names or ():
            hosts.setdefault(host.lower(), school_id)
    if hosts:
        op.bulk_insert(domains, [{'host': h, 'school_id': s} for h, s in hosts.items()])

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_api_tokens_public_id', ['public_id'], unique=False)
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index('ix_memberships_user_id', ['user_id'], unique=False)
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.create_index('ix_guardians_user', ['tenant_id', 'user_id'], unique=False)
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_device_at', ['device', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_device_at')
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.drop_index('ix_guardians_user')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index('ix_memberships_user_id')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_api_tokens_public_id')
    op.drop_table('registry_version')
    with op.batch_alter_table('tenant_domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_domains_school_id'))
    op.drop_table('tenant_domains')
