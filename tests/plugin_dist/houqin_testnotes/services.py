from sqlalchemy import func, select

from core.sdk import Invalid, db, module_settings, require_tenant

from .models import Note, NoteItem


def create_note(title: str, body: str = "") -> Note:
    require_tenant()
    limit = module_settings("notes").get("max_body_length", 2000)
    if len(body) > limit:
        raise Invalid(errors={"body": [f"at most {limit} characters in this school"]})
    note = Note(title=title, body=body)
    db.session.add(note)
    db.session.flush()
    return note


def item_count(note_id) -> int:
    return db.session.scalar(select(func.count()).where(NoteItem.note_id == note_id))
