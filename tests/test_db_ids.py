"""The data layer's small helpers for many rows at once: ``among`` (a column is one of many
values, one parameter on PostgreSQL) and ids made in order (``ascending_ids``, and
``id_block`` for SQL to count them up)."""

import uuid

import pytest
from houqin_testnotes.models import Note
from sqlalchemy import select, text

from core.db import ascending_ids, id_block
from core.db.among import among
from core.extensions import db
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("notes")


def test_among_finds_the_rows_with_any_of_many_values_in_the_school_only(app, make_school):
    school = make_school("among-a", modules=("notes",))
    other = make_school("among-b", modules=("notes",))
    with tenant_context(school):
        notes = [Note(title=f"第{n}条") for n in range(1500)]
        db.session.add_all(notes)
        db.session.commit()
        wanted = {note.id for note in notes[::3]}
        query = select(Note.id).where(among(Note.id, wanted))
        if db.engine.dialect.name == "postgresql":  # one array parameter, whatever the count
            compiled = query.compile(db.engine)
            assert "= ANY" in str(compiled) and len(compiled.params) == 1
        assert set(db.session.scalars(query)) == wanted
        assert db.session.scalars(select(Note.id).where(among(Note.id, []))).all() == []
        titles = db.session.scalars(select(Note.title).where(
            among(Note.title, ["第7条", "第8条", "没有"])).order_by(Note.title)).all()
        assert titles == ["第7条", "第8条"]
        db.session.rollback()
    with tenant_context(other):
        assert db.session.scalars(select(Note.id).where(among(Note.id, wanted))).all() == []
        db.session.rollback()


def test_ascending_ids_are_version_7_and_keep_the_order_they_were_made_in():
    ids = ascending_ids(500)
    assert len(set(ids)) == 500 and ids == sorted(ids)
    assert all(made.version == 7 and made.variant == uuid.RFC_4122 for made in ids)


@pytest.mark.postgres
def test_sql_counts_up_the_ids_of_a_block_as_its_docstring_says(app_factory, houqin_postgres):
    with app_factory(database=houqin_postgres).app_context():
        prefix, first = id_block(4)
        made = [uuid.UUID(str(value)) for value in db.session.scalars(text(
            "SELECT CAST(CAST(:prefix AS text) || lpad(to_hex(:first + n), 12, '0') AS uuid) "
            "FROM generate_series(0, 3) AS n ORDER BY n"), {"prefix": prefix, "first": first})]
        db.session.rollback()
    assert made == sorted(made) and len(set(made)) == 4
    assert all(value.version == 7 and value.variant == uuid.RFC_4122 for value in made)
    assert made[0].int >> 48 == made[3].int >> 48 and made[3].int - made[0].int == 3
