"""Import and export pages: upload a register, watch the preview job's progress bar, read the
rows it refused, then import the good rows; export any register to .xlsx."""

from __future__ import annotations

import uuid

from flask import current_app, render_template, request, url_for
from flask import redirect as redirect_to
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.api.errors import NotFound
from core.extensions import db
from core.jobs.models import JobRun, JobStatus
from core.jobs.registry import func_path
from core.permissions import requires
from core.plugins.types import NavEntry
from core.rules import RuleBroken
from core.transfer import jobs, services
from core.transfer.columns import KINDS
from core.transfer.models import KIND_TITLES, STATUS_TITLES, ImportFile
from core.web.forms import submitted
from core.web.nav import core_entries
from core.web.views import bp

core_entries(NavEntry(_l("Import and export"), "web.imports", "core.people.manage", order=150))
RECENT = 20
DONE = {JobStatus.FINISHED.value, JobStatus.FAILED.value, JobStatus.SKIPPED.value}


def _render_imports(errors: dict[str, str], form: dict, status: int = 200):
    uploads = db.session.scalars(
        select(ImportFile).where(ImportFile.kind.in_(list(KINDS)))
        .order_by(ImportFile.created_at.desc()).limit(RECENT)).all()
    return render_template("web/imports.html", uploads=uploads, kinds=KINDS,
                           kind_titles=KIND_TITLES, status_titles=STATUS_TITLES,
                           errors=errors, form=form,
                           max_mb=current_app.config["IMPORT_MAX_BYTES"] // 1_000_000,
                           max_rows=current_app.config["IMPORT_MAX_ROWS"],
                           max_columns=current_app.config["IMPORT_MAX_COLUMNS"]), status


@bp.route("/people/imports")
@requires("core.people.manage")
def imports():
    return _render_imports({}, {})


def _refused_upload(errors: dict[str, str], form: dict, status: int):
    """What the file holds, or else the file itself, is what the form got wrong."""
    shown = {"kind": errors["kind"]} if "kind" in errors else {"file": " ".join(errors.values())}
    return _render_imports(shown, form, status)


@bp.route("/people/imports", methods=["POST"])
@requires("core.people.manage")
@submitted(_refused_upload)
def upload_import():
    """Store the file and start its preview; the person is taken to the progress bar."""
    kind, upload = request.form.get("kind", ""), request.files.get("file")
    if kind not in KINDS:
        raise RuleBroken(str(_l("Choose what the file holds.")), "kind")
    if upload is None or not upload.filename:
        raise RuleBroken(str(_l("Choose a file to upload.")), "file")
    max_bytes = current_app.config["IMPORT_MAX_BYTES"]
    stored, run = services.accept_upload(kind, upload.filename, upload.read(max_bytes + 1),
                                         max_bytes)
    return redirect_to(url_for("web.import_status", import_id=stored.id, job=run.id))


def _import_job(stored: ImportFile) -> JobRun | None:
    """The job asked for in the address, if it is this upload's; else the upload's latest."""
    mine = select(JobRun).where(JobRun.func == func_path(jobs.run_import))
    try:
        wanted = uuid.UUID(request.args.get("job", ""))
    except ValueError:
        wanted = None
    if wanted is not None:  # the progress bar polls this: one row by its key, not a scan
        run = db.session.scalar(mine.where(JobRun.id == wanted))
        if run is not None and run.args and run.args[0] == str(stored.id):
            return run
    runs = db.session.scalars(mine.order_by(JobRun.created_at.desc()).limit(200))
    return next((run for run in runs if run.args and run.args[0] == str(stored.id)), None)


def status_context(import_id: uuid.UUID, progress_endpoint: str = "web.import_progress"
                   ) -> dict:
    """What the upload's page and its polled progress show; a module's register pages
    (``core.web.registers``) poll their own ``progress_endpoint``."""
    try:
        stored = services.get_upload(import_id)
    except RuleBroken as exc:
        raise NotFound(str(exc)) from exc
    run = _import_job(stored)
    return {"upload": stored, "run": run, "done": run is None or run.status in DONE,
            "report": (run.result or {}) if run is not None else {}, "kind_titles": KIND_TITLES,
            "poll_url": url_for(progress_endpoint, import_id=stored.id,
                                job=run.id if run else None)}


def _status_context(import_id: uuid.UUID) -> dict:
    found = status_context(import_id)
    if found["upload"].kind not in KINDS:  # a module's upload has its module's pages
        raise NotFound(str(_l("no such upload in this school")))
    return found


@bp.route("/people/imports/<uuid:import_id>")
@requires("core.people.manage")
def import_status(import_id: uuid.UUID):
    return render_template("web/import.html", **_status_context(import_id))


@bp.route("/people/imports/<uuid:import_id>/progress")
@requires("core.people.manage")
def import_progress(import_id: uuid.UUID):
    """The progress bar and, once the job is done, its report: htmx polls this fragment."""
    return render_template("web/_import_status.html", **_status_context(import_id))


@bp.route("/people/imports/<uuid:import_id>/run", methods=["POST"])
@requires("core.people.manage")
@submitted(lambda errors, form, status, import_id: (render_template(
    "web/import.html", error=errors["import"], **_status_context(import_id)), status),
           field="import")
def run_import(import_id: uuid.UUID):
    """Import the previewed file; with "create the missing classes" ticked, the classes its
    preview listed are created by the import, in its transaction."""
    _status_context(import_id)  # a module's upload is imported from its module's pages
    stored, run = services.import_for_real(
        import_id, create_classes=bool(request.form.get("create_classes")))
    return redirect_to(url_for("web.import_status", import_id=stored.id, job=run.id))
