"""Fixtures for the safety module's tests: a school with the module on, its safety officer,
members of staff with logins, and a helper that sets the module's settings as a school would."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("safety")
SLUG = "safety-school"
API = f"/t/{SLUG}/api/v1/safety"


def school_day() -> date:
    """Today at the test schools, in Beijing: from 16:00 UTC on, the machine's tomorrow."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def school(app, make_school):
    return make_school(SLUG, modules=("safety",))


@pytest.fixture
def officer(school, make_user):
    return make_user(school, "safety_officer", email="officer@safety.test")


@pytest.fixture
def director(school, make_user):
    return make_user(school, "logistics_director", email="director@safety.test")


@pytest.fixture
def keeper(school, make_user):
    """The asset keeper, with a staff record linked to their login: the usual owner."""
    return make_user(school, "asset_keeper", email="keeper@safety.test")


def staff_of(school, user, name="李师傅"):
    """A staff record for ``user``'s login; its id."""
    from core.people.models import Staff

    with tenant_context(school):
        staff = Staff(name=name, position="维修工", user_id=user.id)
        db.session.add(staff)
        db.session.commit()
        return str(staff.id)


@pytest.fixture
def settings_of(app, school, make_user):
    """Put the module's settings through core's settings API, as a school administrator."""
    admin = make_user(school, "school_admin", email="safety-admin@test")
    client = app.test_client()

    def put(values: dict):
        answer = client.put(f"/t/{SLUG}/api/v1/modules/safety",
                            json={"enabled": True, "settings": values}, headers=admin.headers)
        assert answer.status_code == 200, answer.get_json()
        return answer
    return put


def report(client, user, **extra):
    answer = client.post(f"{API}/hazards", headers=user.headers, json={
        "place": "教学楼三楼东侧楼梯", "description": "扶手松动", **extra})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()
