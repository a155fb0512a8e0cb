"""The hazard pages as staff use them on a phone: a report with a photo, a photo that is not
an image refused by its field with nothing written, the owner's fix and the officer's
verification, the register's filters and its .xlsx, the home card."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from core.extensions import db
from core.tenancy import tenant_context
from core.testing import signed_in

from .conftest import SLUG, staff_of

pytestmark = pytest.mark.houqin_plugins("safety")
BASE = f"/t/{SLUG}/m/safety"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def hazards_of(school):
    from plugins.safety.models import Hazard

    with tenant_context(school):
        return db.session.scalars(select(Hazard).order_by(Hazard.found_at)).all()


def test_report_fix_and_verify_through_the_pages(app, school, officer, keeper, make_user):
    teacher = make_user(school, "class_teacher", email="teacher@safety.test")
    reporter = app.test_client()
    token = signed_in(reporter, teacher)
    form = reporter.get(f"{BASE}/hazards/new")
    assert form.status_code == 200 and 'capture="environment"' in form.get_data(as_text=True)
    text = reporter.post(f"{BASE}/hazards/new", content_type="multipart/form-data", data={
        "csrf_token": token, "place": "食堂后门", "description": "灭火器被杂物遮挡",
        "level": "general", "photo": (io.BytesIO(b"not an image at all"), "x.png")})
    assert text.status_code == 415 and 'data-testid="error-photo"' in text.get_data(as_text=True)
    assert hazards_of(school) == []
    saved = reporter.post(f"{BASE}/hazards/new", content_type="multipart/form-data", data={
        "csrf_token": token, "place": "食堂后门", "description": "灭火器被杂物遮挡",
        "level": "general", "photo": (io.BytesIO(PNG), "found.png")})
    assert saved.status_code == 302
    hazard = hazards_of(school)[0]
    assert reporter.get(f"{BASE}/hazards/{hazard.id}/photo").data == PNG

    owner_id = staff_of(school, keeper)
    manager = app.test_client()
    manager_token = signed_in(manager, officer)
    page = manager.get(f"{BASE}/hazards/{hazard.id}").get_data(as_text=True)
    assert 'data-testid="assign"' in page and 'data-testid="fix"' not in page
    refused = manager.post(f"{BASE}/hazards/{hazard.id}/assignment", data={
        "csrf_token": manager_token, "owner_id": owner_id, "level": "general", "deadline": ""})
    assert refused.status_code == 422
    assert 'data-testid="error-deadline"' in refused.get_data(as_text=True)
    assert manager.post(f"{BASE}/hazards/{hazard.id}/assignment", data={
        "csrf_token": manager_token, "owner_id": owner_id, "level": "major",
        "deadline": "2099-01-01"}).status_code == 302

    fixer = app.test_client()
    fixer_token = signed_in(fixer, keeper)
    assert fixer.post(f"{BASE}/hazards/{hazard.id}/fix", content_type="multipart/form-data", data={
        "csrf_token": fixer_token, "note": "清理杂物", "photo": (io.BytesIO(PNG), "after.png"),
    }).status_code == 302
    page = manager.get(f"{BASE}/hazards/{hazard.id}").get_data(as_text=True)
    assert 'data-testid="verify"' in page and "清理杂物" in page
    assert manager.post(f"{BASE}/hazards/{hazard.id}/verification", data={
        "csrf_token": manager_token, "passed": "true"}).status_code == 302
    again = manager.post(f"{BASE}/hazards/{hazard.id}/verification", data={
        "csrf_token": manager_token, "passed": "true"})
    assert again.status_code == 409
    assert hazards_of(school)[0].status == "closed"
    with tenant_context(school):
        from plugins.safety.models import HazardStep

        assert db.session.scalar(select(func.count()).select_from(HazardStep)
                                 .where(HazardStep.photo_id.is_not(None))) == 2


def test_the_register_filters_and_exports_what_it_shows(app, client, school, officer):
    from plugins.safety.services import hazards

    with tenant_context(school):
        for place, level in (("操场", "general"), ("实验室", "grave"), ("=HYPERLINK(1)", "major")):
            hazards.report({"place": place, "description": "待查", "level": level})
        db.session.commit()
    signed_in(client, officer)
    page = client.get(f"{BASE}/hazards?level=grave").get_data(as_text=True)
    assert "实验室" in page and "操场" not in page
    assert f"{BASE}/hazards.xlsx?level=grave" in page.replace("&amp;", "&")
    sheet = load_workbook(io.BytesIO(client.get(f"{BASE}/hazards.xlsx?level=grave").data)).active
    rows = list(sheet.values)
    assert rows[0][:5] == ("序号", "发现时间", "隐患部位", "隐患", "隐患等级")
    assert [r[2] for r in rows[1:]] == ["实验室"] and rows[1][4] == "重大"
    everything = load_workbook(io.BytesIO(client.get(f"{BASE}/hazards.xlsx").data)).active
    formula = next(c for row in everything.iter_rows() for c in row if c.value == "=HYPERLINK(1)")
    assert formula.data_type == "s"  # text, never a live formula
    bad = client.get(f"{BASE}/hazards?level=nonsense&status=overdue")
    assert bad.status_code == 200  # an unusable filter is dropped, the rest kept
    home = client.get(f"/t/{SLUG}/").get_data(as_text=True)
    assert 'data-testid="safety-widget"' in home


def test_a_guard_checks_an_extinguisher_from_its_page(app, client, school, make_user):
    from plugins.safety.services import equipment

    with tenant_context(school):
        made = equipment.create({"number": "MHQ-1", "kind": "extinguisher", "agent": "co2",
                                 "produced_on": __import__("datetime").date(2020, 5, 1),
                                 "place": "配电室"}).id
        db.session.commit()
    guard = make_user(school, "guard", email="guard@safety.test")
    token = signed_in(client, guard)
    listed = client.get(f"{BASE}/equipment?due=check").get_data(as_text=True)
    assert "MHQ-1" in listed and "2032-05-01" in listed  # CO₂: scrapped 12 years on
    page = client.get(f"{BASE}/equipment/{made}").get_data(as_text=True)
    assert 'data-testid="check"' in page and 'data-testid="service"' not in page
    refused = client.post(f"{BASE}/equipment/{made}/checks", data={
        "csrf_token": token, "checked_on": "", "pressure": "false", "seal": "true",
        "hose": "", "body": "", "works": "", "note": ""})
    assert refused.status_code == 422 and 'data-testid="error-note"' in refused.get_data(as_text=True)
    saved = client.post(f"{BASE}/equipment/{made}/checks", data={
        "csrf_token": token, "checked_on": "", "pressure": "true", "seal": "true",
        "hose": "true", "body": "true", "works": "", "note": ""})
    assert saved.status_code == 302
    page = client.get(f"{BASE}/equipment/{made}").get_data(as_text=True)
    assert "check due" not in page.split('data-testid="last-check"')[1].split("</dd>")[0]
    assert client.get(f"{BASE}/equipment?due=check").get_data(as_text=True).count("MHQ-1") == 0
