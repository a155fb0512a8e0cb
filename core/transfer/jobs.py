"""The import job: reads a stored upload, imports (or previews) it, reports per row."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.extensions import db
from core.jobs import JobContext
from core.messages import phrase
from core.rules import RuleBroken
from core.transfer.columns import KINDS, header_map
from core.transfer.importer import create_classes, import_rows, mapped_columns, missing_classes
from core.transfer.models import ImportFile
from core.transfer.reader import UploadRefused, import_limits, read_table
from core.transfer.registers import import_register, module_register, tally

CHECKPOINT_ROWS = 100


def run_import(ctx: JobContext, import_id: str, dry_run: bool,
               new_classes: list[list[str]] | None = None) -> dict[str, Any]:
    """Import the upload; with ``dry_run``, check every row and write nothing.

    A preview of a student list names the classes its rows ask for that the school lacks
    (``missing_classes`` in the report) and checks their rows as if they existed (``held``:
    how many would import once the classes are created; they are reported as errors, as they
    would be refused without the classes); a real import
    creates the ``new_classes`` the person confirmed (those still missing) before its first
    row, in the same transaction, so a failure before the first checkpoint leaves neither.

    A real import checkpoints every 100 rows with how far it got, so a retry after a failure
    resumes there instead of importing rows twice.
    """
    upload = db.session.scalar(select(ImportFile).where(ImportFile.id == uuid.UUID(import_id)))
    if upload is None or upload.status == "imported":
        return {"error": _("this upload was imported already or no longer exists")}
    if upload.kind not in KINDS:
        return _run_register_import(ctx, upload, dry_run)
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
    missing = missing_classes(upload.kind, headers, rows)
    confirmed = {tuple(pair[:2]) for pair in new_classes or []}
    # A preview creates every missing class, rolled back with the rest, to check the rows
    # as they would import; a real import only those the person confirmed.
    wanted = [c for c in missing if dry_run or tuple(c[:2]) in confirmed]
    try:
        created = create_classes(wanted)
    except RuleBroken as exc:
        db.session.rollback()
        return {"kind": upload.kind, "dry_run": dry_run, "error": str(exc),
                "missing_classes": missing}
    if created and not dry_run:
        audit.record("import", "import_files", import_id,
                     after={"kind": upload.kind, "created_classes": created})
        # Kept in the report from the start, so a resumed import still tells them.
        resume = {"kind": upload.kind, "rows": 0, "created": 0, "errors": [], **resume,
                  "created_classes": created}
    ctx.progress(start, len(rows), phrase("row %(row)s of %(rows)s", row=start + 1,
                                          rows=len(rows)))

    def progress(index: int, report: dict[str, Any]) -> None:
        ctx.progress(index, len(rows), phrase("row %(row)s of %(rows)s", row=index + 1,
                                              rows=len(rows)))
        if not dry_run:
            ctx.run.result = {**report, "next_row": index}
            ctx.checkpoint()

    report = import_rows(upload.kind, headers, rows, start=start,
                         report=resume or None, progress=progress,
                         held=[tuple(c) for c in created] if dry_run else ())
    report["dry_run"] = dry_run
    if dry_run:
        report["missing_classes"] = missing
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


def _run_register_import(ctx: JobContext, upload: ImportFile, dry_run: bool) -> dict[str, Any]:
    """A module's register: every row checked, then the good ones written at once (see
    ``core.transfer.registers``); a preview's writes are rolled back. Written in one
    transaction, a real import has no checkpoint: a retry starts again from the first row."""
    found = module_register(upload.kind)
    if found is None:  # the module was switched off since the upload
        return {"kind": upload.kind, "dry_run": dry_run,
                "error": _("this register's module is switched off in this school")}
    register = found[1]
    import_id = upload.id
    try:
        headers, rows = read_table(upload.filename, upload.content,
                                   current_app.config["IMPORT_MAX_BYTES"], import_limits(),
                                   columns=lambda row: sorted(header_map(register.columns,
                                                                         row)[0]))
        ctx.progress(0, len(rows), phrase("row %(row)s of %(rows)s", row=1, rows=len(rows)))
        report = import_register(register, headers, rows, progress=lambda index, _r: ctx.progress(
            index, len(rows), phrase("row %(row)s of %(rows)s", row=index + 1, rows=len(rows))))
    except UploadRefused as exc:
        db.session.rollback()
        upload = db.session.scalar(select(ImportFile).where(ImportFile.id == import_id))
        upload.status, upload.content = "refused", b""
        ctx.progress(0, 0, phrase("refused"))
        return {"kind": upload.kind, "dry_run": dry_run, "error": str(exc)}
    except RuleBroken as exc:  # a rule over the rows together: nothing is written
        db.session.rollback()
        return {"kind": upload.kind, "dry_run": dry_run, "error": str(exc)}
    report |= {"kind": upload.kind, "dry_run": dry_run}
    # The good rows: a keyed register's updated and unchanged ones as much as its new ones.
    counts = {"created": report["created"] + report.get("updated", 0)
              + report.get("unchanged", 0), "rows": report["rows"]}
    if dry_run:
        db.session.rollback()  # a preview writes nothing but its own record
        upload = db.session.scalar(select(ImportFile).where(ImportFile.id == import_id))
        upload.status = "previewed"
    else:
        audit.record("import", "import_files", str(import_id),
                     after={"kind": upload.kind} | tally(report))
        upload.status, upload.content = "imported", b""
    ctx.progress(len(rows), len(rows),
                 phrase("%(created)s of %(rows)s rows would be imported", **counts) if dry_run
                 else phrase("%(created)s of %(rows)s rows imported", **counts))
    return report
