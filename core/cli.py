"""The ``houqin`` command."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path

import click
from flask import current_app
from flask.cli import (
    FlaskGroup,
    NoAppException,
    routes_command,
    shell_command,
    with_appcontext,
)
from sqlalchemy import select
from werkzeug.serving import run_simple

from core import audit
from core.app import create_app
from core.extensions import db
from core.plugins.manifest import PluginError
from core.tenancy import tenant_context

log = logging.getLogger("houqin.worker")
# Command groups that belong to the deployment rather than to a switchable module (the
# ``tenants`` package's ``houqin tenants``), found by entry point so that core need not
# import the packages that build on it.
COMMANDS_GROUP = "houqin.commands"


class PluginsRefused(NoAppException):
    """The installed plugins keep the app from starting. What fixes it is an install command
    or HOUQIN_PLUGINS, never the code, so the operator reads the one paragraph saying which,
    not a traceback ending in it; the exit status (2) tells scripts the command did nothing."""

    def show(self, file=None) -> None:
        # (no "Usage:" line: the command was typed right, the installation is what is wrong)
        click.secho(f"Error: {self.format_message()}", err=True, fg="red", file=file)


def _create_app(*_args):
    try:
        return create_app()
    except PluginError as exc:
        raise PluginsRefused(str(exc)) from None


class HouqinGroup(FlaskGroup):
    """Flask's command group, with the ``houqin.commands`` groups added as its own commands
    (not the app's): they run in the app context a caller already has, as core's do."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._installed_added = False

    def _add_installed(self) -> None:
        if self._installed_added:
            return
        self._installed_added = True
        for entry in entry_points(group=COMMANDS_GROUP):
            self.add_command(entry.load(), name=entry.name)

    def get_command(self, ctx: click.Context, name: str):
        self._add_installed()
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_installed()
        return super().list_commands(ctx)


@click.group(cls=HouqinGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False)
def cli() -> None:
    """Houqin (后勤): school logistics for many schools from one deployment."""


cli.add_command(shell_command)
cli.add_command(routes_command)


def main() -> None:
    cli(prog_name="houqin")


@contextmanager
def as_cli():
    """What a command writes is audited as the command line's, not a person's."""
    with audit.acting_as(audit.Actor(user_id=None, source="cli")):
        yield


def fail(message: str) -> None:
    """Say why a command refused, in red on stderr, and exit with status 2."""
    click.secho(message, fg="red", err=True)
    sys.exit(2)


def _account(email: str, hint: str = ""):
    """The account signing in with this e-mail address or mobile number."""
    from core.identity.services import IdentityError, normalise_login, user_by_login

    try:
        user = user_by_login(*normalise_login(email, "email"))
    except IdentityError as exc:
        fail(str(exc))
    if user is None:
        fail(f"no account {email}{hint}")
    return user


@contextmanager
def school(slug: str):
    """A command's school by its slug, in context, with the command as the actor; a slug
    that names no school ends the command with what to do (exit status 2)."""
    with _school(slug) as tenant:
        yield tenant


@contextmanager
def _school(slug: str):
    from core.schools.registry import tenant_by_slug

    tenant = tenant_by_slug(slug)
    if tenant is None:
        fail(f"no school {slug!r} (see: houqin tenants list)")
    with as_cli(), tenant_context(tenant):
        yield tenant


# --- serving -----------------------------------------------------------------------------


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--reload", is_flag=True,
              help="Restart the server when a Python file or a compiled catalogue changes, and"
                   " read templates again when they change (development only).")
def run_command(host: str, port: int, reload: bool) -> None:
    """Serve the app (with in-process jobs and schedules when no REDIS_URL is set)."""
    app = current_app._get_current_object()
    # With --reload a watching parent starts the serving child again on every change; only
    # the child (WERKZEUG_RUN_MAIN) may run jobs, or each job would run twice.
    serving = not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"
    if serving and not app.config["REDIS_URL"]:
        from core.jobs.recovery import resend_stalled
        from core.jobs.scheduler import start_thread

        # One process: whatever a previous run left queued or running is handed over now.
        recovered = resend_stalled(waiting_for=0, running_for=0)
        start_thread(app)
        click.echo("jobs and schedules run in this process (no REDIS_URL)"
                   + (f"; {recovered} unfinished job(s) resumed" if recovered else ""))
    watched = {}
    if reload:
        # Translations are read once at start: a catalogue compiled anew (core's or a
        # module's) needs a restart to show; a template changed only needs reading again.
        watched["extra_files"] = catalogue_files(app)
        app.jinja_env.auto_reload = True
    # Flask's app.run() refuses to run inside its own CLI; the server underneath does not.
    run_simple(host, port, app, threaded=True, use_reloader=reload, **watched)


def catalogue_files(app) -> list[str]:
    """The compiled catalogues the app reads: core's, then each loaded module's."""
    folders = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    return [str(path) for folder in folders
            for path in sorted(Path(folder).glob("*/LC_MESSAGES/*.mo"))]


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--no-scheduler", is_flag=True, help="Leave periodic jobs to another worker.")
@with_appcontext
def worker_command(burst: bool, no_scheduler: bool) -> None:
    """Run an rq worker on REDIS_URL, with the periodic scheduler."""
    from rq import Worker

    from core.jobs import runner
    from core.jobs.scheduler import start_thread

    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        fail("houqin worker needs REDIS_URL; without it jobs run inside 'houqin run'")
    runner.start_worker_process(app)
    backend = app.extensions["houqin_jobs"]
    stop = None if (burst or no_scheduler) else start_thread(app)
    try:
        run_worker(lambda: Worker([backend.queue], connection=backend.connection).work(
            burst=burst, with_scheduler=True), backend.ping, once=burst)
    finally:
        if stop is not None:
            stop.set()


def run_worker(work, ping, once: bool = False, longest_wait: float = 30.0) -> None:
    """Run rq's worker loop; when Redis goes away, wait for it (1 s, doubling up to 30 s)
    and start again, instead of exiting and leaving jobs to wait for a restart."""
    from redis.exceptions import ConnectionError as RedisDown
    from redis.exceptions import TimeoutError as RedisSlow

    wait = 1.0
    while True:
        try:
            work()
            return
        except (RedisDown, RedisSlow) as exc:
            if once:
                raise
            log.warning("Redis does not answer (%s); the worker waits for it", exc)
        while True:
            time.sleep(wait)
            wait = min(wait * 2, longest_wait)
            try:
                if ping():
                    break
            except (RedisDown, RedisSlow):
                continue
        log.info("Redis answers again; the worker resumes")
        wait = 1.0


# --- database ----------------------------------------------------------------------------


@cli.group("db")
def db_group() -> None:
    """Migrations for core and every installed plugin."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Bring core and every plugin up to date; on PostgreSQL also roles, grants and RLS."""
    from core.migrate import RoleSetupRequired, upgrade

    applied: list[str] = []
    try:
        notes = upgrade(current_app._get_current_object(), applied)
    except RoleSetupRequired as exc:
        click.echo(exc.sql)
        fail("the owner role may not create the app's role: run the SQL above as a superuser,"
              " then run houqin db upgrade again (nothing was changed)")
    for note in notes:
        click.secho(note, fg="yellow", err=True)
    # Say what changed: "up to date" alone right after a new branch was applied misleads.
    for line in applied:
        click.echo(f"applied {line}")
    click.echo(f"applied {len(applied)} migration(s); database is up to date" if applied
               else "database was already up to date")


@db_group.command("role-sql")
@with_appcontext
def db_role_sql() -> None:
    """Print the SQL that creates the app's PostgreSQL role, for an operator to run."""
    from sqlalchemy.engine import make_url

    from core.db.rls import role_sql

    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    for statement in role_sql(url.username, "<password>", url.database):
        click.echo(statement + ";")


@db_group.command("revision")
@click.option("--branch", required=True, help="core, or the plugin the migration belongs to")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Write an empty migration instead of autogenerating.")
@with_appcontext
def db_revision(branch: str, message: str, empty: bool) -> None:
    """Write a migration on one branch from the difference between models and database."""
    from core.migrate import revision

    revision(current_app._get_current_object(), branch, message, autogenerate=not empty)


@db_group.command("check")
@with_appcontext
def db_check() -> None:
    """Fail if the models and the migrated database differ."""
    from core.migrate import schema_diff

    diff = schema_diff(current_app._get_current_object())
    if diff:
        for line in diff:
            click.echo(line)
        fail("models and migrations differ")
    click.echo("models and migrations agree")


# --- modules -----------------------------------------------------------------------------


@cli.group("modules")
def modules_group() -> None:
    """Switch modules on and off per school."""


@modules_group.command("list")
@click.option("--tenant", "slug", required=True)
@with_appcontext
def modules_list(slug: str) -> None:
    from core.schools.modules import module_states

    with _school(slug):
        for state in module_states():
            mark = "on " if state["enabled"] else "off"
            note = "" if state["suitable"] else "  (not offered to this type of school)"
            deps = f"  needs: {', '.join(state['depends'])}" if state["depends"] else ""
            click.echo(f"{mark} {state['name']} {state['version']}  {state['title']}{deps}{note}")


@modules_group.command("enable")
@click.option("--tenant", "slug", required=True)
@click.option("--settings", "settings_json", help="Settings as a JSON object.")
@click.argument("name")
@with_appcontext
def modules_enable(slug: str, settings_json: str | None, name: str) -> None:
    from core.schools.modules import ModuleError, enable

    settings = _json_object(settings_json)
    with _school(slug):
        try:
            switched = enable(name, settings)
        except ModuleError as exc:
            db.session.rollback()
            fail(str(exc))
        db.session.commit()
    click.echo(f"switched on: {', '.join(switched)}" if switched else f"{name} was already on")


@modules_group.command("disable")
@click.option("--tenant", "slug", required=True)
@click.option("--cascade", is_flag=True, help="Also switch off the modules that need it.")
@click.argument("name")
@with_appcontext
def modules_disable(slug: str, cascade: bool, name: str) -> None:
    from core.schools.modules import ModuleError, ModuleInUse, disable

    with _school(slug):
        try:
            switched = disable(name, cascade=cascade)
        except ModuleInUse as exc:
            db.session.rollback()
            fail(f"{exc} (add --cascade to switch them off too)")
        except ModuleError as exc:
            db.session.rollback()
            fail(str(exc))
        db.session.commit()
    click.echo(f"switched off: {', '.join(switched)}" if switched else f"{name} was already off")


def _json_object(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"--settings is not valid JSON: {exc}")
    if not isinstance(value, dict):
        fail("--settings must be a JSON object")
    return value


# --- demo --------------------------------------------------------------------------------


@cli.command("demo")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--seed", default=2026, show_default=True, help="The same seed, the same schools.")
@click.option("--days", default=21, show_default=True, type=click.IntRange(1, 60),
              help="Days of life up to today.")
@with_appcontext
def demo_command(manifest: Path, seed: int, days: int) -> None:
    """Fill the demo district of MANIFEST (applied first) with a few weeks of school life.

    Only on a demo: HOUQIN_DEMO=1, ``demo = true`` in the manifest's [district], and no
    account outside the reserved .test domain. A school that has its life already is left
    as it is, so running it again changes nothing.
    """
    from core.demo import NotADemo, generate

    started = time.monotonic()
    try:
        with as_cli():
            outcome = generate(manifest.read_text(encoding="utf-8"), seed=seed, days=days)
    except NotADemo as exc:
        db.session.rollback()
        fail(f"houqin demo refused, nothing written: {exc}")
    for slug in outcome.generated:
        click.echo(f"{slug}: {days} days of demo life generated")
    for slug in outcome.kept:
        click.echo(f"{slug}: has its demo life already, left as it is")
    click.echo(f"{len(outcome.accounts)} demo accounts (listed on the sign-in page)"
               f" in {time.monotonic() - started:.1f} s")


# --- people ------------------------------------------------------------------------------


@cli.group("users")
def users_group() -> None:
    """Accounts and roles."""


@users_group.command("create")
@click.option("--email", help="The e-mail address to sign in with.")
@click.option("--phone", help="A mainland mobile number to sign in with (11 digits).")
@click.option("--name", required=True)
@click.password_option(help="At least 10 characters; prompted for when not given.")
@with_appcontext
def users_create(email: str | None, phone: str | None, name: str, password: str) -> None:
    """An account signing in with an e-mail address, a mobile number, or either; the other
    commands name it by either."""
    from core.identity.passwords import WeakPassword
    from core.identity.services import create_user
    from core.rules import RuleBroken

    if not email and not phone:
        fail("give --email, --phone or both")
    try:
        with as_cli():
            user = create_user(email, name, password, phone=phone)
            db.session.commit()
    except (RuleBroken, WeakPassword) as exc:
        fail(str(exc))
    click.echo(f"created {user.login} (id {user.id})")


@users_group.command("grant")
@click.option("--email", required=True, help="The account's e-mail address or mobile number.")
@click.option("--role", required=True)
@click.option("--tenant", "slug", help="The school, for a school role.")
@click.option("--district", "district_slug", help="The district, for a district role.")
@with_appcontext
def users_grant(email: str, role: str, slug: str | None, district_slug: str | None) -> None:
    from core.identity.services import IdentityError, grant_district_role, grant_school_role
    from core.schools.registry import district_by_slug

    if bool(slug) == bool(district_slug):
        fail("name exactly one of --tenant or --district")
    user = _account(email, " (houqin users create)")
    try:
        if slug:
            with _school(slug):
                changed = grant_school_role(user, role)
                db.session.commit()
        else:
            district = district_by_slug(district_slug)
            if district is None:
                fail(f"no district {district_slug!r}")
            with as_cli():
                changed = grant_district_role(user, district.id, role)
                db.session.commit()
    except IdentityError as exc:
        fail(str(exc))
    click.echo(f"granted {role} to {email}" if changed else f"{email} already holds {role}")


@users_group.command("sessions")
@click.option("--email", required=True)
@with_appcontext
def users_sessions(email: str) -> None:
    """Where the person is signed in on the web."""
    from core.identity import sessions

    user = _account(email)
    for row in sessions.active(user.id):
        click.echo(f"{row.id}\t{row.agent or '-'}\t{row.address or '-'}\t"
                   f"since {row.created_at:%Y-%m-%d %H:%M}Z\tlast {row.last_seen_at:%Y-%m-%d %H:%M}Z")


@users_group.command("end-sessions")
@click.option("--email", required=True)
@with_appcontext
def users_end_sessions(email: str) -> None:
    """Sign the person out of every browser (API tokens are revoked with houqin tokens)."""
    from core.identity import sessions

    user = _account(email)
    with as_cli():
        ended = sessions.end_everywhere(user.id, sessions.Reason.ENDED_BY_ADMIN)
        db.session.commit()
    click.echo(f"ended {ended} session(s) of {email}")


@cli.group("tokens")
def tokens_group() -> None:
    """API tokens (bound to a person and a school)."""


@tokens_group.command("create")
@click.option("--email", required=True)
@click.option("--tenant", "slug", required=True)
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--days", default=90, show_default=True, help="Days until it expires (0: never).")
@with_appcontext
def tokens_create(email: str, slug: str, name: str, days: int) -> None:
    """Create a token and print it once; only its hash is kept."""
    from core.identity.services import create_token, district_roles, school_roles

    user = _account(email)
    with _school(slug) as tenant:
        if not school_roles(user.id) and not district_roles(user.id, tenant.district_id):
            fail(f"{email} holds no role in {tenant.slug} or its district; grant one first")
        issued = create_token(user, name, timedelta(days=days) if days else None)
        db.session.commit()
    click.echo(issued.plaintext)
    click.echo(f"token {issued.public_id} for {email} in {slug}; it is not shown again",
               err=True)


@tokens_group.command("revoke")
@click.option("--tenant", "slug", required=True)
@click.argument("public_id")
@with_appcontext
def tokens_revoke(slug: str, public_id: str) -> None:
    from core.identity.services import revoke_token

    with _school(slug):
        revoked = revoke_token(public_id)
        db.session.commit()
    click.echo("revoked" if revoked else "no such active token")


# --- jobs --------------------------------------------------------------------------------


@cli.group("jobs")
def jobs_group() -> None:
    """Background jobs: the list, the failed list, progress."""


@jobs_group.command("list")
@click.option("--tenant", "slug", required=True)
@click.option("--status", help="queued, running, retrying, finished, failed or skipped")
@with_appcontext
def jobs_list(slug: str, status: str | None) -> None:
    from core.jobs.models import JobRun
    from core.messages import read_stored

    with _school(slug):
        statement = select(JobRun).order_by(JobRun.created_at.desc()).limit(100)
        if status:
            statement = statement.where(JobRun.status == status)
        for run in db.session.scalars(statement):
            pct = f"{run.percent}%" if run.percent is not None else "-"
            shown = read_stored(run.message) or ""
            click.echo(f"{run.id}  {run.status:9} {pct:>5}  {run.func}  {shown}")


@jobs_group.command("watch")
@click.option("--tenant", "slug", required=True)
@click.argument("job_id", type=click.UUID)
@with_appcontext
def jobs_watch(slug: str, job_id: uuid.UUID) -> None:
    """Show a job's progress bar until it ends."""
    from core.jobs.models import JobRun, JobStatus
    from core.messages import read_stored

    ended = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.SKIPPED}
    with _school(slug), click.progressbar(length=100, label=str(job_id)) as bar:
        shown = 0
        while True:
            run = db.session.scalar(select(JobRun).where(JobRun.id == job_id))
            if run is None:
                fail("no such job in this school")
            percent = run.percent or 0
            bar.update(percent - shown)
            shown = percent
            if run.status in ended:
                break
            db.session.rollback()
            time.sleep(1)
    click.echo(f"{run.status}: {read_stored(run.message) or ''}")


# --- audit -------------------------------------------------------------------------------


@cli.group("audit")
def audit_group() -> None:
    """The audit trails: each school's is read in its pages and API; this is the deployment's."""


@audit_group.command("deployment")
@click.option("--entity", help="users, tenants, districts or district_memberships")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@with_appcontext
def audit_deployment(entity: str | None, limit: int) -> None:
    """Changes to accounts, schools, districts and district roles, newest first."""
    statement = select(audit.DeploymentAuditEvent).order_by(
        audit.DeploymentAuditEvent.at.desc(), audit.DeploymentAuditEvent.id.desc()).limit(limit)
    if entity:
        statement = statement.where(audit.DeploymentAuditEvent.entity == entity)
    for e in db.session.scalars(statement):
        who = f"user {e.user_id}" if e.user_id else "-"
        changed = json.dumps(e.after if e.after is not None else e.before, ensure_ascii=False,
                             sort_keys=True)
        click.echo(f"{e.at:%Y-%m-%d %H:%M:%S}Z  {e.source:6} {who:12} {e.action:7} "
                   f"{e.entity}/{e.entity_id}  {changed}")


@cli.command("scheduler-tick")
@with_appcontext
def scheduler_tick() -> None:
    """Do once what a worker's scheduler does every minute: start the periodic jobs of every
    minute not yet ticked (this one included), hand over stalled jobs, sweep, prune hourly."""
    from core.jobs.scheduler import catch_up, prune_when_due, resend, sweep

    app = current_app._get_current_object()
    click.echo(f"ticked {catch_up()} minute(s)")
    resent = resend(app)
    if resent:
        click.echo(f"handed over {resent} stalled job(s) again")
    sweep()
    prune_when_due()


# --- translations ------------------------------------------------------------------------


@cli.group("i18n")
def i18n_group() -> None:
    """Translation catalogues (core's, or a plugin's with --package)."""


def _catalogue_paths(package: str | None) -> tuple[Path, Path]:
    import core

    root = Path(package) if package else Path(core.__file__).parent.parent
    translations = (Path(package) if package else Path(core.__file__).parent) / "translations"
    return root, translations


@i18n_group.command("extract")
@click.option("--package", type=click.Path(file_okay=False, exists=True),
              help="A plugin's package folder (default: core and tenants).")
def i18n_extract(package: str | None) -> None:
    """Collect the strings marked for translation into translations/messages.pot."""
    from core.i18n import extract

    root, translations = _catalogue_paths(package)
    sources = [root] if package else [root / "core", root / "tenants"]
    count = extract(sources, translations)
    click.echo(f"{count} strings in {translations / 'messages.pot'}")


@i18n_group.command("update")
@click.option("--package", type=click.Path(file_okay=False, exists=True))
def i18n_update(package: str | None) -> None:
    from core.i18n import update

    for path in update(_catalogue_paths(package)[1]):
        click.echo(f"updated {path}")


@i18n_group.command("compile")
@click.option("--package", type=click.Path(file_okay=False, exists=True))
def i18n_compile(package: str | None) -> None:
    from core.i18n import compile_catalogues

    for path in compile_catalogues(_catalogue_paths(package)[1]):
        click.echo(f"compiled {path}")


@cli.group("plugin")
def plugin_group() -> None:
    """Write a new module, and check one against what every module must hold to."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to write the module's folder NAME.")
def plugin_new(name: str, directory: Path) -> None:
    """Write houqin-NAME, a complete module (model, migration, API, page, permissions,
    navigation, translations, tests) that installs with pip and passes its own tests."""
    from core.plugins.engine import installed_entry_points
    from core.plugins.scaffolding import ScaffoldRefused, new_plugin

    try:
        target = new_plugin(name, directory, set(installed_entry_points()))
    except ScaffoldRefused as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(f"wrote houqin-{name} in {target}")
    click.echo(f"next: pip install -e {target} && (cd {target} && pytest)")


@plugin_group.command("check")
@click.argument("name")
@click.option("--postgresql", is_flag=True, default=False,
              help="Also on a throwaway PostgreSQL database (HOUQIN_TEST_PG_ADMIN_URL).")
@click.option("-v", "--verbose", is_flag=True, default=False,
              help="Show the log of the check's requests and migrations too.")
def plugin_check(name: str, postgresql: bool, verbose: bool) -> None:
    """Check an installed module: permissions on every route, another school's user refused,
    migrations up and down, models and migrations agreeing, catalogues complete, imports of
    core only through core.sdk. Runs on throwaway databases, never the deployment's."""
    from core.plugins.check import check_plugin
    from core.plugins.engine import installed_entry_points

    if name not in installed_entry_points():
        click.echo(f"Error: no plugin named {name!r} is installed", err=True)
        raise SystemExit(2)

    def report(finding) -> None:
        click.echo(f"{'ok  ' if finding.ok else 'FAIL'}  {finding.title}")
        for problem in finding.problems:
            click.echo(f"        {problem}")
        for note in finding.notes:
            click.echo(f"        note: {note}")

    dialects = ("sqlite", "postgresql") if postgresql else ("sqlite",)
    # The walk's requests and the migrations log a line each: the findings are the answer,
    # so only warnings and errors come through unless asked.
    if not verbose:
        logging.disable(logging.INFO)
    try:
        findings = check_plugin(name, dialects, report)
    finally:
        logging.disable(logging.NOTSET)
    failed = [f for f in findings if not f.ok]
    click.echo(f"{len(findings) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise SystemExit(1)


@cli.group("mail")
def mail_group() -> None:
    """Outgoing mail."""


@mail_group.command("outbox")
@click.option("--limit", default=20, show_default=True)
@with_appcontext
def mail_outbox(limit: int) -> None:
    """The newest messages, sent or not (without SMTP this is how mail reaches people)."""
    from core.mail import outbox

    for message in outbox(limit):
        state = "sent" if message.sent_at else (f"not sent: {message.error}" if message.error
                                                else "kept (no SMTP)")
        click.echo(f"--- {message.created_at:%Y-%m-%d %H:%M} to {message.to} ({state})")
        click.echo(f"Subject: {message.subject}\n\n{message.body}\n")


# --- documentation -----------------------------------------------------------------------


@cli.group("docs")
def docs_group() -> None:
    """Pages of the documentation written from the code."""


@docs_group.command("hooks")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the page (default: docs/hooks.md of the repository).")
@click.option("--plugin", "plugins", multiple=True, metavar="PACKAGE",
              help="Also document the hooks this installed package declares (repeatable).")
@click.option("--check", is_flag=True, help="Write nothing; fail if the page is out of date.")
def docs_hooks(output: Path | None, plugins: tuple[str, ...], check: bool) -> None:
    """Write the hook reference from the docstrings where the hooks are declared."""
    from core import hookdoc

    target = output or hookdoc.DOCS_PAGE
    try:
        text = hookdoc.render(hookdoc.collect(plugins))
    except hookdoc.HookDocError as exc:
        fail(str(exc))
    if check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            fail(f"{target} is out of date: run houqin docs hooks")
        click.echo(f"{target} is current")
        return
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target} ({text.count(chr(10) + '### ')} hooks)")
