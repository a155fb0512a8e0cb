"""The district home's energy card: last month's use per student of each school, grouped by
school type, read in one query across the district's schools, audited in each school read;
another district's schools, and schools without the module, never appear."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import event, select

from core.audit import AuditEvent
from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in
from tests.plugins.canteen.support import classroom

from .conftest import ZONE, meter, read

pytestmark = pytest.mark.houqin_plugins("energy")


def last_month_days():
    first = datetime.now(ZONE).date().replace(day=1)
    start = (first - timedelta(days=1)).replace(day=1)
    return start + timedelta(days=1), start + timedelta(days=19)


@pytest.fixture
def district(make_school):
    """Two primary schools and a kindergarten in district-a, each with a water meter and
    enrolled pupils; a primary school of district-b and one of district-a without the module."""
    schools = {
        "e-prim-1": ("primary", "district-a", ("energy",), 2, "20"),
        "e-prim-2": ("primary", "district-a", ("energy",), 4, "60"),
        "e-kinder": ("kindergarten", "district-a", ("energy",), 1, "9"),
        "e-far": ("primary", "district-b", ("energy",), 5, "500"),
        "e-off": ("primary", "district-a", (), 3, None),
    }
    early, late = last_month_days()
    made = {}
    for slug, (kind, where, modules, pupils, used) in schools.items():
        school = made[slug] = make_school(slug, type=kind, district=where, modules=modules)
        classroom(school, "1班", students=pupils)
        if used is not None:
            water = meter(school, "W-1")
            read(school, water, datetime.combine(early, time(8), ZONE), "0")
            read(school, water, datetime.combine(late, time(8), ZONE), used)
    return made


def test_the_card_compares_per_student_use_by_school_type(client, district, make_user):
    inspector = make_user(None, district=district["e-prim-1"].district_id,
                          role="district_inspector")
    signed_in(client, inspector)
    statements = []

    def seen(conn, cursor, statement, *args):
        if "energy_readings" in statement:
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get("/district/district-a")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="energy-district"' in html
    assert len(statements) == 1  # one read for all the schools, not one a school
    card = html.split('data-testid="energy-district"')[1].split("</table>")[0]
    primary = card.split('data-testid="energy-type-primary"')[1].split("energy-type-")[0]
    kinder = card.split('data-testid="energy-type-kindergarten"')[1]
    assert "<th>13.33</th>" in primary  # (20 + 60) m³ over 2 + 4 pupils
    assert "<td>10.00</td>" in primary and "<td>15.00</td>" in primary
    assert "<td>9.00</td>" in kinder
    assert district["e-far"].name not in html  # another district's school: not even listed
    assert district["e-off"].name not in card  # the module is off there
    assert "100.00" not in card  # district-b's 500 over 5 pupils


def test_each_school_read_records_the_read_and_no_other(client, district, make_user):
    inspector = make_user(None, district=district["e-prim-1"].district_id,
                          role="district_inspector")
    signed_in(client, inspector)
    assert client.get("/district/district-a").status_code == 200
    for slug, expected in (("e-prim-1", 1), ("e-prim-2", 1), ("e-kinder", 1), ("e-off", 0),
                           ("e-far", 0)):
        with tenant_context(district[slug]):
            found = db.session.scalars(select(AuditEvent).where(
                AuditEvent.action == "district_read",
                AuditEvent.entity == "energy_readings")).all()
        assert len(found) == expected, slug


def test_the_district_read_refuses_to_write(app, district):
    from core.schools.registry import tenant_by_slug
    from core.sdk import district_read
    from core.tenancy import DistrictRef
    from plugins.energy.models import Meter

    school = tenant_by_slug("e-prim-1")
    ref = DistrictRef(school.district_id, "district-a", "district-a", "Asia/Shanghai")

    def write(schools):
        meter_row = db.session.scalar(select(Meter))
        meter_row.location = "changed"
        db.session.flush()

    with pytest.raises(Exception, match="school data can only be changed"):
        district_read(ref, "a test", "energy_meters", write, module="energy")
    db.session.rollback()
