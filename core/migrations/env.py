"""Alembic environment: run by ``houqin db ...`` with the app's metadata, as the owner role."""

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
metadata = config.attributes["metadata"]
only_tables = config.attributes.get("only_tables")


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and only_tables is not None:
        return name in only_tables
    # A table of a plugin this deployment does not load is not ours to drop.
    return not (type_ == "table" and reflected and compare_to is None)


def render_item(type_, obj, autogen_context):
    """Core's column types render through ``core.sdk``, so a plugin's migrations import
    nothing else of core."""
    from core.db import UtcDateTime

    if type_ == "type" and isinstance(obj, UtcDateTime):
        autogen_context.imports.add("from core.sdk import UtcDateTime")
        return "UtcDateTime(timezone=True)"
    return False


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run_with(connection)
    engine.dispose()


def _run_with(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
