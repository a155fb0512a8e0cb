"""``houqin fees …``: what the finance office does from the server's shell.

``import-items`` loads a fee catalogue from the sheet the price bureau approved (收费公示
list) into a school as draft items, with the page's checks and per-row report: a district
that sets up its schools for a new term runs it once a school, from a script, instead of
each office typing the same list in."""

from __future__ import annotations

import click

from core.sdk import register_import_command


@click.group(help="The fee module: import a school's fee catalogue from a spreadsheet.")
def fees_group() -> None:
    pass


fees_group.add_command(register_import_command(
    "import-items", "fees.items",
    help="Add the items of an .xlsx or .csv fee list (名称, 类别, 金额(元), 计价单位, ...; the "
         "headers of the catalogue's blank sheet) to a school's catalogue as drafts. Bad rows "
         "are listed with their row, column and reason and left out; the others are written at "
         "once. Exits with 1 when any row was refused, 2 when the file or school is unusable."))
