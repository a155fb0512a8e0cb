"""A module's registers through the API (``houqin_registers``): upload a file to preview or
import, then import it for real after a preview, each a job reporting per row, as core's
people import API does (``/api/v1/people/imports``). One flask-smorest blueprint a module,
``/api/v1/<module>/registers/<name>/imports``, owned by the module (switched off: 404);
every route declares the register's permission."""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields

from core.api.rules import transactional
from core.api.schema import Schema
from core.permissions import requires
from core.rules import RuleBroken
from core.transfer import services
from core.transfer.api import ImportFileSchema, ImportStartedSchema
from core.transfer.registers import Register


class RegisterImportFormSchema(Schema):
    dry_run = fields.Boolean(load_default=True,
                             metadata={"description": "preview: check every row, write nothing"})


def api_blueprint(module: str, registers: list[Register]) -> Blueprint | None:
    """The import routes of the module's importable registers; None when it has none."""
    importable = [register for register in registers if register.importable]
    if not importable:
        return None
    blp = Blueprint(f"{module}_registers_api", __name__,
                    url_prefix=f"/api/v1/{module}/registers",
                    description=f"The {module} module's registers: import .xlsx/.csv, previewed "
                                "by a job first; a row naming a kept record by its key "
                                "updates it")
    for register in importable:
        _routes(blp, f"{module}.{register.name}", register)
    return blp


def _routes(blp: Blueprint, kind: str, register: Register) -> None:
    name, manage = register.name, register.permission

    def start(form, files):
        upload = files["file"]
        max_bytes = current_app.config["IMPORT_MAX_BYTES"]
        stored, run = services.accept_upload(kind, upload.filename or "",
                                             upload.read(max_bytes + 1), max_bytes,
                                             form["dry_run"])
        return {"import_id": stored.id, "job": run.id}

    def run(import_id: uuid.UUID):
        if services.get_upload(import_id).kind != kind:  # another register's upload
            raise RuleBroken(_("no such upload in this school"), "import_id", status=404)
        stored, job = services.import_for_real(import_id)
        return {"import_id": stored.id, "job": job.id}

    start.__doc__ = (
        f"Upload a spreadsheet of {kind} and start a job that previews (default) or imports "
        "it.\n\nPoll ``/api/v1/jobs/<job>`` for the progress and, at the end, the report: "
        "rows, created, errors (row, column, reason) and, for a register with a key, updated, "
        "unchanged and each good row's outcome (new, update with its columns, unchanged).")
    run.__doc__ = f"After a preview, import the same {kind} file for real (a job, as above)."
    # Who may upload is settled before the body is read: a stranger learns nothing from a 422.
    blp.route(f"/{name}/imports", methods=["POST"], endpoint=f"start_import_{name}")(
        requires(manage)(
            blp.arguments(RegisterImportFormSchema, location="form")(
                blp.arguments(ImportFileSchema, location="files")(
                    blp.response(202, ImportStartedSchema)(transactional(start))))))
    blp.route(f"/{name}/imports/<uuid:import_id>/run", methods=["POST"],
              endpoint=f"run_import_{name}")(
        requires(manage)(blp.response(202, ImportStartedSchema)(transactional(run))))
