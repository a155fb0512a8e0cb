"""The import job: reads a stored upload, imports (or previews) it, reports per row."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.jobs import JobContext
from core.messages import phrase
from core.transfer.columns import header_map
from core.transfer.importer import import_rows, mapped_columns
from core.transfer.models import ImportFile
from core.transfer.reader import UploadRefused, import_limits, read_table

CHECKPOINT_ROWS = 100


def run_import(ctx: JobContext, import_id: str, dry_run: bool) -> dict[str, Any]:
    """Import the upload; with ``dry_run``, check every row and write nothing.

    A real import checkpoints every 100 rows with how far it got, so a retry after a failure
    resumes there instead of importing rows twice.
    """
    upload = db.session.scalar(select(ImportFile).where(ImportFile.id == uuid.UUID(import_id)))
    if upload is None or upload.status == "imported":
        return {"error": _("this upload was imported already or no longer exists")}
    try:
        headers, rows = read_table(upload.filename, upload.content,
                                   current_app.config["IMPORT_MAX_BYTES"], import_limits(),
                                   columns=lambda row: sorted(header_map(upload.kind, row)[0]))
        mapped_columns(upload.kind, headers)  # a missing column refuses the file here
    except UploadRefused as exc:
        # The file is unusable as it is: the reason is the job's outcome, and the bytes of a
        # file that may be hostile are not kept.
        upload.status, upload.content = "refused", b""
        ctx.progress(0, 0, phrase("refused"))  # the reason is the result's error, shown once
        return {"kind": upload.kind, "dry_run": dry_run, "error": str(exc)}
    resume = dict(ctx.run.result or {})
    start = 0 if dry_run else resume.pop("next_row", 0)
    ctx.progress(start, len(rows), phrase("row %(row)s of %(rows)s", row=start + 1,
                                          rows=len(rows)))

    def progress(index: int, report: dict[str, Any]) -> None:
        ctx.progress(index, len(rows), phrase("row %(row)s of %(rows)s", row=index + 1,
                                              rows=len(rows)))
        if not dry_run:
            ctx.run.result = {**report, "next_row": index}
            ctx.checkpoint()

    report = import_rows(upload.kind, headers, rows, start=start,
                         report=resume or None, progress=progress)
    report["dry_run"] = dry_run
    counts = {"created": report["created"], "rows": report["rows"]}
    if dry_run:
        db.session.rollback()  # a preview writes nothing but its own record
        upload = db.session.scalar(select(ImportFile).where(ImportFile.id == uuid.UUID(import_id)))
        upload.status = "previewed"
    else:
        upload.status, upload.content = "imported", b""  # the rows are in the registers now
    # After the preview's rollback, which would otherwise take the outcome with it.
    ctx.progress(len(rows), len(rows),
                 phrase("%(created)s of %(rows)s rows would be imported", **counts) if dry_run
                 else phrase("%(created)s of %(rows)s rows imported", **counts))
    return report
