import uuid

from sqlalchemy import select

from core.sdk import JobContext, db

from .models import Note, NoteItem
from .services import create_note


def write_items(ctx: JobContext, note_id: str, count: int, fail_at: int | None = None) -> int:
    """Write ``count`` items, checkpointing every 10; on its first attempt, fail at ``fail_at``.

    Work after the last checkpoint is rolled back on failure and redone on retry; work before
    it is kept and skipped, so the final rows are exactly 0..count-1, once each.
    """
    note_id = uuid.UUID(note_id)  # job arguments travel as JSON
    done = set(db.session.scalars(select(NoteItem.seq).where(NoteItem.note_id == note_id)))
    for seq in range(count):
        if seq == fail_at and ctx.attempt == 1:
            raise RuntimeError(f"simulated failure at item {seq}")
        if seq not in done:
            db.session.add(NoteItem(note_id=note_id, seq=seq))
        ctx.progress(seq + 1, count, f"item {seq + 1} of {count}")
        if (seq + 1) % 10 == 0:
            ctx.checkpoint()
    return count


def daily_digest(ctx: JobContext) -> str:
    notes = db.session.scalars(select(Note)).all()
    create_note("digest", f"{len(notes)} notes")
    return "ok"
