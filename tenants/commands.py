"""``houqin tenants …``: provision districts and schools from manifests, list them, and move a
school to another deployment as a school file.

Core adds this group to the ``houqin`` command through the ``houqin.commands`` entry point
(pyproject.toml), so that core needs nothing of this package.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core import audit
from core.cli import as_cli, fail, school
from core.extensions import db


@click.group("tenants")
def tenants_group() -> None:
    """Districts and schools."""


@tenants_group.command("apply")
@click.argument("manifests", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report, change nothing.")
@with_appcontext
def tenants_apply(manifests: tuple[Path, ...], dry_run: bool) -> None:
    """Create or update districts, their schools, modules and first admins from TOML files.

    Each manifest is applied whole or not at all; they are applied in the order given.
    """
    from core.migrate import pending_branches
    from tenants.manifests import ManifestError, apply_manifest

    # A module switched on for a school before its tables exist breaks that school's pages
    # (and a school created before core's newest migration may miss what it adds).
    pending = pending_branches(current_app)
    if pending:
        fail(f"the database lacks the newest migrations of {', '.join(pending)}:"
             " run houqin db upgrade first")
    for manifest in manifests:
        try:
            with as_cli():
                report = apply_manifest(manifest.read_text(encoding="utf-8"),
                                        source=str(manifest), dry_run=dry_run)
        except ManifestError as exc:
            fail(str(exc))
        for line in report.lines():
            click.echo(f"{manifest}: {line}" if len(manifests) > 1 else line)


@tenants_group.command("export")
@click.option("--tenant", "slug", required=True)
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def tenants_export(slug: str, output: Path) -> None:
    """Write everything a school holds, core's and each module's, to a school file (a zip
    that ``houqin tenants import`` reads in another deployment)."""
    from tenants.schoolfile import export_school

    with school(slug):
        manifest = export_school(output)
        # After the file is written, so the file does not hold its own export.
        audit.record("export", "school_file", after={"file": output.name,
                                                     "tables": manifest["tables"]})
        db.session.commit()
    rows = sum(sum(tables.values()) for tables in manifest["tables"].values())
    click.echo(f"{output}: {rows} rows, {manifest['accounts']} accounts")


@tenants_group.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--slug", help="The school's slug here (default: the file's).")
@click.option("--district", help="The district's slug here (default: the file's).")
@with_appcontext
def tenants_import(source: Path, slug: str | None, district: str | None) -> None:
    """Create a school from a school file, all in one transaction, or refuse it whole when its
    modules, versions or migrations differ from this deployment's."""
    from tenants.schoolfile import SchoolFileRefused, import_school

    try:
        with as_cli():
            report = import_school(source, slug=slug, district=district)
    except SchoolFileRefused as exc:
        fail(f"{source}: nothing imported: {exc}")
    click.echo(f"imported {report.tenant.slug}: {sum(report.rows.values())} rows,"
               f" {len(report.accounts_new)} new accounts,"
               f" {len(report.accounts_matched)} matched by e-mail")


@tenants_group.command("list")
@with_appcontext
def tenants_list() -> None:
    """Every school with its district, type and status."""
    from core.schools.models import District, Tenant

    rows = db.session.execute(
        select(District.slug, Tenant.slug, Tenant.type, Tenant.status, Tenant.name)
        .join(District, District.id == Tenant.district_id).order_by(District.slug, Tenant.slug)
    ).all()
    for row in rows:
        click.echo("\t".join(row))
