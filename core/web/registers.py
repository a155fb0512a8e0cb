"""The import and export pages of the registers a module declares (``houqin_registers``):
the same upload form, progress bar, preview with each bad row, and confirmation as the
people import (its templates), under the module's own address, ``/m/<module>/registers/``.

Each module gets one blueprint of its registers' routes, owned by the module: a school that
has the module switched off gets 404, and every route declares the register's permission."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, current_app, render_template, request, url_for
from flask import redirect as redirect_to
from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.api.errors import NotFound, Problem
from core.exports import xlsx_download
from core.extensions import db
from core.permissions import requires
from core.rules import RuleBroken
from core.transfer import services
from core.transfer.models import ImportFile
from core.transfer.registers import Register, blank_sheet, export_sheet, period_asked
from core.web.forms import submitted
from core.web.transfer import RECENT, STATUS_TITLES, status_context


def endpoint(kind: str, what: str) -> str:
    """The endpoint of a register's page: ``what`` is import, template or export."""
    module, _dot, name = kind.partition(".")
    return f"{module}_registers.{what}_{name}"


def blueprint(module: str, registers: list[Register]) -> Blueprint:
    bp = Blueprint(f"{module}_registers", __name__, url_prefix=f"/m/{module}/registers")
    for register in registers:
        _routes(bp, f"{module}.{register.name}", register)
    return bp


def _routes(bp: Blueprint, kind: str, register: Register) -> None:
    name, manage, read = register.name, register.permission, register.export_permission
    here = f"{bp.name}.import_{name}"

    def render(errors: dict[str, str], form: dict, status: int = 200):
        uploads = db.session.scalars(select(ImportFile).where(ImportFile.kind == kind)
                                     .order_by(ImportFile.created_at.desc()).limit(RECENT))
        config = current_app.config
        return render_template(
            "web/register_import.html", register=register, kind=kind, uploads=list(uploads),
            status_titles=STATUS_TITLES, errors=errors, form=form,
            upload_url=url_for(here), status_endpoint=f"{bp.name}.status_{name}",
            template_url=url_for(f"{bp.name}.template_{name}"),
            export_url=url_for(f"{bp.name}.export_{name}") if register.rows else None,
            back_url=url_for(register.list_endpoint) if register.list_endpoint else None,
            max_mb=config["IMPORT_MAX_BYTES"] // 1_000_000, max_rows=config["IMPORT_MAX_ROWS"],
            max_columns=config["IMPORT_MAX_COLUMNS"]), status

    def page():
        return render({}, {})

    def upload():
        """Store the file and start its preview; the person is taken to the progress bar."""
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            raise RuleBroken(_("Choose a file to upload."), "file")
        max_bytes = current_app.config["IMPORT_MAX_BYTES"]
        stored, run = services.accept_upload(kind, sent.filename, sent.read(max_bytes + 1),
                                             max_bytes)
        return redirect_to(url_for(f"{bp.name}.status_{name}", import_id=stored.id,
                                   job=run.id))

    def context(import_id: uuid.UUID) -> dict:
        found = status_context(import_id, f"{bp.name}.progress_{name}")
        if found["upload"].kind != kind:  # another register's upload: not this page's
            raise NotFound(_("no such upload in this school"))
        return {**found, "kind_titles": {kind: register.title},
                "back_url": url_for(here), "back_title": register.title,
                "run_url": url_for(f"{bp.name}.run_{name}", import_id=import_id)}

    def status(import_id: uuid.UUID):
        return render_template("web/import.html", **context(import_id))

    def progress(import_id: uuid.UUID):
        return render_template("web/_import_status.html", **context(import_id))

    def run(import_id: uuid.UUID):
        context(import_id)  # another register's upload is a 404 before anything starts
        stored, job = services.import_for_real(import_id)
        return redirect_to(url_for(f"{bp.name}.status_{name}", import_id=stored.id,
                                   job=job.id))

    def refused_run(errors: dict[str, str], form: dict, status: int, import_id: uuid.UUID):
        return render_template("web/import.html", error=errors["import"],
                               **context(import_id)), status

    def template():
        return xlsx_download(blank_sheet(register), f"{kind}.xlsx")

    def export():
        if not register.available():
            raise NotFound(_("no register %(kind)s in this school", kind=kind))
        if not register.dated:
            audit.record("export", kind)
            db.session.commit()
            return xlsx_download(export_sheet(register), f"{kind}.xlsx")
        try:
            period = period_asked(register, request.args)
        except RuleBroken as exc:  # a link's query, not a form: an error page naming it
            raise Problem(str(exc), errors={exc.field: [str(exc)]}, status=exc.status) from exc
        audit.record("export", kind, after={"from": period["from"].isoformat(),
                                            "to": period["to"].isoformat()})
        db.session.commit()
        return xlsx_download(export_sheet(register, period["from"], period["to"]),
                             f"{kind}-{period['from']}-{period['to']}.xlsx")

    rules = [
        ("", "import", requires(manage)(page), ["GET"]),
        ("", "upload", requires(manage)(submitted(render)(upload)), ["POST"]),
        ("/template.xlsx", "template", requires(manage)(template), ["GET"]),
        ("/<uuid:import_id>", "status", requires(manage)(status), ["GET"]),
        ("/<uuid:import_id>/progress", "progress", requires(manage)(progress), ["GET"]),
        ("/<uuid:import_id>/run", "run",
         requires(manage)(submitted(refused_run, field="import")(run)), ["POST"]),
    ]
    for path, what, view, methods in rules if register.importable else ():
        bp.add_url_rule(f"/{name}/import{path}", f"{what}_{name}", view, methods=methods)
    if register.rows is not None:
        bp.add_url_rule(f"/{name}.xlsx", f"export_{name}", requires(read)(export))


def register_links(kind: str, period: tuple[date, date] | None = None
                   ) -> list[tuple[str, str, str]]:
    """The links a register's list page shows (title, address, test id): its import and its
    .xlsx, each to whoever holds its permission, in a school that has the module on; a
    dated register's .xlsx is of ``period`` (first and last day), shown only with one.
    A Jinja global; see ``web/_register_links.html``."""
    from flask import g

    from core.transfer.registers import module_register

    found = module_register(kind) if getattr(g, "tenant", None) is not None else None
    principal = getattr(g, "principal", None)
    if found is None or principal is None:
        return []
    register, held = found[1], principal.permissions
    links = []
    if register.importable and register.permission in held:
        links.append((_("Import"), url_for(endpoint(kind, "import")), f"import-{kind}"))
    asked = {"from": period[0].isoformat(), "to": period[1].isoformat()} if period else {}
    if register.rows is not None and register.export_permission in held and (
            period or not register.dated):
        links.append((_("Export .xlsx"), url_for(endpoint(kind, "export"), **asked),
                      f"export-{kind}"))
    return links
