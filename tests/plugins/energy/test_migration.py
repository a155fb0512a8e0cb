"""The migration that makes a meter name one of core's buildings: each meter whose building
text is the name of a building of the same school gets that building; a name that matches
none stays as written; another school's building of the same name is never taken. The
downgrade writes every meter's building back as text."""

import uuid
from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import JSON, Column, MetaData, Table, inspect, text

from core.app import create_app
from core.migrate import alembic_config, owner_engine
from core.testing import assert_migrations_hold

BEFORE = "7fdc748451e5"  # energy's meters with their building as text
SCHOOLS = {1: "north", 2: "south"}


def _app(database, tmp_path):
    return create_app({**database.config(), "INSTANCE_PATH": str(tmp_path / "instance"),
                       "SECRET_KEY": "test", "HOUQIN_PLUGINS": ["energy"]})


def _insert(connection, table: str, **values) -> None:
    """A row of ``table`` with ``values`` and something of the right type in every other
    column it requires (the tables as they were at ``BEFORE``)."""
    row = dict(values)
    columns = inspect(connection).get_columns(table)
    for column in columns:
        kind = str(column["type"]).upper()
        if column["name"] == "id" and "INT" not in kind:
            row.setdefault("id", _key(connection, uuid.uuid4()))
        elif not column["nullable"] and not (column["name"] == "id" and "INT" in kind):
            row.setdefault(column["name"], datetime(2026, 9, 1, tzinfo=UTC) if "TIME" in kind
                           else False if "BOOL" in kind else {} if "JSON" in kind
                           else 0 if "INT" in kind else "x")
    target = Table(table, MetaData(), *[
        Column(c["name"], JSON if "JSON" in str(c["type"]).upper() else c["type"])
        for c in columns if c["name"] in row])
    connection.execute(target.insert().values(**row))


def _key(connection, value: uuid.UUID):
    return value if connection.dialect.name == "postgresql" else value.hex


def _populate(connection) -> dict[str, uuid.UUID]:
    _insert(connection, "districts", id=1, slug="d", name="D", timezone="Asia/Shanghai")
    for tenant_id, slug in SCHOOLS.items():
        _insert(connection, "tenants", id=tenant_id, district_id=1, slug=slug, name=slug,
                type="primary", timezone="Asia/Shanghai", status="active", domains=[])
    buildings = {"north 教学楼": uuid.uuid4(), "south 教学楼": uuid.uuid4(),
                 "south 实验楼": uuid.uuid4()}
    for key, building_id in buildings.items():
        slug, name = key.split()
        _insert(connection, "buildings", tenant_id=1 if slug == "north" else 2,
                id=_key(connection, building_id), name=name)
    # number, school, building as typed
    for number, tenant_id, typed in (("N-1", 1, "教学楼"), ("N-2", 1, " 教学楼 "),
                                     ("N-3", 1, "实验楼"), ("N-4", 1, "锅炉房"), ("N-5", 1, ""),
                                     ("S-1", 2, "实验楼")):
        _insert(connection, "energy_meters", tenant_id=tenant_id, number=number, kind="water",
                unit="m³", building=typed, location="", digits=5, multiplier=1,
                installed_on=date(2026, 9, 1), created_by="x", version=1)
    return buildings


def _meters(connection, columns: str) -> dict[str, tuple]:
    found = connection.execute(text(f"SELECT number, {columns} FROM energy_meters"))
    return {row[0]: tuple(str(uuid.UUID(str(v))) if isinstance(v, uuid.UUID) or (
        isinstance(v, str) and len(v) == 32 and v.isalnum()) else v for v in row[1:])
        for row in found}


def test_meters_take_the_building_of_their_own_school_by_name(fresh_database, tmp_path):
    app = _app(fresh_database, tmp_path)
    with app.app_context():
        engine = owner_engine(app)
        with engine.begin() as connection:
            command.upgrade(alembic_config(app, connection), BEFORE)
        with engine.begin() as connection:
            buildings = _populate(connection)
            before = _meters(connection, "building")
        with engine.begin() as connection:
            command.upgrade(alembic_config(app, connection), "heads")
        with engine.connect() as connection:
            after = _meters(connection, "building_id, unmatched_building")
        north, south_lab = str(buildings["north 教学楼"]), str(buildings["south 实验楼"])
        assert after == {
            "N-1": (north, ""), "N-2": (north, ""),
            "N-3": (None, "实验楼"),  # only the other school has a 实验楼: kept as written
            "N-4": (None, "锅炉房"), "N-5": (None, ""),
            "S-1": (south_lab, ""),
        }
        with engine.begin() as connection:
            command.downgrade(alembic_config(app, connection), BEFORE)
        with engine.connect() as connection:
            restored = _meters(connection, "building")
        engine.dispose()
    # Back as text: each matched meter by its building's name (trimmed), the rest as typed.
    assert restored == {**before, "N-2": ("教学楼",)}


def test_the_energy_migrations_hold(fresh_database, tmp_path):
    assert_migrations_hold("energy", fresh_database, tmp_path / "instance")
