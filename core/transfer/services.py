"""Accepting an upload and starting its import: one path for the API and the pages."""

from __future__ import annotations

import uuid

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.extensions import db
from core.files import upload_name
from core.jobs import enqueue
from core.jobs.models import JobRun
from core.rules import RuleBroken
from core.transfer import jobs
from core.transfer.models import ImportFile
from core.transfer.reader import check_upload, import_limits


def accept_upload(kind: str, filename: str, content: bytes, max_bytes: int,
                  dry_run: bool = True) -> tuple[ImportFile, JobRun]:
    """Store the upload and start the job that previews (or imports) it.

    Only cheap checks run here (size, kind of file, the zip's directory), so a request never
    unpacks a file: the job reads it, and a file that turns out to be unusable there (a
    missing column, a formula, too many rows) ends the job with the reason.
    """
    name = upload_name(filename)
    check_upload(name, content, max_bytes, import_limits())
    stored = ImportFile(kind=kind, filename=name, size=len(content),
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


def previewed_missing_classes(stored: ImportFile) -> list[list]:
    """The classes the upload's latest preview found missing (``[grade, class, rows]``)."""
    from core.jobs.registry import func_path

    runs = db.session.scalars(select(JobRun).where(JobRun.func == func_path(jobs.run_import))
                              .order_by(JobRun.created_at.desc()).limit(200))
    for run in runs:
        if run.args and run.args[0] == str(stored.id) and (run.result or {}).get("dry_run"):
            return list(run.result.get("missing_classes") or [])
    return []


def import_for_real(import_id: uuid.UUID, new_classes: list[list[str]] | None = None,
                    create_classes: bool = False) -> tuple[ImportFile, JobRun]:
    """After a preview, import the same file; its good rows are kept, bad rows reported.
    ``new_classes``: the ``[grade, class]`` pairs the preview found missing that the person
    confirmed; the import creates those still missing before its rows. ``create_classes``:
    confirm every class the latest preview found missing."""
    stored = get_upload(import_id)
    if stored.status == "imported":
        raise RuleBroken(_("this file was imported already"), "import_id", status=409)
    if stored.status == "refused":
        raise RuleBroken(_("this file cannot be imported: upload a corrected one"), "import_id",
                         status=409)
    if create_classes:
        new_classes = previewed_missing_classes(stored)
    if new_classes:
        run = enqueue(jobs.run_import, str(stored.id), False,
                      [[str(grade), str(name)] for grade, name, *_rest in new_classes],
                      description=f"import {stored.kind}")
    else:
        run = enqueue(jobs.run_import, str(stored.id), False, description=f"import {stored.kind}")
    return stored, run
