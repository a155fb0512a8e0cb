"""The notes as a register: imported from a sheet of titles, exported the same way."""

from sqlalchemy import select

from core.sdk import Register, RegisterColumn, RuleBroken, cells, db

from .models import Note


def load(values, titles):
    if values["title"] in titles:
        raise RuleBroken("a note with this title exists already", "title")
    titles.add(values["title"])
    return values


def write(rows):
    db.session.add_all(Note(title=row["title"], body=row.get("body") or "") for row in rows)
    db.session.flush()


NOTES = Register(
    name="notes", title="Notes", permission="notes.write", read_permission="notes.read",
    list_endpoint="notes_pages.index",
    columns=(RegisterColumn("title", ("标题", "title"), cells.text, required=True,
                            value=lambda note: note.title),
             RegisterColumn("body", ("内容", "body"), value=lambda note: note.body)),
    prepare=lambda: set(db.session.scalars(select(Note.title))), load=load, write=write,
    rows=lambda: db.session.scalars(select(Note).order_by(Note.title)))
