"""``houqin db upgrade`` says which migrations it applied, not only that the database is up
to date (an author applying a new branch could not tell whether it ran)."""

from click.testing import CliRunner
from flask.cli import ScriptInfo

from core import testing
from core.cli import cli
from core.migrate import upgrade


def test_upgrade_lists_what_it_applied_then_says_nothing_was_left(app_factory, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = app_factory(plugins=["canteen"], database=testing.TestDatabase(url, url))
    applied: list[str] = []
    upgrade(app, applied)
    assert applied[0].startswith("core ")  # oldest first: core's first revision
    assert any(line.startswith("canteen ") for line in applied)
    assert not any(line.startswith("fees ") for line in applied)  # not loaded, not applied
    again: list[str] = []
    upgrade(app, again)
    assert again == []


def test_the_command_prints_each_applied_migration(app_factory, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = app_factory(plugins=["canteen"], database=testing.TestDatabase(url, url))
    runner = CliRunner()
    first = runner.invoke(cli, ["db", "upgrade"], obj=ScriptInfo(create_app=lambda: app))
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0].startswith("applied core ")
    assert any(line.startswith("applied canteen ") for line in lines)
    assert lines[-1] == f"applied {len(lines) - 1} migration(s); database is up to date"
    second = runner.invoke(cli, ["db", "upgrade"], obj=ScriptInfo(create_app=lambda: app))
    assert second.output.strip() == "database was already up to date"


def _served(monkeypatch, app, args, env=None):
    """Run ``houqin run ARGS`` with the server and the job thread replaced by recorders."""
    import core.cli
    import core.jobs.scheduler

    calls = {}
    monkeypatch.setattr(core.cli, "run_simple",
                        lambda host, port, served, **options: calls.update(options))
    monkeypatch.setattr(core.jobs.scheduler, "start_thread",
                        lambda app: calls.update(jobs=True))
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["run", *args], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    return calls


def test_run_reloads_only_when_asked_and_runs_jobs_once(app_factory, monkeypatch):
    app = app_factory(REDIS_URL=None)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert _served(monkeypatch, app, []) == {"threaded": True, "use_reloader": False,
                                             "jobs": True}
    # The watching parent starts no jobs; the serving child it restarts does.
    watching = _served(monkeypatch, app, ["--reload"])
    watched = watching.pop("extra_files")
    assert watching == {"threaded": True, "use_reloader": True}
    serving = _served(monkeypatch, app, ["--reload"], {"WERKZEUG_RUN_MAIN": "true"})
    assert serving.pop("extra_files") == watched
    assert serving == {"threaded": True, "use_reloader": True, "jobs": True}
    # A catalogue compiled anew, core's or a module's, restarts the server too; a changed
    # template is read again without one.
    catalogues = {"/".join(path.split("/")[-5:]) for path in watched}
    assert {"core/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
            "canteen/translations/en/LC_MESSAGES/messages.mo"} <= catalogues
    assert app.jinja_env.auto_reload
