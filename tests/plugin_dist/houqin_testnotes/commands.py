"""``houqin notes …``, added through ``houqin_cli_group``."""

import click
from sqlalchemy import func, select

from core.sdk import cli_school, db

from .models import Note


@click.group(name="anything", help="Notes.")  # core names it after the plugin: notes
def notes_group():
    pass


@notes_group.command("count", help="How many notes a school keeps.")
@click.option("--tenant", "slug", required=True)
def count(slug):
    with cli_school(slug):
        click.echo(f"{db.session.scalar(select(func.count()).select_from(Note))} notes")
