"""Accepting an upload and starting its import: one path for the API and the pages."""

from __future__ import annotations

import uuid

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.extensions import db
from core.jobs import enqueue
from core.jobs.models import JobRun
from core.rules import RuleBroken
from core.transfer import jobs
from core.transfer.columns import header_map
from core.transfer.models import ImportFile
from core.transfer.reader import UploadRefused, read_table


def accept_upload(kind: str, filename: str, content: bytes, max_bytes: int,
                  dry_run: bool = True) -> tuple[ImportFile, JobRun]:
    """Store the upload and start the job that previews (or imports) it.

    The file is read here once, so one that is not a spreadsheet, is too large or lacks a
    column is refused at once, before anything is stored.
    """
    headers, _rows = read_table(filename, content, max_bytes)
    missing = header_map(kind, headers)[1]
    if missing:
        raise UploadRefused(_("the header row lacks the column(s) %(columns)s",
                              columns="、".join(missing)))
    stored = ImportFile(kind=kind, filename=(filename or "upload")[:200], size=len(content),
                        content=content)
    db.session.add(stored)
    db.session.flush()
    audit.record("upload", "import_files", str(stored.id),
                 after={"kind": stored.kind, "filename": stored.filename, "size": stored.size})
    run = enqueue(jobs.run_import, str(stored.id), dry_run, description=f"import {stored.kind}")
    return stored, run


def get_upload(import_id: uuid.UUID) -> ImportFile:
    stored = db.session.scalar(select(ImportFile).where(ImportFile.id == import_id))
    if stored is None:
        raise RuleBroken(_("no such upload in this school"), "import_id", status=404)
    return stored


def import_for_real(import_id: uuid.UUID) -> tuple[ImportFile, JobRun]:
    """After a preview, import the same file; its good rows are kept, bad rows reported."""
    stored = get_upload(import_id)
    if stored.status == "imported":
        raise RuleBroken(_("this file was imported already"), "import_id", status=409)
    run = enqueue(jobs.run_import, str(stored.id), False, description=f"import {stored.kind}")
    return stored, run
