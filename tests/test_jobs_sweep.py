"""The scheduler and the stalled-job sweep across schools: set-based ticks, catch-up after a
stop, pruning, heartbeats and the refusal of an attempt that lost its job."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from houqin_testnotes import jobs as note_jobs
from houqin_testnotes.models import Note, NoteItem
from sqlalchemy import func, select, text

from core.extensions import db
from core.jobs import enqueue, scheduler
from core.jobs.context import Heartbeat, JobContext, JobRefused
from core.jobs.models import JobRun, JobStatus, SchedulerState, ScheduleTick
from core.jobs.recovery import resend_stalled
from core.jobs.scheduler import catch_up, prune, tick
from core.jobs.scope import cross_school
from core.schools.models import Tenant
from core.tenancy import tenant_context
from core.testing import run_jobs

PLUGINS = ["notes", "tags"]
SEVEN_IN_SHANGHAI = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)


@pytest.fixture
def jobs_app(app_factory):
    app = app_factory(plugins=PLUGINS)
    with app.app_context():
        yield app


@pytest.fixture
def schools(jobs_app, make_school):
    on = [make_school(f"on-{n}", modules=("notes",)) for n in range(3)]
    off = make_school("notes-off")
    return on, off


def runs_of(school) -> list[JobRun]:
    db.session.expire_all()
    with tenant_context(school):
        return db.session.scalars(select(JobRun)).all()


def count_ticks(school) -> int:
    with tenant_context(school):
        return db.session.scalar(select(func.count()).select_from(ScheduleTick))


def test_a_tick_starts_a_schedule_for_every_school_with_its_module_once(jobs_app, schools):
    on, off = schools
    started = tick(SEVEN_IN_SHANGHAI)
    assert started == [(s.slug, "notes.daily_digest") for s in on]
    assert tick(SEVEN_IN_SHANGHAI) == []  # the same minute again starts nothing
    run_jobs(jobs_app)
    for school in on:
        [run] = runs_of(school)
        assert (run.status, run.attempts, run.plugin) == (JobStatus.FINISHED, 1, "notes")
        assert count_ticks(school) == 1
        with tenant_context(school):
            titles = db.session.scalars(select(Note.title)).all()
            assert titles.count("digest") == 1
    assert runs_of(off) == [] and count_ticks(off) == 0


def test_a_tick_follows_each_schools_time_zone(jobs_app, schools):
    on, _ = schools
    db.session.get(Tenant, on[0].id).timezone = "Europe/Berlin"
    db.session.commit()
    assert [slug for slug, _ in tick(SEVEN_IN_SHANGHAI)] == [on[1].slug, on[2].slug]
    seven_in_berlin = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    assert tick(seven_in_berlin) == [(on[0].slug, "notes.daily_digest")]


def state() -> SchedulerState:
    db.session.expire_all()
    return db.session.get(SchedulerState, "ticks")


def test_the_scheduler_catches_up_the_minutes_it_missed(jobs_app, schools):
    on, _ = schools
    assert catch_up(SEVEN_IN_SHANGHAI - timedelta(minutes=5)) == 1  # first start: this minute
    assert runs_of(on[0]) == []
    # Stopped for a while: 07:00 passed while nothing ran; the next start ticks it.
    assert catch_up(SEVEN_IN_SHANGHAI + timedelta(minutes=3)) == 8
    assert len(runs_of(on[0])) == 1
    assert state().last_minute == SEVEN_IN_SHANGHAI + timedelta(minutes=3)
    assert state().skipped_minutes == 0
    assert catch_up(SEVEN_IN_SHANGHAI + timedelta(minutes=3, seconds=40)) == 0
    run_jobs(jobs_app)


def test_minutes_beyond_the_catch_up_bound_are_counted_as_skipped(jobs_app, schools):
    on, _ = schools
    jobs_app.config["SCHEDULER_CATCH_UP_MINUTES"] = 10
    catch_up(SEVEN_IN_SHANGHAI - timedelta(minutes=30))
    # 40 minutes later: the first 30 (07:00 among them) are beyond the bound of 10.
    assert catch_up(SEVEN_IN_SHANGHAI + timedelta(minutes=10)) == 10
    assert state().skipped_minutes == 30
    assert state().last_minute == SEVEN_IN_SHANGHAI + timedelta(minutes=10)
    assert runs_of(on[0]) == []


def test_pruning_removes_old_finished_runs_and_old_ticks_in_batches(jobs_app, schools,
                                                                    monkeypatch):
    on, _ = schools
    monkeypatch.setattr(scheduler, "_PRUNE_BATCH", 2)
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    long_ago, lately = now - timedelta(days=40), now - timedelta(days=3)
    with tenant_context(on[0]):
        for n in range(5):
            db.session.add(JobRun(func="x:y", status=JobStatus.FINISHED, created_at=long_ago,
                                  finished_at=long_ago, args=[], kwargs={}))
            db.session.add(ScheduleTick(schedule="s", slot=f"old-{n}", created_at=long_ago))
        db.session.add(JobRun(func="x:y", status=JobStatus.FAILED, created_at=lately,
                              finished_at=lately, args=[], kwargs={}))
        db.session.add(JobRun(func="x:y", status=JobStatus.RUNNING, created_at=long_ago,
                              args=[], kwargs={}))
        db.session.add(ScheduleTick(schedule="s", slot="recent", created_at=lately))
        db.session.commit()
    assert prune(now) == {"job_runs": 5, "schedule_ticks": 5}
    assert sorted(r.status for r in runs_of(on[0])) == ["failed", "running"]
    assert count_ticks(on[0]) == 1
    assert prune(now) == {"job_runs": 0, "schedule_ticks": 0}


def a_running_job(jobs_app, school, count=30) -> tuple[uuid.UUID, str]:
    """A write_items job whose attempt 1 checkpointed items 0..9 and then fell silent."""
    with tenant_context(school):
        note = Note(title="n")
        db.session.add(note)
        db.session.commit()
        note_id = str(note.id)
        run = enqueue(note_jobs.write_items, note_id, count)
        run.status, run.attempts = JobStatus.RUNNING, 1  # claimed before any handover
        run.started_at = run.heartbeat_at = datetime.now(UTC) - timedelta(seconds=300)
        for seq in range(10):
            db.session.add(NoteItem(note_id=note.id, seq=seq))
        db.session.info.pop("houqin_pending_jobs", None)  # its worker took it already
        db.session.commit()
        return run.id, note_id


def test_a_job_whose_heartbeat_is_stale_is_taken_again_from_its_checkpoint(jobs_app, schools):
    on, _ = schools
    a_running_job(jobs_app, on[0])
    assert resend_stalled(waiting_for=0, running_for=90) == 1
    assert resend_stalled(waiting_for=0, running_for=90) == 0  # handed over: not twice
    run_jobs(jobs_app)
    [done] = runs_of(on[0])
    assert (done.status, done.attempts) == (JobStatus.FINISHED, 2)
    with tenant_context(on[0]):
        seqs = db.session.scalars(select(NoteItem.seq).order_by(NoteItem.seq)).all()
    assert seqs == list(range(30))


def test_a_job_that_lost_its_worker_on_every_attempt_is_failed_not_taken_again(jobs_app,
                                                                              schools):
    on, _ = schools
    run_id, _ = a_running_job(jobs_app, on[0])
    with tenant_context(on[0]):
        run = db.session.get(JobRun, (on[0].id, run_id))
        run.attempts = run.max_attempts
        db.session.commit()
    assert resend_stalled(waiting_for=0, running_for=90) == 0
    [failed] = runs_of(on[0])
    assert failed.status == JobStatus.FAILED and failed.finished_at is not None
    assert "every attempt" in failed.message


def test_a_live_heartbeat_keeps_the_job_from_being_taken(jobs_app, schools):
    on, _ = schools
    run_id, _ = a_running_job(jobs_app, on[0])
    with tenant_context(on[0]):
        db.session.get(JobRun, (on[0].id, run_id)).heartbeat_at = datetime.now(UTC)
        db.session.commit()
    assert resend_stalled(waiting_for=0, running_for=90) == 0
    assert runs_of(on[0])[0].status == JobStatus.RUNNING


def test_the_old_attempt_is_refused_at_its_next_checkpoint(jobs_app, schools):
    on, _ = schools
    run_id, note_id = a_running_job(jobs_app, on[0])
    with tenant_context(on[0]):
        old = JobContext(db.session.get(JobRun, (on[0].id, run_id)), on[0])
        db.session.commit()
    resend_stalled(waiting_for=0, running_for=90)  # the sweep takes the job again
    with tenant_context(on[0]):
        db.session.add(NoteItem(note_id=uuid.UUID(note_id), seq=99))
        with pytest.raises(JobRefused):
            old.checkpoint()
        db.session.rollback()
    run_jobs(jobs_app)
    with tenant_context(on[0]):
        seqs = db.session.scalars(select(NoteItem.seq).order_by(NoteItem.seq)).all()
    assert seqs == list(range(30))  # the refused attempt's item 99 was never committed


def test_an_old_attempts_failure_does_not_overwrite_the_attempt_that_took_over(jobs_app,
                                                                               schools):
    from core.jobs import runner

    on, _ = schools
    run_id, _ = a_running_job(jobs_app, on[0])
    resend_stalled(waiting_for=10**6, running_for=90)  # the sweep takes the job from attempt 1
    with tenant_context(on[0]):
        run = db.session.get(JobRun, (on[0].id, run_id))
        assert run.status == JobStatus.RETRYING
        run.status, run.attempts = JobStatus.RUNNING, 2  # attempt 2 claims it
        db.session.commit()
        with pytest.raises(JobRefused):  # attempt 1, still alive, then raises
            runner._failed(on[0].id, str(run_id), 1, RuntimeError("the old attempt failed"))
    [held] = runs_of(on[0])
    assert (held.status, held.attempts, held.error) == (JobStatus.RUNNING, 2, None)
    with tenant_context(on[0]), pytest.raises(runner.JobFailed):  # attempt 2's own failure
        runner._failed(on[0].id, str(run_id), 2, RuntimeError("the new attempt failed"))
    [recorded] = runs_of(on[0])
    assert recorded.status == JobStatus.RETRYING and "new attempt" in recorded.message


def test_the_heartbeat_is_written_while_a_job_runs(jobs_app, schools):
    on, _ = schools
    run_id, _ = a_running_job(jobs_app, on[0])
    jobs_app.config["JOB_HEARTBEAT_SECONDS"] = 0.1
    before = runs_of(on[0])[0].heartbeat_at
    with Heartbeat(on[0].id, run_id, 1):
        time.sleep(0.8)
    after = runs_of(on[0])[0].heartbeat_at
    assert after > before + timedelta(seconds=200)


@pytest.mark.redis
def test_rq_records_a_refused_duplicate_as_failed_not_finished(app_factory, houqin_redis_url,
                                                              make_school):
    from rq.job import Job

    app = app_factory(plugins=PLUGINS, REDIS_URL=houqin_redis_url,
                      RQ_QUEUE=f"houqin-test-{uuid.uuid4().hex[:8]}")
    with app.app_context():
        school = make_school("rq-school", modules=("notes",))
        with tenant_context(school):
            note = Note(title="n")
            db.session.add(note)
            db.session.commit()
            run = enqueue(note_jobs.write_items, str(note.id), 3)
            db.session.commit()
            run_id, attempts = str(run.id), run.max_attempts
        run_jobs(app)
        backend = app.extensions["houqin_jobs"]
        assert Job.fetch(run_id, connection=backend.connection).get_status() == "finished"
        backend.dispatch(school.id, run_id, attempts)  # a late retry of a finished job
        run_jobs(app)
        job = Job.fetch(run_id, connection=backend.connection)
        assert job.get_status() == "failed"
        assert "JobRefused" in (job.latest_result().exc_string or "")
        [done] = runs_of(school)
        assert (done.status, done.attempts) == (JobStatus.FINISHED, 1)


def test_the_cross_school_scope_opens_only_the_job_tables(jobs_app, schools):
    on, _ = schools
    tick(SEVEN_IN_SHANGHAI)
    with tenant_context(on[0]):
        db.session.add(Note(title="private"))
        db.session.commit()
    with cross_school("test") as connection:
        runs = connection.execute(text("SELECT count(*) FROM job_runs")).scalar()
        modules = connection.execute(text("SELECT count(*) FROM tenant_modules")).scalar()
        notes = connection.execute(text("SELECT count(*) FROM notes")).scalar()
    db.session.commit()
    assert runs == 3 and modules >= 3
    if connection.dialect.name == "postgresql":
        assert notes == 0  # row-level security: no school is in context for other tables
        with cross_school("test") as connection:  # tenant_modules: read, never written
            assert connection.execute(text(
                "UPDATE tenant_modules SET enabled = false WHERE true RETURNING 1")).all() == []
        db.session.rollback()
        refused = pytest.raises(Exception, match="row-level security")
        with refused, cross_school("test") as connection:
            connection.execute(text(
                "INSERT INTO tenant_modules (tenant_id, id, module, enabled, settings,"
                " changed_at) VALUES (:t, :i, 'x', true, '{}', now())"),
                {"t": on[0].id, "i": uuid.uuid4()})
        db.session.rollback()
    with cross_school("after") as connection:
        pass
    db.session.commit()
    # Outside the scope (a new transaction), nothing of the job tables is visible.
    if connection.dialect.name == "postgresql":
        assert db.session.execute(text("SELECT count(*) FROM job_runs")).scalar() == 0
        db.session.rollback()


def test_the_scheduler_tick_command_catches_up_like_a_worker(jobs_app, schools):
    from click.testing import CliRunner

    from core.cli import cli

    first = CliRunner().invoke(cli, ["scheduler-tick"])
    assert first.exit_code == 0 and "ticked 1 minute(s)" in first.output
    again = CliRunner().invoke(cli, ["scheduler-tick"])
    last = db.session.scalar(select(SchedulerState.last_minute))
    # The same minute is never ticked twice; a new minute begun in between is ticked once.
    same_minute = last.replace(tzinfo=UTC) == datetime.now(UTC).replace(second=0, microsecond=0)
    assert f"ticked {0 if same_minute else 1} minute(s)" in again.output
