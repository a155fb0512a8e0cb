"""Import and export endpoints, under /api/v1/people."""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import gettext as _
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core import audit
from core.api.errors import NotFound
from core.api.rules import transactional
from core.api.schema import Schema
from core.exports import XLSX, xlsx_download
from core.extensions import db
from core.permissions import requires
from core.transfer import export, services
from core.transfer.columns import KINDS

blp = Blueprint("transfer_api", __name__, url_prefix="/api/v1/people",
                description="Import registers from .xlsx/.csv; export them to .xlsx")


class ImportFormSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    dry_run = fields.Boolean(load_default=True,
                             metadata={"description": "preview: check every row, write nothing"})


class ImportFileSchema(Schema):
    file = Upload(required=True)


class ImportRunSchema(Schema):
    create_classes = fields.Boolean(load_default=False, metadata={
        "description": "create the classes (and grades) the preview found missing, with the "
                       "import, in its transaction"})


class ImportStartedSchema(Schema):
    import_id = fields.UUID()
    job = fields.UUID()


@blp.route("/imports", methods=["POST"])
# Who may upload is settled before the body is read: a stranger learns nothing from a 422,
# and no one's upload is parsed for them.
@requires("core.people.manage")
@blp.arguments(ImportFormSchema, location="form")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(202, ImportStartedSchema)
@transactional
def start_import(form, files):
    """Upload a spreadsheet and start a job that previews (default) or imports it.

    Poll ``/api/v1/jobs/<job>`` for the progress and, at the end, the report: rows, created,
    and each error with its row number, column and reason.
    """
    upload = files["file"]
    max_bytes = current_app.config["IMPORT_MAX_BYTES"]
    stored, run = services.accept_upload(form["kind"], upload.filename or "",
                                         upload.read(max_bytes + 1), max_bytes, form["dry_run"])
    return {"import_id": stored.id, "job": run.id}


@blp.route("/imports/<uuid:import_id>/run", methods=["POST"])
@requires("core.people.manage")
@blp.arguments(ImportRunSchema, location="query")
@blp.response(202, ImportStartedSchema)
@transactional
def run_import(asked, import_id: uuid.UUID):
    """After a preview, import the same file for real. A student list's preview names the
    classes its rows ask for that the school lacks (``missing_classes``: grade, class, rows);
    ``?create_classes=true`` creates them with the import."""
    stored, run = services.import_for_real(import_id, create_classes=asked["create_classes"])
    return {"import_id": stored.id, "job": run.id}


@blp.route("/exports/<kind>.xlsx")
@blp.response(200, content_type=XLSX)
@requires("core.people.read")
def export_register(kind: str):
    """The whole register as .xlsx, with the headers the importer reads."""
    if kind not in KINDS:
        raise NotFound(_("no register %(kind)s (one of %(kinds)s)", kind=kind, kinds=", ".join(KINDS)))
    audit.record("export", kind)
    db.session.commit()
    return xlsx_download(export.export_xlsx(kind), f"{kind}.xlsx")

