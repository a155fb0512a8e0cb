"""notification channels: secrets sealed apart from the settings, and a version

Revision ID: b7d2e9a4c1f8
Revises: f3c9a7e1d5b2
Create Date: 2026-12-07 05:20:00.000000

The secrets a channel kept in its plain settings (the robots' webhook addresses, the 钉钉
signing secret) move into ``secrets``, sealed with the deployment's key; run outside the
app (no key at hand) they are dropped instead, and the channels show that their secrets
must be re-entered. Going down, sealed secrets are dropped: the older code cannot open them.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = 'b7d2e9a4c1f8'
down_revision = 'f3c9a7e1d5b2'
branch_labels = None
depends_on = None

# The secret settings of core's own channel kinds, as they were when the secrets were plain.
CORE_SECRETS = {"wecom": ("webhook",), "dingtalk": ("webhook", "secret")}
TABLE = "notification_channels"


def _secret_fields() -> dict[str, tuple[str, ...]]:
    """Core's kinds, and those of the plugins the running app loaded (when there is one)."""
    found = dict(CORE_SECRETS)
    try:
        from core.notifications.channels import channel_kinds

        found.update({name: tuple(kind.secret_fields())
                      for name, kind in channel_kinds().items()})
    except (RuntimeError, KeyError):  # no app, or one without channels collected
        pass
    return found


def _seal(values):
    try:
        from core.notifications.sealing import seal

        return seal(values)
    except (RuntimeError, KeyError):  # no app: no key to seal with
        return None


def _rows(bind):
    """Every school's channels: the owner reads through row-level security (forced on
    PostgreSQL) only once it is lifted for this transaction; ``houqin db upgrade`` forces it
    again right after."""
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"ALTER TABLE {TABLE} NO FORCE ROW LEVEL SECURITY")
    table = sa.table(TABLE, sa.column("tenant_id"), sa.column("id"), sa.column("kind"),
                     sa.column("settings", sa.JSON), sa.column("secrets", sa.Text))
    return table, bind.execute(sa.select(table.c.tenant_id, table.c.id, table.c.kind,
                                         table.c.settings)).all()


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrets', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
    bind = op.get_bind()
    table, rows = _rows(bind)
    fields = _secret_fields()
    for tenant_id, row_id, kind, settings in rows:
        settings = json.loads(settings) if isinstance(settings, str) else dict(settings or {})
        secret = {key: settings.pop(key) for key in fields.get(kind, ())
                  if settings.get(key) not in (None, "")}
        for key in fields.get(kind, ()):
            settings.pop(key, None)
        bind.execute(table.update().where(table.c.tenant_id == tenant_id, table.c.id == row_id)
                     .values(settings=settings, secrets=_seal(secret) if secret else None))
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")


def downgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('secrets')
