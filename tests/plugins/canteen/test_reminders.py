"""The daily reminder job: what needs attention becomes one notification per finding, for the
people who can act on it, raised once however often the job runs."""

from datetime import UTC, datetime, timedelta

import pytest

from core.jobs.scheduler import tick
from core.notifications import services as notifications
from core.tenancy import tenant_context
from core.testing import run_jobs
from plugins.canteen import services

from .support import dish, serve

pytestmark = pytest.mark.houqin_plugins("canteen")
HALF_PAST_SEVEN_IN_SHANGHAI = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


def test_yesterdays_unsampled_dishes_are_reminded_once_to_those_who_take_samples(
        app, client, school, manager, make_user):
    teacher = make_user(school, "class_teacher")
    with tenant_context(school):
        yesterday = services.today() - timedelta(days=1)
    dish_id = dish(client, manager).get_json()["id"]
    serve(client, manager, dish_id, day=yesterday)

    assert ("canteen-school", "canteen.daily_reminders") in tick(HALF_PAST_SEVEN_IN_SHANGHAI)
    run_jobs(app)
    tick(HALF_PAST_SEVEN_IN_SHANGHAI + timedelta(days=1))  # the next day's run, same findings
    run_jobs(app)

    listed = client.get("/api/v1/notifications", headers=manager.headers).get_json()
    assert [n["text"] for n in listed] == [
        f"1 dishes served on {yesterday.isoformat()} have no retained sample"]
    assert client.get("/api/v1/notifications", headers=teacher.headers).get_json() == []
    with tenant_context(school):
        shown = notifications.inbox(manager.id, frozenset({"canteen.samples.write"}))
        assert shown[0].notification.endpoint_args == {"day": yesterday.isoformat()}
