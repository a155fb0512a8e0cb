"""The schema rules: tenant_id leads every key and index, and migrations match the models."""

import pytest
from sqlalchemy import inspect

from core.db.rls import tenant_tables
from core.extensions import db
from core.migrate import schema_diff


def _check_tenant_first(connection) -> list[str]:
    inspector = inspect(connection)
    # Declared with cross_school_index: lookups made before a school is known.
    cross_school = {index.name for table in db.metadata.tables.values()
                    for index in table.indexes if index.info.get("cross_school")}
    tenant = set(tenant_tables(connection))
    problems = []
    for table in tenant:
        pk = inspector.get_pk_constraint(table)["constrained_columns"]
        if pk[:1] != ["tenant_id"]:
            problems.append(f"{table}: primary key {pk}")
        for index in inspector.get_indexes(table):
            if index["column_names"][:1] != ["tenant_id"] and index["name"] not in cross_school:
                problems.append(f"{table}: index {index['name']} {index['column_names']}")
        for unique in inspector.get_unique_constraints(table):
            if unique["column_names"][:1] != ["tenant_id"]:
                problems.append(f"{table}: unique {unique['column_names']}")
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] in tenant and fk["constrained_columns"][:1] != ["tenant_id"]:
                problems.append(f"{table}: foreign key {fk['constrained_columns']}")
        if inspector.get_columns(table)[0]["name"] != "tenant_id":
            problems.append(f"{table}: tenant_id is not the first column")
    return problems


def test_tenant_id_leads_every_key_and_index(app):
    with db.engine.connect() as connection:
        assert {"notes", "note_items", "memberships"} <= set(tenant_tables(connection))
        assert _check_tenant_first(connection) == []


def test_models_and_migrations_agree(app):
    assert schema_diff(app) == []


@pytest.mark.postgres
def test_models_and_migrations_agree_on_postgres(app_factory, houqin_postgres):
    app = app_factory(database=houqin_postgres)
    with app.app_context():
        assert schema_diff(app) == []
        with db.engine.connect() as connection:
            assert _check_tenant_first(connection) == []
