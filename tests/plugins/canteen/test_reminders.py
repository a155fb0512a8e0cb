"""The daily reminder job: what needs attention becomes one notification per finding, for the
people who can act on it, raised once however often the job runs."""

from datetime import UTC, datetime, timedelta

import pytest

from core.extensions import db
from core.jobs.scheduler import tick
from core.notifications import services as notifications
from core.sdk import school_today, school_zone
from core.tenancy import tenant_context
from core.testing import run_jobs

from .support import dish, serve

pytestmark = pytest.mark.houqin_plugins("canteen")
HALF_PAST_SEVEN_IN_SHANGHAI = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


def test_yesterdays_unsampled_dishes_are_reminded_once_to_those_who_take_samples(
        app, client, school, manager, make_user):
    teacher = make_user(school, "class_teacher")
    with tenant_context(school):
        yesterday = school_today() - timedelta(days=1)
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id, day=yesterday)

    assert ("canteen-school", "canteen.daily_reminders") in tick(HALF_PAST_SEVEN_IN_SHANGHAI)
    run_jobs(app)
    tick(HALF_PAST_SEVEN_IN_SHANGHAI + timedelta(days=1))  # the next day's run, same findings
    run_jobs(app)

    listed = client.get("/api/v1/notifications", headers=manager.headers).get_json()
    assert sorted(n["text"] for n in listed) == [
        f"1 dishes served on {yesterday.isoformat()} have no retained sample",
        f"Hygiene records are missing for {yesterday.isoformat()}"]
    assert client.get("/api/v1/notifications", headers=teacher.headers).get_json() == []
    with tenant_context(school):
        shown = notifications.inbox(manager.id, frozenset({"canteen.samples.write"}))
        assert len(shown) == 1
        assert shown[0].notification.endpoint_args == {"day": yesterday.isoformat()}


def test_before_the_cut_off_each_head_teacher_hears_of_their_class_and_the_kitchen_of_all(
        app, client, school, manager, make_user):
    from plugins.canteen import jobs

    from .support import classroom, school_day_ahead

    head, other_head = make_user(school, "class_teacher"), make_user(school, "class_teacher")
    classroom(school, "1班", head=head)
    classroom(school, "2班", head=other_head)
    day = school_day_ahead(school)
    with tenant_context(school):
        early = datetime(day.year, day.month, day.day, 7, 30, tzinfo=school_zone())
        jobs.raise_all(jobs.findings(day, early))
        after_cut_off = jobs.findings(day, early + timedelta(hours=2))
        assert [f.key for f in after_cut_off if "counts" in f.key] == []
        db.session.commit()
    mine = client.get("/api/v1/notifications", headers=head.headers).get_json()
    assert [n["text"] for n in mine] == ["一年级1班: report today's meal counts by 09:00"]
    kitchen = client.get("/api/v1/notifications", headers=manager.headers).get_json()
    assert [n["text"] for n in kitchen] == [
        "2 classes have not reported today's meal counts (closes at 09:00)"]


def test_lapsing_certificates_are_reminded_once_per_warning_horizon(app, client, school,
                                                                    manager):
    from plugins.canteen import jobs

    from . import support
    from .test_health import certificate as health_certificate
    from .test_health import worker

    with tenant_context(school):
        today = school_today()
    supplier_id = support.supplier(client, manager).get_json()["id"]
    assert support.certificate(client, manager, supplier_id,
                               valid_until=today + timedelta(days=5)).status_code == 201
    wang = worker(client, manager, school, "王师傅")
    assert health_certificate(client, manager, wang, today - timedelta(days=300),
                              today + timedelta(days=20)).status_code == 201
    with tenant_context(school):
        now = datetime.now(UTC)
        keys = sorted(f.key.rsplit(":", 1)[-1] + " " + f.key.split(":")[1]
                      for f in jobs.findings(today, now) if "certificate" in f.key)
        texts = {f.key.split(":")[1]: f for f in jobs.findings(today, now)}
    assert keys == ["30 health-certificate", "7 supplier-certificate"]
    assert texts["supplier-certificate"].permission == "canteen.suppliers.manage"
    assert texts["health-certificate"].params["name"] == "王师傅"
