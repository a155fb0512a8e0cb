"""Registers a module declares once (``houqin_registers``) and gets imported and exported
like core's people registers: the same upload, preview, per-row errors, job, progress bar
and confirmation, and an .xlsx of the whole register with the headers the import reads.

A module supplies what only it knows: its columns, a loader that checks one row (its
schema and rules, naming the field) and a writer that stores the good rows all at once.
Core reads the file within the import limits, turns cells into values, reports each bad
row with its number, column and reason, and runs the writer in the import's transaction:
a preview writes nothing, the good rows are written together or not at all (a writer's
``RuleBroken`` refuses the whole file), and refused rows are reported, never written."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError

from core.exports import sheet_cell, workbook_bytes
from core.rules import RuleBroken, flatten_messages
from core.transfer.columns import CellError, Column, header_map
from core.transfer.reader import UploadRefused

KIND_LENGTH = 20  # what an upload records as its kind ("canteen.suppliers")
EXPORT_KIND_LENGTH = 40  # an export-only register's, named in the audit trail
TALLIES = {"update": "updated", "unchanged": "unchanged"}  # a keyed row's outcome, counted


@dataclass(frozen=True)
class Register:
    """A list a module keeps, importable from .xlsx/CSV and exportable to .xlsx.

    ``name``: unique within the module ("dishes"); the register's kind is
    ``<module>.<name>``, at most 20 characters. ``title``: what people read (lazy).
    ``permission``: who may import (and download the blank template). ``columns``: the
    sheet's columns, ``RegisterColumn``s. ``load(values, looked_up)``: one row's values by
    field (cells converted, required ones present) to what ``write`` takes; raises
    marshmallow's ``ValidationError`` or ``RuleBroken`` naming the field, shown under the
    column that feeds it (``fields`` maps other field names to a column's field).
    ``prepare()``: what ``load`` looks up once per import (the names already kept, to refuse
    a second one); its result is passed to every ``load`` and may be updated by it (a name
    met earlier in the same file). ``write(loaded)``: store the good rows at once, set-based
    where it can; runs in the import's transaction (a preview's is rolled back). ``rows()``:
    the register's records for an export, each turned into cells by the columns' ``value``;
    ``read_permission`` who may export (default: ``permission``). ``list_endpoint``: the
    register's page, linked back to from the import page.

    A register without ``load`` and ``write`` is export-only (a report, a log read for a
    period): it gets its .xlsx and no import, and its ``columns`` may be the ``SheetColumn``s
    its module's own sheet already has. ``dated``: ``rows(start, end)`` lists the
    records of a period, asked as ``?from=…&to=…`` (ISO dates, at most ``max_days`` days);
    a missing or bad one is a 400 naming it. ``available()``: False while the part of the
    module the register belongs to is switched off (its export is then a 404).

    A register whose records have a natural key updates them: ``key`` names the field (the
    dish's name, the fee item's name), ``kept()`` the records by key, read once per import.
    A row whose key is kept is loaded and checked as a new one would be, then handed to
    ``revise(record, row)`` — ``row`` being ``load``'s answer, a dict, limited to the fields
    the sheet has a column for, so a column left out changes nothing — which applies the
    changes to the record through the ORM (audited like an edit on the page, before and
    after) and returns the fields it changed (none: the row is "unchanged"), or raises
    ``RuleBroken`` naming a field the module forbids changing (an issued fee item) before
    changing anything. A key named twice in one file is refused at its second row. ``load``
    then refuses only what the key does not settle (a supplier's credit code kept by
    another supplier).
    """

    name: str
    title: Any
    permission: str
    columns: tuple[Column, ...]
    load: Callable[[dict[str, Any], Any], Any] | None = None
    write: Callable[[list[Any]], None] | None = None
    rows: Callable[..., Iterable[Any]] | None = None
    read_permission: str | None = None
    prepare: Callable[[], Any] = lambda: None
    fields: dict[str, str] | None = None
    list_endpoint: str | None = None
    key: str | None = None
    kept: Callable[[], dict[Any, Any]] | None = None
    revise: Callable[[Any, Any], list[str]] | None = None
    dated: bool = False
    max_days: int | None = None
    available: Callable[[], bool] = lambda: True

    @property
    def export_permission(self) -> str:
        return self.read_permission or self.permission

    @property
    def importable(self) -> bool:
        return self.load is not None and self.write is not None


def kind_of(module: str, register: Register) -> str:
    """``<module>.<name>``; an upload records an importable register's kind, so it fits
    ``KIND_LENGTH``; an export-only one is named only in the audit trail."""
    kind = f"{module}.{register.name}"
    longest = KIND_LENGTH if register.importable else EXPORT_KIND_LENGTH
    if len(kind) > longest or not register.name.isidentifier():
        raise ValueError(f"register {kind!r}: the name must be an identifier and "
                         f"'<module>.<name>' at most {longest} characters")
    return kind


def period_asked(register: Register, asked: Mapping[str, str]) -> dict[str, date]:
    """The ``from`` and ``to`` days a dated register's export asks for; ``RuleBroken``
    (400) naming the one that is missing, not a date, or out of bounds."""
    found: dict[str, date] = {}
    for field in ("from", "to"):
        text = (asked.get(field) or "").strip()
        if not text:
            raise RuleBroken(_("give the day %(field)s (YYYY-MM-DD)", field=field), field, 400)
        try:
            found[field] = date.fromisoformat(text)
        except ValueError:
            raise RuleBroken(_("“%(value)s” is not a date such as 2019-05-01", value=text),
                             field, 400) from None
    if found["to"] < found["from"]:
        raise RuleBroken(_("the end lies before the start"), "to", 400)
    if register.max_days and (found["to"] - found["from"]).days >= register.max_days:
        raise RuleBroken(_("ask for at most %(days)s days", days=register.max_days), "to", 400)
    return found


def blank_sheet(register: Register) -> bytes:
    """The register's headers alone: the sheet a school fills in."""
    return workbook_bytes([(str(register.title), [[c.headers[0] for c in register.columns]])])


def export_sheet(register: Register, start: date | None = None, end: date | None = None
                 ) -> bytes:
    """The whole register (a dated one's days ``start`` to ``end``) with the headers its
    import reads. Cells are values only: a text a spreadsheet would run as a formula goes out
    inert (``workbook_bytes``)."""
    found = (register.rows(start, end) if register.dated else register.rows()) \
        if register.rows else ()

    def rows():
        # An export-only register may list its sheet's SheetColumns (title, value).
        yield [str(c.headers[0] if isinstance(c, Column) else c.title)
               for c in register.columns]
        for record in found:
            yield [sheet_cell(c.value(record)) if c.value else None for c in register.columns]

    return workbook_bytes([(str(register.title), rows())])


def _header(register: Register, field: str) -> str:
    field = (register.fields or {}).get(field, field)
    return next((c.headers[0] for c in register.columns if c.field == field), field)


def import_register(register: Register, headers: list[Any], rows: list[list[Any]],
                    progress: Callable[[int, dict[str, Any]], None] | None = None,
                    ) -> dict[str, Any]:
    """Check every row of ``rows`` (the sheet's rows 2, 3, ...) and write the good ones at
    once; returns the report (rows, created, errors with row, column and reason; for a
    keyed register also updated, unchanged and each good row's outcome: row, key, action —
    new, update or unchanged — and the columns an update changes).

    Rows are checked before anything is written: a bad row is left out and reported, the
    others are written by one call of the register's writer. A ``RuleBroken`` from the
    writer (a rule over the rows together) refuses the import as a whole, with its reason.
    """
    mapping, missing = header_map(register.columns, headers)
    if missing:
        raise UploadRefused(_("the header row lacks the column(s) %(columns)s",
                              columns="、".join(missing)))
    report: dict[str, Any] = {"kind": None, "rows": 0, "created": 0, "errors": []}
    looked_up = register.prepare()
    good: list[Any] = []
    present = {column.field for column in mapping.values()}
    rows_by_key: dict[Any, int] | None = None
    kept: dict[Any, Any] = {}
    if register.key is not None:
        rows_by_key, kept = {}, register.kept() if register.kept else {}
        report |= {"updated": 0, "unchanged": 0, "outcomes": []}
    for index, row in enumerate(rows):
        if progress is not None and index and index % 100 == 0:
            progress(index, report)
        if all(cell in (None, "") for cell in row):
            continue
        report["rows"] += 1
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for position, column in mapping.items():
            cell = row[position] if position < len(row) else None
            try:
                values[column.field] = column.convert(cell)
            except CellError as exc:
                problems.append((column.headers[0], str(exc)))
                continue
            if column.required and values[column.field] in (None, "", []):
                problems.append((column.headers[0], _("is required")))
        if not problems:
            try:
                if rows_by_key is None:
                    good.append(register.load(values, looked_up))
                else:
                    outcome = _load_row(register, values, looked_up, present, rows_by_key,
                                        kept, index + 2)
                    if outcome["action"] == "new":
                        good.append(outcome.pop("loaded"))
                    else:
                        report[TALLIES[outcome["action"]]] += 1
                    report["outcomes"].append(outcome)
            except ValidationError as exc:
                problems = [(_header(register, field), "; ".join(flatten_messages(message)))
                            for field, message in exc.normalized_messages().items()]
            except RuleBroken as exc:
                problems = [(_header(register, exc.field), str(exc))]
        report["errors"] += [{"row": index + 2, "column": c, "reason": r} for c, r in problems]
    if good:
        register.write(good)
    report["created"] = len(good)
    return report


def _load_row(register: Register, values: dict[str, Any], looked_up: Any, present: set[str],
              rows_by_key: dict[Any, int], kept: dict[Any, Any], row: int) -> dict[str, Any]:
    """A keyed register's row: checked as a new record, then a new one ("new", with what
    ``write`` takes) or the kept record revised ("update" with the columns it changed, or
    "unchanged")."""
    key = values.get(register.key)
    if key in rows_by_key:
        raise RuleBroken(_("“%(name)s” is in row %(row)s already", name=key,
                           row=rows_by_key[key]), register.key)
    loaded = register.load(values, looked_up)
    rows_by_key[key] = row
    outcome: dict[str, Any] = {"row": row, "key": str(key)}
    record = kept.get(key)
    if record is None:
        return outcome | {"action": "new", "loaded": loaded}
    fields = register.revise(record, {f: v for f, v in loaded.items() if f in present})
    return outcome | {"action": "update" if fields else "unchanged",
                      "columns": [_header(register, field) for field in fields]}


def tally(report: dict[str, Any]) -> dict[str, int]:
    """What an import's audit event keeps of its report: how many rows it created, updated
    (a keyed register) and refused."""
    counts = {"created": report["created"],
              "refused_rows": len({error["row"] for error in report["errors"]})}
    return counts | {name: report[name] for name in ("updated", "unchanged") if name in report}


def module_register(kind: str) -> tuple[str, Register] | None:
    """The module and register of ``kind`` when the school in context has that module on;
    None for core's own kinds, an unknown kind or a module switched off."""
    from core.schools.modules import enabled_modules
    from core.state import kernel

    found = kernel().registers.get(kind)
    if found is None or found[0] not in enabled_modules() or not found[1].available():
        return None
    return found


def import_sheet(kind: str, filename: str, content: bytes, dry_run: bool = True
                 ) -> dict[str, Any]:
    """Import a file into the register ``kind`` of the school in context at once, without
    a job (a module's command: ``houqin fees import-items``): the same limits, checks and
    report as the page's import, and audited the same way. With ``dry_run``, the rows are
    checked and nothing is written. An unusable file or an unknown register is refused with
    ``RuleBroken`` naming ``file`` or ``kind``. The caller commits."""
    from flask import current_app

    from core import audit
    from core.extensions import db
    from core.files import upload_name
    from core.transfer.reader import import_limits, read_table

    found = module_register(kind)
    if found is None or not found[1].importable:
        raise RuleBroken(_("no register %(kind)s in this school", kind=kind), "kind")
    register = found[1]
    max_bytes = current_app.config["IMPORT_MAX_BYTES"]
    name = upload_name(filename)
    headers, rows = read_table(name, content, max_bytes, import_limits(),
                               columns=lambda row: sorted(header_map(register.columns, row)[0]))
    with db.session.begin_nested() as savepoint:
        report = import_register(register, headers, rows) | {"kind": kind, "dry_run": dry_run}
        if dry_run:
            savepoint.rollback()
    if not dry_run:
        audit.record("import", kind, after={"filename": name} | tally(report))
    return report


def register_import_command(name: str, kind: str, help: str):
    """The click command ``name`` that imports a file into the register ``kind`` of the
    school ``--tenant`` names, as ``import_sheet`` does (``--dry-run``: check, write
    nothing): each refused row printed with its row, column and reason, then the count.
    It exits with 1 when any row was refused and 2 when the file or school is unusable, so
    a district's script that sets up its schools can stop at the first that went wrong."""
    from pathlib import Path

    import click

    from core.cli import school
    from core.extensions import db

    @click.command(name, help=help)
    @click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--tenant", "slug", required=True, help="The school's slug.")
    @click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
    def command(source: Path, slug: str, dry_run: bool) -> None:
        with school(slug):
            try:
                report = import_sheet(kind, source.name, source.read_bytes(), dry_run)
            except RuleBroken as exc:
                click.secho(f"{source}: {exc}", fg="red", err=True)
                raise SystemExit(2) from exc
            db.session.commit()
        for error in report["errors"]:
            click.echo(f"row {error['row']}\t{error['column']}\t{error['reason']}")
        verb = "would be imported" if dry_run else "imported"
        for outcome in report.get("outcomes", ()):  # what an update would change
            if outcome["action"] == "update":
                click.echo(f"row {outcome['row']}\t{outcome['key']}\tupdate\t"
                           f"{', '.join(outcome['columns'])}")
        if report.get("updated") or report.get("unchanged"):
            verb += f" ({report['updated']} updated, {report['unchanged']} unchanged)"
        click.echo(f"{report['created']} of {report['rows']} rows {verb}")
        if report["errors"]:
            raise SystemExit(1)

    return command
