import uuid

from flask_smorest import Blueprint
from sqlalchemy import select

from core.sdk import (
    MAX_PAGE_SIZE,
    NotFound,
    current_tenant,
    db,
    enqueue,
    hooks,
    page_of,
    requires,
)

from . import jobs
from .models import Note
from .schemas import ItemsJobSchema, NoteSchema
from .services import create_note

blp = Blueprint("notes_api", __name__, url_prefix="/api/v1/notes", description="Notes (test)")


@blp.route("")
@blp.response(200, NoteSchema(many=True))
@blp.paginate(page_size=50, max_page_size=MAX_PAGE_SIZE)
@requires("notes.read")
def list_notes(pagination_parameters):
    return page_of(select(Note).order_by(Note.created_at, Note.id), pagination_parameters,
                   dumped_by=NoteSchema)


@blp.route("", methods=["POST"])
@blp.arguments(NoteSchema)
@blp.response(201, NoteSchema)
@requires("notes.write")
def post_note(data):
    note = create_note(data["title"], data["body"])
    db.session.commit()
    return note


@blp.route("/<uuid:note_id>")
@blp.response(200, NoteSchema)
@requires("notes.read")
def get_note(note_id: uuid.UUID):
    note = db.session.scalar(select(Note).where(Note.id == note_id))
    if note is None:
        raise NotFound("no such note")
    return note


@blp.route("/<uuid:note_id>/items-job", methods=["POST"])
@blp.arguments(ItemsJobSchema)
@blp.response(202)
@requires("notes.write")
def start_items_job(data, note_id: uuid.UUID):
    if db.session.scalar(select(Note.id).where(Note.id == note_id)) is None:
        raise NotFound("no such note")
    run = enqueue(jobs.write_items, str(note_id), data["count"], data["fail_at"],
                  description="write items")
    db.session.commit()
    return {"job": str(run.id)}


@blp.route("/contributions")
@blp.response(200)
@requires("notes.read")
def contributions():
    lines = hooks().notes_contributions(tenant=current_tenant())
    return {"lines": sorted(line for group in lines for line in group)}
