"""Fixtures for the energy module's tests: a school with the module on, its asset keeper
and a helper that sets the module's settings as a school would."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from core.tenancy import tenant_context

pytestmark = pytest.mark.houqin_plugins("energy")
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(app, make_school):
    return make_school("energy-school", modules=("energy",))


@pytest.fixture
def keeper(school, make_user):
    return make_user(school, "asset_keeper")


@pytest.fixture
def settings_of(app, school, make_user):
    """Put the module's settings through core's settings API, as a school administrator."""
    admin = make_user(school, "school_admin", email="energy-admin@test")
    client = app.test_client()

    def put(values: dict):
        answer = client.put("/t/energy-school/api/v1/modules/energy",
                            json={"enabled": True, "settings": values}, headers=admin.headers)
        assert answer.status_code == 200, answer.get_json()
        return answer
    return put


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    """A moment on the school's clock."""
    return datetime.combine(day, time(hour, minute), ZONE)


def today() -> date:
    return datetime.now(ZONE).date()


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def meter(school, number="W-1", kind="water", digits=5, multiplier=1, parent=None,
          installed_days_ago=400):
    from plugins.energy.services import meters

    with tenant_context(school):
        made = meters.create({"number": number, "kind": kind, "digits": digits,
                              "multiplier": multiplier, "parent_id": parent,
                              "installed_on": days_ago(installed_days_ago)})
        db.session.commit()
        return made.id


def read(school, meter_id, when: datetime, value, rolled_over=False):
    from plugins.energy.services import readings

    with tenant_context(school):
        reading = readings.record(meter_id, {"read_at": when, "value": Decimal(str(value)),
                                             "rolled_over": rolled_over})
        db.session.commit()
        return reading.used


def building(school, name: str):
    """One of the school's buildings, set up in core's places as a school would; its id."""
    from core.people.services import create_building

    with tenant_context(school):
        made = create_building(name)
        db.session.commit()
        return made.id
