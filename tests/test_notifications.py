"""Notifications: raised once per key for the holders of a permission, read per person."""

import pytest

from core.extensions import db
from core.notifications import services
from core.notifications.models import Notification
from core.tenancy import tenant_context
from core.testing import signed_in

N_CANTEEN = "%(count)s certificates expire within %(days)s days"


@pytest.fixture
def school(app, make_school):
    return make_school("notified")


def test_the_same_key_updates_one_notification_and_a_change_makes_it_unread(app, school,
                                                                            make_user):
    manager = make_user(school, "canteen_manager")
    with tenant_context(school):
        first = services.notify("certs:2026-11-21", "core.modules.read", N_CANTEEN,
                                {"count": 2, "days": 30})
        db.session.commit()
        services.mark_read(first.id, manager.id, frozenset({"core.modules.read"}))
        again = services.notify("certs:2026-11-21", "core.modules.read", N_CANTEEN,
                                {"count": 2, "days": 30})
        assert again.id == first.id
        assert services.unread_count(manager.id, frozenset({"core.modules.read"})) == 0
        services.notify("certs:2026-11-21", "core.modules.read", N_CANTEEN,
                        {"count": 3, "days": 30})
        db.session.commit()
        shown = services.inbox(manager.id, frozenset({"core.modules.read"}))
        assert [(s.text, s.read) for s in shown] == [
            ("3 certificates expire within 30 days", False)]
        assert len(db.session.scalars(db.select(Notification)).all()) == 1


def test_people_see_only_what_their_permissions_reach_and_read_it_themselves(
        app, client, school, make_user, make_school):
    manager = make_user(school, "logistics_director")
    teacher = make_user(school, "class_teacher")
    with tenant_context(school):
        services.notify("kitchen", "core.calendar.manage", N_CANTEEN, {"count": 1, "days": 7},
                        source="canteen")
        services.notify("everyone", "core.self", "Welcome")
        db.session.commit()
    listed = client.get("/api/v1/notifications", headers=manager.headers).get_json()
    assert sorted(n["text"] for n in listed) == ["1 certificates expire within 7 days", "Welcome"]
    teacher_sees = client.get("/api/v1/notifications", headers=teacher.headers).get_json()
    assert [n["text"] for n in teacher_sees] == ["Welcome"]
    kitchen = next(n for n in listed if n["source"] == "canteen")
    assert client.post(f"/api/v1/notifications/{kitchen['id']}/read", headers=teacher.headers
                       ).status_code == 404  # not addressed to a class teacher
    assert client.post(f"/api/v1/notifications/{kitchen['id']}/read", headers=manager.headers
                       ).status_code == 204
    unread = client.get("/api/v1/notifications?unread=true", headers=manager.headers).get_json()
    assert [n["text"] for n in unread] == ["Welcome"]
    assert client.get("/api/v1/notifications?unread=true", headers=teacher.headers
                      ).get_json()[0]["read"] is False  # the manager's read is theirs alone

    other = make_school("elsewhere")
    stranger = make_user(other, "canteen_manager")
    assert client.get("/api/v1/notifications", headers=stranger.headers).get_json() == []
    assert client.post(f"/api/v1/notifications/{kitchen['id']}/read",
                       headers=stranger.headers).status_code == 404


def test_the_home_page_counts_unread_and_the_page_reads_them(app, client, school, make_user):
    manager = make_user(school, "canteen_manager")
    with tenant_context(school):
        services.notify("a", "core.self", "Welcome")
        services.notify("b", "core.self", "Samples are missing for %(meal)s", {"meal": "lunch"})
        db.session.commit()
    csrf = signed_in(client, manager)
    client.post("/language", data={"locale": "en", "csrf_token": csrf})
    home = client.get("/t/notified/").get_data(as_text=True)
    assert "2 notifications need your attention" in home
    page = client.get("/t/notified/notifications").get_data(as_text=True)
    assert "Samples are missing for lunch" in page
    assert client.post("/t/notified/notifications/read-all",
                       data={"csrf_token": csrf}).status_code == 302
    assert "need your attention" not in client.get("/t/notified/").get_data(as_text=True)
