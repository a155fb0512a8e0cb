"""``houqin energy …``: what the logistics office does from the server's shell.

``import-readings`` loads a sheet of readings (a contractor's monthly round, or the old
paper book typed up) with the import page's checks and per-row report; ``flags`` raises a
day's leak and waste flags by hand, as the morning job does for yesterday, for a day the job
missed (the server was down) or after a school filled in its limits."""

from __future__ import annotations

from datetime import date, timedelta

import click

from core.sdk import cli_school, db, register_import_command

from .services import today


@click.group(help="The energy module: import meter readings, raise a day's flags.")
def energy_group() -> None:
    pass


energy_group.add_command(register_import_command(
    "import-readings", "energy.readings",
    help="Add the readings of an .xlsx or .csv (表号, 抄表时间, 读数, 翻转, 备注: the headers "
         "of the readings' blank sheet) to a school's meters. Each row is checked as a reading "
         "entered by hand; bad rows are listed with their row, column and reason and left out. "
         "Exits with 1 when any row was refused, 2 when the file or school is unusable."))


@energy_group.command("flags")
@click.option("--tenant", "slug", required=True, help="The school's slug.")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day (YYYY-MM-DD, the school's calendar); yesterday if not given.")
def raise_flags(slug: str, day) -> None:
    """Raise a day's night-time, closed-day and jump flags as notifications to whoever sees
    the energy pages, and list them. A flag raised again updates its notification, so
    running it for a day the job already did changes nothing."""
    from .jobs import raise_day

    with cli_school(slug):
        wanted: date = day.date() if day else today() - timedelta(days=1)
        if wanted > today():
            click.secho(f"{wanted}: a day in the future", fg="red", err=True)
            raise SystemExit(2)
        found = raise_day(wanted)
        db.session.commit()
    for flag in found:
        click.echo(f"{flag.day}\t{flag.number}\t{flag.flag}\t{flag.used} {flag.unit}"
                   f"\t(limit {flag.limit})")
    click.echo(f"{len(found)} flag(s) on {wanted}")
