"""Background jobs on both backends: in-process (embedded default) and rq on Redis."""

import gc
import uuid
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from houqin_testnotes import jobs as note_jobs
from houqin_testnotes.models import Note, NoteItem
from sqlalchemy import select

from core.audit import Actor, AuditEvent, acting_as
from core.cli import cli
from core.extensions import db
from core.jobs import enqueue
from core.jobs.models import JobRun, JobStatus, ScheduleTick
from core.jobs.scheduler import tick
from core.schools import modules
from core.schools.models import Tenant
from core.tenancy import tenant_context
from core.testing import run_jobs

PLUGINS = ["notes", "tags"]


@pytest.fixture(params=["in-process", "rq"])
def jobs_app(request, app_factory):
    if request.param == "rq":
        redis_url = request.getfixturevalue("houqin_redis_url")
        app = app_factory(plugins=PLUGINS, REDIS_URL=redis_url,
                          RQ_QUEUE=f"houqin-test-{uuid.uuid4().hex[:8]}")
    else:
        app = app_factory(plugins=PLUGINS, REDIS_URL=None)
    with app.app_context():
        yield app


@pytest.fixture
def school(jobs_app, make_school):
    return make_school("jobs-school", modules=("notes",))


def new_note(school) -> str:
    with tenant_context(school):
        note = Note(title="with items")
        db.session.add(note)
        db.session.commit()
        return str(note.id)


def items(school, note_id) -> list[int]:
    with tenant_context(school):
        return sorted(db.session.scalars(
            select(NoteItem.seq).where(NoteItem.note_id == uuid.UUID(note_id))))


def the_run(school, run_id) -> JobRun:
    db.session.expire_all()
    with tenant_context(school):
        return db.session.scalar(select(JobRun).where(JobRun.id == run_id))


def test_a_job_is_handed_over_only_when_its_transaction_commits(jobs_app, school):
    note_id = new_note(school)
    with tenant_context(school):
        enqueue(note_jobs.write_items, note_id, 3)
        db.session.rollback()
    run_jobs(jobs_app)
    assert items(school, note_id) == []
    with tenant_context(school):
        assert db.session.scalars(select(JobRun)).all() == []


@pytest.mark.redis
def test_a_failed_job_is_retried_and_loses_nothing(jobs_app, school):
    note_id = new_note(school)
    with tenant_context(school), acting_as(Actor(user_id=None, source="cli")):
        run = enqueue(note_jobs.write_items, note_id, 35, 25)
        db.session.commit()
        run_id = run.id
    run_jobs(jobs_app)
    run = the_run(school, run_id)
    assert run.status == JobStatus.FINISHED, run.error
    assert run.attempts == 2
    assert "simulated failure at item 25" in run.error  # the first attempt's error is kept
    assert (run.progress_done, run.progress_total, run.percent) == (35, 35, 100)
    # Items 0-19 were checkpointed before the failure; 20-24 were rolled back and redone.
    assert items(school, note_id) == list(range(35))


def test_a_job_that_keeps_failing_lands_in_the_failed_list(jobs_app, school, make_user):
    admin = make_user(school, "school_admin")
    note_id = new_note(school)
    with tenant_context(school):
        run = enqueue(note_jobs.write_items, note_id, 5, 2, max_attempts=1)
        db.session.commit()
        run_id = str(run.id)
    run_jobs(jobs_app)
    run = the_run(school, uuid.UUID(run_id))
    assert (run.status, run.attempts) == (JobStatus.FAILED, 1)
    assert items(school, note_id) == []  # nothing half-written
    client = jobs_app.test_client()
    failed = client.get("/api/v1/jobs?status=failed", headers=admin.headers)
    assert [j["id"] for j in failed.get_json()] == [run_id]
    assert failed.get_json()[0]["message"] == "RuntimeError: simulated failure at item 2"
    one = client.get(f"/api/v1/jobs/{run_id}", headers=admin.headers).get_json()
    assert one["status"] == "failed"
    result = CliRunner().invoke(cli, ["jobs", "list", "--tenant", "jobs-school",
                                      "--status", "failed"])
    assert run_id in result.output


def test_a_job_skips_when_its_module_was_switched_off_meanwhile(jobs_app, school):
    note_id = new_note(school)
    with tenant_context(school):
        run = enqueue(note_jobs.write_items, note_id, 3)
        modules.disable("notes")
        db.session.commit()
        run_id = run.id
    run_jobs(jobs_app)
    run = the_run(school, run_id)
    assert run.status == JobStatus.SKIPPED
    from core.messages import read_stored  # kept as a phrase, read in the reader's language

    assert "module notes is off" in read_stored(run.message)
    assert items(school, note_id) == []


def test_a_job_reenters_its_school_and_records_who_asked(jobs_app, school, make_school,
                                                          make_user):
    other = make_school("other-school", modules=("notes",))
    user = make_user(school, "logistics_director")
    note_id = new_note(school)
    with tenant_context(school), acting_as(Actor(user_id=user.id, source="api")):
        run_id = str(enqueue(note_jobs.write_items, note_id, 2).id)
        db.session.commit()
    run_jobs(jobs_app)
    assert items(school, note_id) == [0, 1]
    with tenant_context(other):
        assert db.session.scalars(select(NoteItem)).all() == []
    with tenant_context(school):
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "note_items")).all()
        assert {(e.source, e.user_id, e.request_id) for e in events} == {
            ("job", user.id, run_id)}


def test_job_started_through_the_api_reports_progress(jobs_app, school, make_user):
    admin = make_user(school, "school_admin")
    note_id = new_note(school)
    client = jobs_app.test_client()
    response = client.post(f"/api/v1/notes/{note_id}/items-job", json={"count": 12},
                           headers=admin.headers)
    assert response.status_code == 202
    job_id = response.get_json()["job"]
    run_jobs(jobs_app)
    job = client.get(f"/api/v1/jobs/{job_id}", headers=admin.headers).get_json()
    assert (job["status"], job["percent"], job["message"]) == ("finished", 100, "item 12 of 12")


def test_enqueue_refuses_an_unregistered_function(jobs_app, school):
    from core.jobs.registry import JobNotRegistered

    with tenant_context(school), pytest.raises(JobNotRegistered, match="houqin_jobs"):
        enqueue(items, "x")


def test_periodic_jobs_run_per_school_in_its_time_zone_once(jobs_app, school, make_school):
    make_school("notes-off")
    berlin = make_school("berlin-school", modules=("notes",))

    db.session.get(Tenant, berlin.id).timezone = "Europe/Berlin"
    db.session.commit()
    seven_in_shanghai = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    assert tick(seven_in_shanghai) == [("jobs-school", "notes.daily_digest")]
    assert tick(seven_in_shanghai) == []  # a second worker in the same minute starts nothing
    run_jobs(jobs_app)
    with tenant_context(school):
        assert db.session.scalars(select(Note.title).where(Note.title == "digest")).all() == [
            "digest"]
        assert db.session.scalars(select(ScheduleTick.slot)).all() == ["2026-11-21T07:00"]
    seven_in_berlin = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    assert tick(seven_in_berlin) == [("berlin-school", "notes.daily_digest")]


@pytest.mark.redis
def test_houqin_worker_runs_jobs_in_forked_work_horses(app_factory, houqin_redis_url,
                                                       make_school):
    app = app_factory(plugins=PLUGINS, REDIS_URL=houqin_redis_url,
                      RQ_QUEUE=f"houqin-test-{uuid.uuid4().hex[:8]}")
    with app.app_context():
        school = make_school("worker-school", modules=("notes",))
        note_id = new_note(school)
        with tenant_context(school):
            run_id = enqueue(note_jobs.write_items, note_id, 25, 15).id
            db.session.commit()
        result = CliRunner().invoke(cli, ["worker", "--burst"])
        assert result.exit_code == 0, result.output
        # It froze what it had built before the first job (out of the collector's walks).
        frozen = gc.get_freeze_count()
        gc.unfreeze()
        assert frozen > 0
        finished = the_run(school, run_id)
        assert (finished.status, finished.attempts) == (JobStatus.FINISHED, 2)
        assert items(school, note_id) == list(range(25))


def test_a_job_can_be_scheduled_for_later(jobs_app, school):
    import time
    from datetime import timedelta

    from core.db import utcnow

    note_id = new_note(school)
    with tenant_context(school):
        run_id = enqueue(note_jobs.write_items, note_id, 2,
                         run_at=utcnow() + timedelta(seconds=1.5)).id
        db.session.commit()
    backend = jobs_app.extensions["houqin_jobs"]
    if hasattr(backend, "queue"):  # rq: waiting in the scheduled registry, not on the queue
        from rq.registry import ScheduledJobRegistry

        assert backend.queue.count == 0
        assert str(run_id) in ScheduledJobRegistry(queue=backend.queue).get_job_ids()
        time.sleep(1.6)
        from rq.scheduler import RQScheduler

        # One pass of the scheduler that `houqin worker` runs (with_scheduler=True).
        scheduler = RQScheduler([backend.queue], connection=backend.connection)
        scheduler.acquire_locks()
        scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()
    else:
        time.sleep(0.5)
        assert the_run(school, run_id).status == JobStatus.QUEUED  # not yet
    run_jobs(jobs_app)
    assert the_run(school, run_id).status == JobStatus.FINISHED
    assert items(school, note_id) == [0, 1]


def test_a_job_whose_handover_failed_is_sent_again_and_runs_once(jobs_app, school, monkeypatch):
    from core.jobs.recovery import resend_stalled

    note_id = new_note(school)
    backend = jobs_app.extensions["houqin_jobs"]

    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(backend, "dispatch", broken)
    with tenant_context(school):
        run_id = enqueue(note_jobs.write_items, note_id, 3).id
        db.session.commit()  # the handover fails after the commit: no error reaches the caller
    monkeypatch.undo()
    assert the_run(school, run_id).status == JobStatus.QUEUED
    assert resend_stalled(waiting_for=0, running_for=None) == 1
    assert resend_stalled(waiting_for=0, running_for=None) == 0  # pending now: not sent twice
    run_jobs(jobs_app)
    run = the_run(school, run_id)
    assert (run.status, run.attempts) == (JobStatus.FINISHED, 1)
    assert items(school, note_id) == [0, 1, 2]


def test_a_job_handed_over_twice_runs_once(jobs_app, school):
    note_id = new_note(school)
    backend = jobs_app.extensions["houqin_jobs"]
    with tenant_context(school):
        run = enqueue(note_jobs.write_items, note_id, 3)
        db.session.commit()
        run_id, max_attempts = str(run.id), run.max_attempts
    if hasattr(backend, "queue"):
        # rq keeps one job per id; a second handover of the same id replaces the first,
        # so the duplicate comes from a second, in-flight copy: run the job now, then again.
        run_jobs(jobs_app)
        backend.dispatch(school.id, run_id, max_attempts)
    else:
        backend.dispatch(school.id, run_id, max_attempts)
    run_jobs(jobs_app)
    done = the_run(school, uuid.UUID(run_id))
    assert (done.status, done.attempts) == (JobStatus.FINISHED, 1)
    assert items(school, note_id) == [0, 1, 2]


def test_a_job_enqueued_before_a_savepoint_waits_for_the_real_commit(jobs_app, school):
    """SQLAlchemy calls after_commit when a savepoint is released (first_writer's are): a job
    enqueued before one must still be handed over only at the commit, not run (and skipped
    for want of its committed record) before it."""
    from core.db.races import first_writer

    note_id = new_note(school)
    backend = jobs_app.extensions["houqin_jobs"]
    with tenant_context(school):
        run = enqueue(note_jobs.write_items, note_id, 2)
        first_writer(Note(title="written in a savepoint"))
        run_id = str(run.id)
        assert not backend.is_pending(run_id)  # not handed over at the savepoint
        db.session.commit()
    run_jobs(jobs_app)
    assert the_run(school, uuid.UUID(run_id)).status == JobStatus.FINISHED
    assert items(school, note_id) == [0, 1]
