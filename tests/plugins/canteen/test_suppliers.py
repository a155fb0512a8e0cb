"""Canteen: suppliers and their certificates (索证索票) — standing, warnings, scans."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from core.files import StoredFile
from core.schools.modules import update_settings
from core.tenancy import tenant_context
from core.testing import signed_in
from plugins.canteen.models import Certificate
from plugins.canteen.schemas.suppliers import credit_code_is_valid
from plugins.canteen.services import suppliers as services

from .support import PNG, certificate, school_today, supplier

pytestmark = pytest.mark.houqin_plugins("canteen")


def test_the_credit_code_check_character_follows_gb_32100():
    for good in ("91350100M000100Y43", "91440300708461136T", "91110000802100433B"):
        assert credit_code_is_valid(good), good
    assert not credit_code_is_valid("91350100M000100Y44")  # one character off
    assert not credit_code_is_valid("91350100I000100Y43")  # I is not in the alphabet


def test_a_supplier_is_kept_and_bad_input_refused_by_field(client, manager):
    created = supplier(client, manager, contact="张经理", phone="0571-88886666",
                       supplies="蔬菜、豆制品", credit_code=" 91350100m000100y43 ")
    assert created.status_code == 201
    body = created.get_json()
    assert body["credit_code"] == "91350100M000100Y43"
    # Without a licence on file, a supplier may not deliver, and says why; it is no expiry.
    assert body["status"] == "unlicensed" and "no business licence" in body["problems"][0]
    for bad, field in (({"name": "绿源蔬菜合作社", "credit_code": "JY13301000000009"}, "name"),
                       ({"name": "别家", "credit_code": "91350100M000100Y43"}, "credit_code"),
                       ({"name": "别家", "credit_code": "91350100M000100Y44"}, "credit_code"),
                       ({"name": "别家", "credit_code": "12"}, "credit_code"),
                       ({"name": "别家", "credit_code": "JY13301000000009", "phone": "call me"},
                        "phone")):
        refused = client.post("/api/v1/canteen/suppliers", headers=manager.headers, json=bad)
        assert refused.status_code == 422 and field in refused.get_json()["errors"], bad
    # An older licence number is taken as it is.
    assert supplier(client, manager, name="老王豆腐坊",
                    credit_code="JY13301000000009").status_code == 201
    listed = client.get("/api/v1/canteen/suppliers", headers=manager.headers).get_json()
    assert [s["name"] for s in listed] == ["绿源蔬菜合作社", "老王豆腐坊"]
    retired = client.patch(f"/api/v1/canteen/suppliers/{body['id']}", headers=manager.headers,
                           json={"active": False})
    assert retired.status_code == 200 and retired.get_json()["active"] is False
    assert client.delete(f"/api/v1/canteen/suppliers/{body['id']}",
                         headers=manager.headers).status_code == 405


def test_certificates_decide_the_standing_and_are_warned_30_and_7_days_ahead(
        client, manager, school):
    today = school_today()
    soon = supplier(client, manager, name="甲").get_json()["id"]
    certificate(client, manager, soon, valid_until=today + timedelta(days=20))
    sooner = supplier(client, manager, name="乙", credit_code="JY13301000000009").get_json()["id"]
    certificate(client, manager, sooner, kind="business_licence", valid_until=None)
    certificate(client, manager, sooner, kind="food_operation_licence",
                valid_until=today + timedelta(days=5))
    renewed = supplier(client, manager, name="丙", credit_code="JY13301000000010").get_json()["id"]
    certificate(client, manager, renewed, valid_until=today - timedelta(days=1))
    certificate(client, manager, renewed, valid_until=today + timedelta(days=400),
                issued_on=today.isoformat(), number="JY13301000000011")
    lapsed = supplier(client, manager, name="丁", credit_code="JY13301000000012").get_json()["id"]
    certificate(client, manager, lapsed, kind="business_licence", valid_until=None)
    certificate(client, manager, lapsed, valid_until=today - timedelta(days=1))
    reports_only = supplier(client, manager, name="戊", credit_code="JY13301000000013")
    certificate(client, manager, reports_only.get_json()["id"], kind="inspection_report",
                valid_until=today + timedelta(days=60))

    standing = {s["name"]: s["status"] for s in client.get(
        "/api/v1/canteen/suppliers", headers=manager.headers).get_json()}
    assert standing == {"甲": "expiring", "乙": "expiring", "丙": "valid", "丁": "expired",
                        "戊": "unlicensed"}
    renewed_certs = client.get(f"/api/v1/canteen/suppliers/{renewed}/certificates",
                               headers=manager.headers).get_json()
    assert sorted(c["status"] for c in renewed_certs) == ["superseded", "valid"]
    expired = client.get("/api/v1/canteen/suppliers/expired", headers=manager.headers).get_json()
    assert {s["name"] for s in expired} == {"丁", "戊"}
    assert "lapsed on" in next(s for s in expired if s["name"] == "丁")["problems"][0]

    within_week = client.get("/api/v1/canteen/certificates/expiring?within=7",
                             headers=manager.headers).get_json()
    assert [(c["supplier"], c["days_left"]) for c in within_week] == [("乙", 5)]
    with tenant_context(school):
        warned = [(e.supplier.name, horizon) for e, horizon in
                  services.certificate_warnings(today)]
        assert warned == [("乙", 7), ("甲", 30)]
        assert [s.supplier.name for s in services.expired_suppliers(today)] == ["丁", "戊"]
        # The horizons are a school setting: no regulation names them.
        update_settings("canteen", {"certificate_warn_days": [14]})
        db.session.commit()
        assert [(e.supplier.name, h) for e, h in services.certificate_warnings(today)] == [
            ("乙", 14)]


def test_a_certificate_keeps_its_scan_checked_by_content_and_served_behind_read(
        app, client, manager, school, make_user, make_school):
    supplier_id = supplier(client, manager).get_json()["id"]
    until = school_today() + timedelta(days=90)
    kept = certificate(client, manager, supplier_id, valid_until=until, scan=PNG)
    assert kept.status_code == 201 and kept.get_json()["has_scan"] is True
    scan_url = f"/api/v1/canteen/certificates/{kept.get_json()['id']}/scan"
    served = client.get(scan_url, headers=manager.headers)
    assert served.status_code == 200 and served.data == PNG
    assert served.mimetype == "image/png"

    not_a_scan = certificate(client, manager, supplier_id, valid_until=until,
                             scan=b"MZ\x90\x00 a program")
    assert not_a_scan.status_code == 415 and "scan" in not_a_scan.get_json()["errors"]
    app.config["UPLOAD_MAX_BYTES"] = 100
    too_big = certificate(client, manager, supplier_id, valid_until=until, scan=PNG * 3)
    assert too_big.status_code == 413 and "scan" in too_big.get_json()["errors"]
    backwards = certificate(client, manager, supplier_id, valid_until=until.replace(
        year=2023), scan=PNG)
    assert backwards.status_code == 422 and "valid_until" in backwards.get_json()["errors"]
    with tenant_context(school):  # the refused ones left nothing behind
        assert len(db.session.scalars(select(Certificate)).all()) == 1
        assert len(db.session.scalars(select(StoredFile)).all()) == 1

    teacher = make_user(school, "class_teacher")
    assert client.get(scan_url, headers=teacher.headers).status_code == 403
    intruder = make_user(make_school("canteen-other", modules=("canteen",)), "canteen_manager")
    assert client.get(scan_url, headers=intruder.headers).status_code == 404


def test_the_pages_list_badges_and_take_a_certificate_photo(client, manager, school):
    token = signed_in(client, manager)
    bad = client.post("/t/canteen-school/m/canteen/suppliers", data={
        "csrf_token": token, "name": "绿源蔬菜合作社", "credit_code": "91350100M000100Y44"})
    assert bad.status_code == 422 and 'data-testid="error-credit_code"' in bad.get_data(
        as_text=True)
    added = client.post("/t/canteen-school/m/canteen/suppliers", data={
        "csrf_token": token, "name": "绿源蔬菜合作社", "credit_code": "91350100M000100Y43"})
    assert added.status_code == 302
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert 'accept="image/*,application/pdf" capture' in page
    assert 'data-testid="problem"' in page  # no licence yet: may not deliver

    supplier_page = added.headers["Location"]
    import io
    taken = client.post(f"{supplier_page}/certificates", content_type="multipart/form-data",
                        data={"csrf_token": token, "cert_kind": "food_operation_licence",
                              "cert_number": "JY13301000000001", "cert_issued_on": "2024-01-01",
                              "cert_valid_until": (school_today() + timedelta(days=10))
                              .isoformat(), "cert_scan": (io.BytesIO(PNG), "photo.png")})
    assert taken.status_code == 302
    page = client.get(supplier_page).get_data(as_text=True)
    assert 'data-testid="problem"' not in page and "JY13301000000001" in page
    with tenant_context(school):
        cert_id = db.session.scalar(select(Certificate.id))
    assert client.get(f"/t/canteen-school/m/canteen/certificates/{cert_id}/scan").data == PNG
    listing = client.get("/t/canteen-school/m/canteen/suppliers").get_data(as_text=True)
    assert 'class="badge expiring"' in listing and 'data-horizon="30"' in listing

    not_image = client.post(f"{supplier_page}/certificates", content_type="multipart/form-data",
                            data={"csrf_token": token, "cert_kind": "business_licence",
                                  "cert_number": "X1", "cert_issued_on": "2024-01-01",
                                  "cert_scan": (io.BytesIO(b"plain text"), "notes.txt")})
    assert not_image.status_code == 415
    assert 'data-testid="error-cert_scan"' in not_image.get_data(as_text=True)
    with tenant_context(school):
        assert len(db.session.scalars(select(Certificate)).all()) == 1


def test_an_active_supplier_without_any_certificate_is_one_that_may_not_deliver(
        client, manager, school):
    supplier(client, manager, name="庚")
    retired = supplier(client, manager, name="辛", credit_code="JY13301000000009").get_json()
    assert client.patch(f"/api/v1/canteen/suppliers/{retired['id']}", headers=manager.headers,
                        json={"active": False}).status_code == 200
    with tenant_context(school):
        watch = services.supplier_watch(school_today())
        assert [(s.supplier.name, s.certificates) for s in watch.expired] == [("庚", [])]
        assert "no business licence" in watch.expired[0].problems[0]
        assert watch.warnings == []


def test_the_pages_tell_a_supplier_without_a_licence_from_one_whose_licence_lapsed(
        client, manager):
    new = supplier(client, manager, name="新来的").get_json()["id"]
    lapsed = supplier(client, manager, name="过期的", credit_code="JY13301000000012").get_json()
    certificate(client, manager, lapsed["id"],
                valid_until=school_today() - timedelta(days=1))
    signed_in(client, manager)
    listing = client.get("/t/canteen-school/m/canteen/suppliers").get_data(as_text=True)
    rows = {row.split("</td>")[0]: row for row in listing.split("<tr>")[1:]}
    new_row = next(r for name, r in rows.items() if "新来的" in name)
    lapsed_row = next(r for name, r in rows.items() if "过期的" in name)
    assert 'class="badge unlicensed"' in new_row and "badge expired" not in new_row
    assert 'class="badge expired"' in lapsed_row
    page = client.get(f"/t/canteen-school/m/canteen/suppliers/{new}").get_data(as_text=True)
    assert 'class="badge unlicensed"' in page and "badge expired" not in page
    form = client.get("/t/canteen-school/m/canteen/deliveries/new").get_data(as_text=True)
    assert form.count("disabled>") >= 2  # neither may be chosen for a delivery
