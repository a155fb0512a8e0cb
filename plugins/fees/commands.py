"""``houqin fees …``: what the finance office does from the server's shell.

``import-items`` loads a fee catalogue from the sheet the price bureau approved (收费公示
list) into a school as draft items, with the page's checks and per-row report: a district
that sets up its schools for a new term runs it once a school, from a script, instead of
each office typing the same list in."""

from __future__ import annotations

from pathlib import Path

import click

from core.sdk import RuleBroken, cli_school, db, import_sheet


@click.group(help="The fee module: import a school's fee catalogue from a spreadsheet.")
def fees_group() -> None:
    pass


@fees_group.command("import-items")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", "slug", required=True, help="The school's slug.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
def import_items(source: Path, slug: str, dry_run: bool) -> None:
    """Add the items of an .xlsx or .csv fee list (名称, 类别, 金额(元), 计价单位, ...; the
    headers of the catalogue's blank sheet) to a school's catalogue as drafts. Bad rows are
    listed with their row, column and reason and left out; the others are written at once.
    Exits with 1 when any row was refused, 2 when the file or school is unusable."""
    with cli_school(slug):
        try:
            report = import_sheet("fees.items", source.name, source.read_bytes(), dry_run)
        except RuleBroken as exc:
            click.secho(f"{source}: {exc}", fg="red", err=True)
            raise SystemExit(2) from exc
        db.session.commit()
    for error in report["errors"]:
        click.echo(f"row {error['row']}\t{error['column']}\t{error['reason']}")
    verb = "would be imported" if dry_run else "imported"
    click.echo(f"{report['created']} of {report['rows']} rows {verb}")
    if report["errors"]:
        raise SystemExit(1)
