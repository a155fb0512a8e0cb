"""Fixtures for the canteen's tests: a school with a calendar and the canteen on, and its
canteen manager."""

from datetime import date

import pytest

from core.calendar import services as calendar
from core.extensions import db
from core.tenancy import tenant_context


@pytest.fixture
def school(app, make_school):
    school = make_school("canteen-school", modules=("canteen",))
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        calendar.create_term(year.id, "第一学期", date(2026, 9, 1), date(2027, 1, 22))
        db.session.commit()
    return school


@pytest.fixture
def manager(school, make_user):
    return make_user(school, "canteen_manager")
