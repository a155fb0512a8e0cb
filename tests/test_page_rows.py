"""``page_of(..., dumped_by=Schema)``: a page read as rows of the dumped columns answers
exactly as the page of ORM objects does, for the school in context only."""

from types import SimpleNamespace

import pytest
from houqin_testnotes.models import Note
from houqin_testnotes.schemas import NoteSchema
from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.engine import Row

from core.api.pagination import page_of
from core.extensions import db
from core.sdk import Schema
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("notes")


class Titled(Schema):
    title = fields.String()
    shout = fields.String()  # not a column: a page of rows could not dump it


@pytest.fixture
def schools(app, make_school):
    ours, theirs = make_school("rows-ours", modules=("notes",)), make_school(
        "rows-theirs", modules=("notes",))
    for school, prefix in ((ours, "ours"), (theirs, "theirs")):
        with tenant_context(school):
            db.session.add_all([Note(title=f"{prefix} {i:02}", body="b" * i) for i in range(30)])
            db.session.commit()
    return ours, theirs


def listed(schema, dumped_by, page=1, size=20):
    parameters = SimpleNamespace(page=page, page_size=size, item_count=None)
    found = page_of(select(Note).order_by(Note.created_at, Note.id), parameters,
                    dumped_by=dumped_by)
    return found, parameters.item_count, schema.dump(found)


def test_rows_dump_as_the_objects_do_and_stay_in_the_school(app, schools):
    ours, _theirs = schools
    schema = NoteSchema(many=True)
    with tenant_context(ours):
        for page in (1, 2, 3):
            rows, rows_total, rows_dump = listed(schema, NoteSchema, page)
            db.session.rollback()
            objects, objects_total, objects_dump = listed(schema, None, page)
            assert rows_dump == objects_dump and rows_total == objects_total == 31  # 30 and the welcome note
            assert all(isinstance(row, Row) for row in rows)
            assert not any(isinstance(row, Row) for row in objects)
            assert not any(note["title"].startswith("theirs") for note in rows_dump)
        titles = {n["title"] for n in listed(schema, NoteSchema, 1, 31)[2]}
        assert {f"ours {i:02}" for i in range(30)} < titles and len(titles) == 31
        db.session.rollback()
        # The rows are not ORM objects: nothing of the page sits in the identity map.
        listed(schema, NoteSchema)
        assert not db.session.identity_map
        db.session.rollback()


def test_a_schema_reading_more_than_columns_gets_objects(app, schools):
    with tenant_context(schools[0]):
        found, total, _dump = listed(Titled(many=True), Titled)
    assert total == 31 and found and all(isinstance(note, Note) for note in found)


def test_a_page_past_the_end_still_counts(app, schools):
    with tenant_context(schools[0]):
        found, total, _dump = listed(NoteSchema(many=True), NoteSchema, page=9)
    assert found == [] and total == 31


def test_a_row_without_an_attribute_leaves_it_out(app, schools):
    with tenant_context(schools[0]):
        row = db.session.execute(select(Note.title, Note.body).limit(1)).one()
    assert NoteSchema().dump(row) == {"title": row.title, "body": row.body}
    assert NoteSchema(many=True).dump([row]) == [{"title": row.title, "body": row.body}]
