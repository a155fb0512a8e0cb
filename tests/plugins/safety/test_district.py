"""The district home's safety card: each school's open, late and grave hazards and the
hazards reported to the district until they close — read in one query a table across the
district's schools, audited in each school read; another district's schools never appear."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from core.audit import AuditEvent
from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in

from .conftest import school_day

pytestmark = pytest.mark.houqin_plugins("safety")


def _hazard(school, place, level="general", deadline=None, close=False):
    from datetime import UTC, datetime

    from core.people.models import Staff
    from plugins.safety.services import hazards

    with tenant_context(school):
        found = datetime.now(UTC) - timedelta(days=3)
        hazard = hazards.report({"place": place, "description": "待查", "level": level,
                                 "found_at": found})
        if deadline is not None:
            staff = Staff(name="李师傅", position="维修工")
            db.session.add(staff)
            db.session.flush()
            hazards.assign(hazard, {"owner_id": staff.id, "deadline": deadline})
        if close:
            hazards.fix(hazard, {"note": "已修"})
            hazards.verify(hazard, {"passed": True})
        db.session.commit()


def test_the_card_lists_the_district_s_hazards_and_only_its_own(client, make_school, make_user):
    near = make_school("s-near", district="district-a", modules=("safety",))
    other = make_school("s-other", district="district-a", modules=("safety",))
    far = make_school("s-far", district="district-b", modules=("safety",))
    yesterday = school_day() - timedelta(days=1)
    _hazard(near, "近校楼梯", deadline=yesterday)
    _hazard(near, "近校实验室", level="grave")
    _hazard(near, "近校已修", level="grave", deadline=school_day(), close=True)
    _hazard(other, "另校操场", deadline=school_day() + timedelta(days=5))
    _hazard(far, "远校重大隐患", level="grave")
    from plugins.safety.services import drills

    with tenant_context(near):  # held last month: near's last period had its drill
        last_month = school_day().replace(day=1) - timedelta(days=3)
        drill = drills.plan({"kind": "fire", "planned_on": last_month, "scope": "全校"})
        drills.record(drill, {"held_on": last_month, "participants": 500, "evaluation": "有序"})
        db.session.commit()

    inspector = make_user(None, district=near.district_id, role="district_inspector")
    signed_in(client, inspector)
    statements = []

    def seen(conn, cursor, statement, *args):
        if "FROM safety_" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = client.get("/district/district-a")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="safety-district"' in html
    # Hazard counts, escalated, drills, incident counts, incidents sent: all schools at once.
    assert len(statements) == 5
    card = html.split('data-testid="safety-district"')[1].split("</div>")[0]
    rows = card.split("<tr>")[2:]
    assert near.name in rows[0] and "<td>2</td><td>1</td><td>1</td>" in rows[0]
    assert other.name in rows[1] and "<td>1</td><td>0</td><td>0</td>" in rows[1]
    escalated = html.split('data-testid="safety-escalated"')[1].split("</ul>")[0]
    assert "近校实验室" in escalated and "近校已修" not in escalated
    missed = html.split('data-testid="safety-drills-missed"')[1].split("</ul>")[0]
    assert other.name in missed and near.name not in missed
    assert "远校" not in html and far.name not in html
    for school in (near, other):
        with tenant_context(school):
            reads = db.session.scalars(select(AuditEvent).where(
                AuditEvent.action == "district_read",
                AuditEvent.entity == "safety_hazards")).all()
            assert len(reads) == 1
    with tenant_context(far):
        assert not db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "district_read")).all()
