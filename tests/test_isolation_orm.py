"""The ORM layer of tenant isolation, on whichever database the suite runs."""

import pytest
from houqin_testnotes.models import Note
from sqlalchemy import select, update

from core.extensions import db
from core.identity.models import Membership
from core.tenancy import (
    CrossTenantWrite,
    DistrictScope,
    NoTenantInContext,
    ReadOnlyScope,
    district_scope,
    identity_lookup,
    tenant_context,
)

pytestmark = pytest.mark.houqin_plugins("notes")


@pytest.fixture
def schools(app, make_school):
    a = make_school("school-a", modules=("notes",))
    b = make_school("school-b", modules=("notes",))
    c = make_school("school-c", district="district-b", modules=("notes",))
    for school in (a, b, c):
        with tenant_context(school):
            db.session.add(Note(title=f"note of {school.slug}"))
            db.session.commit()
    return a, b, c


def titles() -> set[str]:
    return set(db.session.scalars(select(Note.title)))


def test_each_school_sees_only_its_rows(schools):
    a, b, _ = schools
    with tenant_context(a):
        assert titles() == {"welcome", "note of school-a"}
    with tenant_context(b):
        assert titles() == {"welcome", "note of school-b"}


def test_query_without_school_raises_instead_of_returning_everything(schools):
    with pytest.raises(NoTenantInContext, match=r"\(notes\)"):
        db.session.scalars(select(Note)).all()
    with pytest.raises(NoTenantInContext):
        db.session.execute(update(Note).values(title="x"))


def test_insert_is_stamped_and_cannot_target_another_school(schools):
    a, b, _ = schools
    with tenant_context(a):
        note = Note(title="stamped")
        db.session.add(note)
        db.session.commit()
        assert note.tenant_id == a.id
        db.session.add(Note(title="smuggled", tenant_id=b.id))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
    with tenant_context(b):
        assert "smuggled" not in titles()


def test_write_without_school_is_refused(schools):
    db.session.add(Note(title="orphan"))
    with pytest.raises(NoTenantInContext):
        db.session.flush()
    db.session.rollback()


def test_get_by_primary_key_of_another_school_finds_nothing(schools):
    a, b, _ = schools
    with tenant_context(a):
        note_id = db.session.scalar(select(Note.id).where(Note.title == "note of school-a"))
    db.session.expunge_all()
    with tenant_context(b):
        assert db.session.scalar(select(Note).where(Note.id == note_id)) is None


def test_district_scope_reads_its_schools_only_and_never_writes(schools):
    a, b, _c = schools
    with district_scope(DistrictScope(a.district_id, (a.id, b.id), "test")):
        assert titles() == {"welcome", "note of school-a", "note of school-b"}
        with pytest.raises(ReadOnlyScope):
            db.session.execute(update(Note).values(title="x"))
        db.session.add(Note(title="from the district"))
        with pytest.raises(ReadOnlyScope):
            db.session.flush()
    db.session.rollback()


def test_identity_lookup_sees_own_memberships_and_no_school_data(schools, make_user):
    a, b, _ = schools
    mine = make_user(a, "class_teacher")
    make_user(b, "school_admin")
    db.session.expunge_all()
    with identity_lookup(user_id=mine.id):
        rows = db.session.scalars(select(Membership)).all()
        assert [(m.tenant_id, m.role) for m in rows] == [(a.id, "class_teacher")]
        assert db.session.scalars(select(Note)).all() == []



# --- statement shapes the guard must see through (each once leaked on SQLite) ------------


def test_counts_subqueries_exists_and_unions_are_scoped(schools):
    from sqlalchemy import func, union_all

    a, _, _ = schools
    with tenant_context(a):
        assert db.session.scalar(select(func.count()).select_from(Note)) == 2
        inner = select(Note).subquery()
        assert set(db.session.scalars(select(inner.c.title))) == {"welcome", "note of school-a"}
        gone = select(Note.id).where(Note.title == "note of school-b").exists()
        assert db.session.scalar(select(gone)) is False
        both = union_all(select(Note.title), select(Note.title).where(Note.title != "x"))
        assert "note of school-b" not in set(db.session.scalars(select(both.subquery().c.title)))
    with pytest.raises(NoTenantInContext):
        db.session.scalar(select(func.count()).select_from(Note))
    with pytest.raises(NoTenantInContext):
        db.session.scalars(select(select(Note).subquery().c.title)).all()


def test_bare_table_statements_on_school_tables_are_refused(schools):
    from sqlalchemy import exists

    a, _, _ = schools
    with tenant_context(a), pytest.raises(CrossTenantWrite, match="ORM models"):
        db.session.execute(update(Note.__table__).values(title="defaced"))
    with pytest.raises(CrossTenantWrite, match="ORM models"):
        db.session.execute(select(Note.__table__))
    with tenant_context(a), pytest.raises(CrossTenantWrite, match="exists"):
        db.session.scalar(select(exists().where(Note.title == "note of school-b")))
    db.session.rollback()


def test_bulk_insert_and_bulk_update_check_every_row(schools):
    from sqlalchemy import insert

    a, b, _ = schools
    with tenant_context(b):
        b_note = db.session.scalar(select(Note.id).where(Note.title == "note of school-b"))
    with tenant_context(a):
        with pytest.raises(CrossTenantWrite):
            db.session.execute(insert(Note), [{"tenant_id": b.id, "title": "forged", "body": ""}])
        with pytest.raises(CrossTenantWrite):
            db.session.execute(insert(Note), [{"title": "no school given", "body": ""}])
        with pytest.raises(CrossTenantWrite):
            db.session.execute(update(Note), [{"tenant_id": b.id, "id": b_note, "title": "x"}])
        db.session.execute(insert(Note), [{"tenant_id": a.id, "title": "bulk", "body": ""}])
        db.session.commit()
        assert "bulk" in titles()
    with pytest.raises(NoTenantInContext):
        db.session.execute(insert(Note), [{"tenant_id": b.id, "title": "nobody", "body": ""}])
    db.session.rollback()
    with tenant_context(b):
        assert titles() == {"welcome", "note of school-b"}


def test_identity_map_never_hands_over_another_schools_row(schools):
    a, b, _ = schools
    with tenant_context(a):
        note = db.session.scalar(select(Note).where(Note.title == "note of school-a"))
        key = (note.tenant_id, note.id)
    with tenant_context(b):
        assert db.session.get(Note, key) is None  # asks the database, which says no
    with pytest.raises(NoTenantInContext):
        db.session.get(Note, key)


def test_a_failed_flush_inside_a_scope_keeps_its_own_error_and_leaks_no_scope(schools):
    from sqlalchemy.exc import IntegrityError

    from core.tenancy import current_tenant

    a, _, _ = schools
    with pytest.raises(IntegrityError), tenant_context(a):
        db.session.add(Note(title=None, body=""))  # NOT NULL violated
        db.session.flush()
    assert current_tenant() is None
    db.session.rollback()
