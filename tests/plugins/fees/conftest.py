"""Fixtures for the fee module's tests: a school with a term and the fee module on, its
finance clerk and head, and a check that the money records reconcile after every test that
used the school."""

from datetime import date

import pytest

from core.calendar import services as calendar
from core.extensions import db
from core.tenancy import tenant_context

TERM_START, TERM_END = date(2026, 9, 1), date(2027, 1, 22)


@pytest.fixture
def school(app, make_school):
    school = make_school("fees-school", modules=("fees",))
    with tenant_context(school):
        year = calendar.create_year("2026学年", date(2026, 9, 1), date(2027, 8, 31))
        calendar.create_term(year.id, "第一学期", TERM_START, TERM_END)
        db.session.commit()
    yield school
    from plugins.fees.services.ledger import reconcile

    with tenant_context(school):
        found = reconcile()
        db.session.rollback()
    assert found == [], f"the money records do not reconcile: {found}"


@pytest.fixture
def term_id(school):
    from sqlalchemy import select

    from core.calendar.models import Term

    with tenant_context(school):
        return str(db.session.scalar(select(Term.id)))


@pytest.fixture
def clerk(school, make_user):
    return make_user(school, "finance_clerk")


@pytest.fixture
def head(school, make_user):
    return make_user(school, "school_admin")
