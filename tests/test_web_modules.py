"""The modules page: a school's admin sees its modules, switches one, and changes a module's
settings through a form made from the module's own schema; refused values name the field and
change nothing, and a user without the permission cannot."""

import pytest

from core.extensions import db
from core.identity import services as identity
from core.schools import modules as module_service
from core.tenancy import tenant_context
from tests.test_web import csrf, sign_in

pytestmark = pytest.mark.houqin_plugins("canteen", "fees")
SLUG = "modules-web"
BASE = f"/t/{SLUG}"


@pytest.fixture
def school(app, make_school):
    school = make_school(SLUG, modules=("fees",))
    for email, role in (("admin@modules.test", "school_admin"),
                        ("nurse@modules.test", "nurse")):
        user = identity.create_user(email, email, "correct-horse-1")
        with tenant_context(school):
            identity.grant_school_role(user, role)
    db.session.commit()
    return school


def fees_settings(school) -> dict:
    with tenant_context(school):
        return next(m for m in module_service.module_states() if m["name"] == "fees")["settings"]


def test_an_admin_changes_settings_through_the_form(client, school):
    sign_in(client, email="admin@modules.test")
    page = client.get(f"{BASE}/modules/fees/settings").get_data(as_text=True)
    assert "收费公示" in page  # the fields' labels, in the reader's language
    answer = client.post(f"{BASE}/modules/fees/settings", data={
        "csrf_token": csrf(page), "school_phone": "0551-1234567", "bureau_phone": "0551-7654321",
        "regulator_phone": "", "payee": "", "absence_refunds": "on"})
    assert answer.status_code == 302
    saved = fees_settings(school)
    assert (saved["school_phone"], saved["bureau_phone"], saved["absence_refunds"]) == (
        "0551-1234567", "0551-7654321", True)


def test_a_refused_value_names_its_field_and_changes_nothing(client, school):
    sign_in(client, email="admin@modules.test")
    before = fees_settings(school)
    page = client.get(f"{BASE}/modules/fees/settings").get_data(as_text=True)
    answer = client.post(f"{BASE}/modules/fees/settings", data={
        "csrf_token": csrf(page), "school_phone": "1" * 40})
    assert answer.status_code == 422
    assert 'data-testid="error-school_phone"' in answer.get_data(as_text=True)
    assert fees_settings(school) == before


def test_switching_a_module_on_from_the_page(client, school):
    sign_in(client, email="admin@modules.test")
    page = client.get(f"{BASE}/modules").get_data(as_text=True)
    assert client.post(f"{BASE}/modules/canteen/switch", data={
        "csrf_token": csrf(page), "enabled": "1"}).status_code == 302
    with tenant_context(school):
        assert "canteen" in module_service.enabled_modules()


def test_without_the_permission_the_settings_cannot_be_changed(client, school):
    sign_in(client, email="nurse@modules.test")
    page = client.get(f"{BASE}/").get_data(as_text=True)
    answer = client.post(f"{BASE}/modules/fees/settings", data={
        "csrf_token": csrf(page), "school_phone": "123"})
    assert answer.status_code == 403
    assert fees_settings(school).get("school_phone", "") == ""


def canteen_settings(school) -> dict:
    with tenant_context(school):
        return next(m for m in module_service.module_states()
                    if m["name"] == "canteen")["settings"]


def test_lists_and_nested_settings_have_real_inputs_and_errors_beside_them(client, school):
    with tenant_context(school):
        module_service.enable("canteen")
        db.session.commit()
    sign_in(client, email="admin@modules.test")
    page = client.get(f"{BASE}/modules/canteen/settings").get_data(as_text=True)
    assert "供应的餐次" in page and "晨检体温" in page
    assert "<textarea" not in page  # no setting is a JSON box
    assert 'type="checkbox" name="meal_slots" value="lunch" checked' in page
    assert 'name="meal_prices_fen.full" type="number"' in page and 'max="20000"' in page
    assert page.count('name="certificate_warn_days" type="number"') == 3  # 30, 7 and a blank
    assert 'name="subsidies.0.code"' in page  # the blank entry to add a subsidy
    form = {"csrf_token": csrf(page), "meal_slots": ["breakfast", "lunch", "dinner"],
            "count_cutoff": "08:30", "meal_fees": "on", "meal_prices_fen.full": "1200",
            "meal_prices_fen.reduced": "600", "meal_prices_fen.staff": "1500",
            "subsidies.0.code": "nutrition", "subsidies.0.name": "营养改善计划",
            "subsidies.0.fen_per_day": "400", "subsidies.0.tiers": ["reduced", "free"],
            "certificate_warn_days": ["60", "", "7", "1"], "stock_warning_days": "3",
            "tuck_shop_warn_days": "7", "fever_from": "37.5",
            "health_certificate_warn_days": ["30", "7", ""]}
    assert client.post(f"{BASE}/modules/canteen/settings", data=form).status_code == 302
    saved = canteen_settings(school)
    assert saved["meal_slots"] == ["breakfast", "lunch", "dinner"]
    assert saved["meal_prices_fen"] == {"full": 1200, "reduced": 600, "staff": 1500}
    assert saved["subsidies"] == [{"code": "nutrition", "name": "营养改善计划",
                                   "fen_per_day": 400, "tiers": ["reduced", "free"]}]
    assert saved["certificate_warn_days"] == [60, 7, 1]  # the emptied box is gone
    assert (saved["fever_from"], saved["count_cutoff"]) == ("37.5", "08:30")

    page = client.get(f"{BASE}/modules/canteen/settings").get_data(as_text=True)
    assert 'value="营养改善计划"' in page and 'name="subsidies.1.code"' in page
    removed = client.post(f"{BASE}/modules/canteen/settings", data={
        **form, "subsidies.0._remove": "1"})
    assert removed.status_code == 302 and canteen_settings(school)["subsidies"] == []

    before = canteen_settings(school)
    refused = client.post(f"{BASE}/modules/canteen/settings", data={
        **form, "meal_prices_fen.full": "-5", "certificate_warn_days": ["30", "999"],
        "subsidies.0.code": "Bad Code"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for name in ("meal_prices_fen.full", "certificate_warn_days.1", "subsidies.0.code"):
        assert f'data-testid="error-{name}"' in body, name
    assert 'value="999"' in body  # what was typed is shown again beside its error
    assert canteen_settings(school) == before
