"""Every canteen record type is exportable: each area registers its register here (a title, its
columns and the rows of a period), and one route turns any of them into .xlsx."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response

from core.sdk import XLSX, RuleBroken, _, audit, workbook_bytes, xlsx_download
from core.sdk import SheetColumn as Column  # a register's columns are core's sheet columns
from core.sdk import sheet_rows as rows_of

from .audit_labels import AUDIT_LABELS

__all__ = ["XLSX", "Column", "Register", "register", "sheet_rows", "to_xlsx", "xlsx_response"]


@dataclass(frozen=True)
class Register:
    name: str
    title: Any
    columns: tuple[Column, ...]
    rows: Callable[[date, date], Iterable[Any]]  # the records of the days start..end
    # A register of a part the school can switch off (the tuck shop) is refused while it is off.
    available: Callable[[], bool] = lambda: True
    # A register compiled from other records (the daily reports) is built day by day: it is
    # left out of the school's data export and asked for a bounded period.
    derived: bool = False


REGISTERS: dict[str, Register] = {}
MAX_DERIVED_DAYS = 366


def register(found: Register) -> Register:
    REGISTERS[found.name] = found
    AUDIT_LABELS[f"canteen.{found.name}"] = found.title  # its export, in the audit log
    return found


def sheet_rows(name: str, start: date, end: date) -> Iterable[list[Any]]:
    """The header and the rows of one register, in the school's time."""
    found = REGISTERS[name]
    return rows_of(found.columns, found.rows(start, end) if found.available() else ())


def to_xlsx(name: str, start: date, end: date) -> bytes:
    return workbook_bytes([(name, sheet_rows(name, start, end))])


def xlsx_response(name: str, start: date, end: date) -> Response:
    """The register as a download, the export audited (the API and the pages both use it)."""
    if name not in REGISTERS or not REGISTERS[name].available():
        raise RuleBroken(_("no register %(name)s (one of %(names)s)", name=name,
                           names=", ".join(sorted(n for n, r in REGISTERS.items()
                                                  if r.available()))), "name", status=404)
    if end < start:
        raise RuleBroken(_("the end lies before the start"), "end")
    if REGISTERS[name].derived and (end - start).days >= MAX_DERIVED_DAYS:
        raise RuleBroken(_("ask for at most %(days)s days", days=MAX_DERIVED_DAYS), "end")
    audit.record("export", f"canteen.{name}", after={"start": start.isoformat(),
                                                      "end": end.isoformat()})
    return xlsx_download(to_xlsx(name, start, end),
                         f"canteen-{name}-{start.isoformat()}-{end.isoformat()}.xlsx")
