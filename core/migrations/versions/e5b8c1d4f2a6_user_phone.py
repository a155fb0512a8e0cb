"""accounts signing in with a mobile number: users.phone, e-mail optional

Revision ID: e5b8c1d4f2a6
Revises: d7a3f5c2e8b1
Create Date: 2026-12-06 23:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = 'e5b8c1d4f2a6'
down_revision = 'd7a3f5c2e8b1'
branch_labels = None
depends_on = None

CHECK = "email IS NOT NULL OR phone IS NOT NULL"


def _rebuild_users(change) -> None:
    """Change ``users`` in place on PostgreSQL; on SQLite, which cannot drop NOT NULL, by
    SQLite's documented rebuild (copy, drop, rename). Every table that references users.id
    keeps its rows: foreign keys must not be enforced while the old table is dropped (its
    implicit delete would refuse, or cascade), and every reference is checked afterwards,
    before the migration's transaction may commit."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table('users') as batch_op:
            change(batch_op)
        return
    enforced = bind.exec_driver_sql("PRAGMA foreign_keys").scalar()
    if enforced:
        # A no-op inside a transaction: then refuse rather than risk the children.
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
        if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
            raise RuntimeError("users must be rebuilt with foreign keys off; run the upgrade"
                               " on a connection that enforces none (houqin db upgrade does)")
    try:
        with op.batch_alter_table('users', recreate='always') as batch_op:
            change(batch_op)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"rebuilding users broke references: {broken[:5]}")
    finally:
        if enforced:
            bind.exec_driver_sql("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    def change(batch_op):
        batch_op.add_column(sa.Column('phone', sa.String(length=11), nullable=True))
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_users_phone'), ['phone'])
        batch_op.create_check_constraint('email_or_phone', CHECK)

    _rebuild_users(change)


def downgrade() -> None:
    # An account with no e-mail address cannot go back to a table that requires one.
    if op.get_bind().execute(sa.text("SELECT 1 FROM users WHERE email IS NULL")).first():
        raise RuntimeError("some accounts sign in by mobile number only; give them an e-mail"
                           " address before downgrading")

    def change(batch_op):
        batch_op.drop_constraint(batch_op.f('ck_users_email_or_phone'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_users_phone'), type_='unique')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.drop_column('phone')

    _rebuild_users(change)
