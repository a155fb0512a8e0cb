"""meters name core's buildings

A meter's building was free text, because core's buildings were not readable by modules; now
it names one of the school's buildings by id. Each meter whose text is the name of a building
of the same school gets that building; a name that matches none stays, as written, in
``unmatched_building`` (the renamed text column), so nothing is lost: the meter's page shows
it until someone picks the building, which clears it.

Revision ID: 38a3b7364895
Revises: 7fdc748451e5
Create Date: 2026-12-07 05:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '38a3b7364895'
down_revision = '7fdc748451e5'
branch_labels = None
depends_on = 'f0b50ea7953b'  # core's buildings

FK = 'fk_energy_meters_tenant_id_building_id_buildings'


def _each_school(statements: list[str]) -> None:
    """Run ``statements`` once per school, as that school: on PostgreSQL row-level security
    is forced on both tables, for the migration's owner too, so each school's rows are
    reachable only with the school in the scope setting (as the app sets it)."""
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    for (tenant_id,) in bind.execute(sa.text('SELECT id FROM tenants')).all():
        if postgres:
            bind.execute(sa.text("SELECT set_config('houqin.tenant_id', :t, true)"),
                         {'t': str(tenant_id)})
        for statement in statements:
            bind.execute(sa.text(statement), {'t': tenant_id})
    if postgres:
        bind.execute(sa.text("SELECT set_config('houqin.tenant_id', '', true)"))


def upgrade() -> None:
    with op.batch_alter_table('energy_meters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('building_id', sa.Uuid(), nullable=True))
        batch_op.alter_column('building', new_column_name='unmatched_building',
                              existing_type=sa.String(length=80), existing_nullable=False)
        batch_op.create_foreign_key(op.f(FK), 'buildings', ['tenant_id', 'building_id'],
                                    ['tenant_id', 'id'])
    _each_school([
        "UPDATE energy_meters SET building_id = (SELECT b.id FROM buildings b"
        " WHERE b.tenant_id = energy_meters.tenant_id"
        " AND b.name = trim(energy_meters.unmatched_building))"
        " WHERE tenant_id = :t AND unmatched_building <> ''",
        "UPDATE energy_meters SET unmatched_building = ''"
        " WHERE tenant_id = :t AND building_id IS NOT NULL",
    ])


def downgrade() -> None:
    # The text column again holds every meter's building by name.
    _each_school([
        "UPDATE energy_meters SET unmatched_building = (SELECT b.name FROM buildings b"
        " WHERE b.tenant_id = energy_meters.tenant_id AND b.id = energy_meters.building_id)"
        " WHERE tenant_id = :t AND building_id IS NOT NULL",
    ])
    with op.batch_alter_table('energy_meters', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(FK), type_='foreignkey')
        batch_op.alter_column('unmatched_building', new_column_name='building',
                              existing_type=sa.String(length=80), existing_nullable=False)
        batch_op.drop_column('building_id')
