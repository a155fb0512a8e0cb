"""Fire equipment: the service and scrap days GB 50444-2008's tables give, computed against a
table written here from the standard; the check period (monthly, half-monthly in the places
§5.2.2 lists) with the day moved, never slept; a district's override; bad input named by its
field with nothing written; the register imported and exported through core's registers."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from core.extensions import db
from core.sdk import import_sheet
from core.tenancy import tenant_context
from core.testing import signed_in, xlsx_of

from .conftest import API, SLUG, school_day

pytestmark = pytest.mark.houqin_plugins("safety")
MADE = date(2020, 3, 1)
# 表5.3.2 (first service after manufacture, then every N years) and 表5.4.3 (scrapping after
# manufacture), read from the standard, per agent: (first, every, scrap) in years.
TABLE = {"water_based": (3, 1, 6), "dry_powder": (5, 2, 10), "clean_agent": (5, 2, 10),
         "co2": (5, 2, 12)}


@pytest.fixture
def keeper(school, make_user):
    return make_user(school, "asset_keeper", email="keeper@safety.test")


@pytest.fixture
def guard(school, make_user):
    return make_user(school, "guard", email="guard@safety.test")


def add(client, user, number, **extra):
    body = {"number": number, "kind": "extinguisher", "agent": "dry_powder", "capacity": "4kg",
            "produced_on": MADE.isoformat(), "place": "教学楼一层走廊", **extra}
    answer = client.post(f"{API}/equipment", headers=user.headers, json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_service_and_scrap_days_follow_the_standard_s_tables(client, school, keeper):
    for agent, (first, every, scrap) in TABLE.items():
        shown = add(client, keeper, f"MHQ-{agent}", agent=agent)
        assert shown["service_due"] == MADE.replace(year=MADE.year + first).isoformat(), agent
        assert shown["scrap_due"] == MADE.replace(year=MADE.year + scrap).isoformat(), agent
        serviced = date(2024, 6, 1)
        after = client.post(f"{API}/equipment/{shown['id']}/service", headers=keeper.headers,
                            json={"serviced_on": serviced.isoformat()}).get_json()
        assert after["service_due"] == serviced.replace(year=serviced.year + every).isoformat()
        assert after["scrap_due"] == shown["scrap_due"]  # a service does not make it younger
    leap = add(client, keeper, "MHQ-leap", agent="water_based", produced_on="2020-02-29")
    assert leap["scrap_due"] == "2026-02-28"  # six years on, 2026 has no 29 February
    hydrant = add(client, keeper, "XHS-1", kind="hydrant", agent=None, produced_on=None)
    assert (hydrant["service_due"], hydrant["scrap_due"], hydrant["period"]) == (None, None, None)
    rules = client.get(f"{API}/rules", headers=keeper.headers).get_json()
    by_key = {r["key"]: r for r in rules}
    assert by_key["scrap_years_co2"]["value"] == 12
    assert by_key["scrap_years_co2"]["certainty"] == "secondary"
    assert by_key["extinguisher_check"]["certainty"] == "verified"
    assert "表5.4.3" in by_key["scrap_years_co2"]["source"]


def test_a_district_overrides_a_period_and_says_so(app, client, school, keeper):
    folder = Path(app.instance_path) / "regulations" / "district-a"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "safety.toml").write_text('[scrap_years_dry_powder]\nvalue = 8\n'
                                        'source = "某区消防器材管理细则（测试）"\n')
    try:
        shown = add(client, keeper, "MHQ-1")
        rules = {r["key"]: r for r in client.get(f"{API}/rules", headers=keeper.headers).get_json()}
    finally:
        (folder / "safety.toml").unlink()
    assert shown["scrap_due"] == "2028-03-01"
    assert (rules["scrap_years_dry_powder"]["overridden_by"],
            rules["scrap_years_dry_powder"]["certainty"]) == ("district-a", "district")


def test_checks_fall_due_each_month_or_each_half_month(client, school, keeper, guard):
    from plugins.safety.models import Equipment
    from plugins.safety.services import equipment

    corridor = add(client, keeper, "MHQ-1")
    boiler = add(client, keeper, "MHQ-2", place="锅炉房", listed_place=True)
    assert (corridor["period"], boiler["period"]) == ("monthly", "half_monthly")
    with tenant_context(school):
        # Registered long ago, so that a period without a check counts as missed.
        for e in db.session.query(Equipment):
            e.registered_on = date(2026, 1, 1)
        db.session.commit()

    def standing(on):
        with tenant_context(school):
            return {s.equipment.number: (s.check_due, s.check_overdue)
                    for s in equipment.standings(list(db.session.scalars(equipment.listed())),
                                                 on)}

    assert standing(date(2026, 11, 10)) == {"MHQ-1": (True, True), "MHQ-2": (True, True)}
    with tenant_context(school):
        for e in db.session.query(Equipment):
            equipment.record_check(e, {"checked_on": date(2026, 11, 10), "pressure": True,
                                       "seal": True, "hose": True, "body": True})
        db.session.commit()
    assert standing(date(2026, 11, 14)) == {"MHQ-1": (False, False), "MHQ-2": (False, False)}
    # Past the 15th the boiler room's extinguisher has a new half month to be checked in.
    assert standing(date(2026, 11, 16)) == {"MHQ-1": (False, False), "MHQ-2": (True, False)}
    assert standing(date(2026, 12, 1)) == {"MHQ-1": (True, False), "MHQ-2": (True, True)}
    assert standing(date(2027, 1, 2)) == {"MHQ-1": (True, True), "MHQ-2": (True, True)}

    # A failed part needs what is wrong; the same day twice is a clash.
    base = f"{API}/equipment/{corridor['id']}/checks"
    today = school_day().isoformat()
    failed = client.post(base, headers=guard.headers, json={"checked_on": today, "pressure": False})
    assert failed.status_code == 422 and list(failed.get_json()["errors"]) == ["note"]
    made = client.post(base, headers=guard.headers, json={"checked_on": today, "pressure": False,
                                                          "note": "压力表指针在红区"})
    assert made.status_code == 201 and made.get_json()["passed"] is False
    again = client.post(base, headers=guard.headers, json={"checked_on": today, "seal": True})
    assert again.status_code == 409 and list(again.get_json()["errors"]) == ["checked_on"]
    listed = client.get(f"{API}/equipment?due=check", headers=guard.headers).get_json()
    assert [e["number"] for e in listed] == ["MHQ-2"]


def test_bad_equipment_and_checks_name_their_field_and_write_nothing(client, school, keeper,
                                                                      guard):
    future = (school_day() + timedelta(days=3)).isoformat()
    for extra, field in (({"produced_on": future}, "produced_on"),
                         ({"agent": None}, "agent"),
                         ({"kind": "hydrant"}, "agent"),
                         ({"produced_on": None}, "produced_on"),
                         ({"serviced_on": "2019-01-01"}, "serviced_on"),
                         ({"agent": "foam"}, "agent")):
        body = {"number": "MHQ-X", "kind": "extinguisher", "agent": "dry_powder",
                "produced_on": MADE.isoformat(), "place": "走廊", **extra}
        answer = client.post(f"{API}/equipment", headers=keeper.headers, json=body)
        assert answer.status_code == 422 and list(answer.get_json()["errors"]) == [field], extra
    assert client.get(f"{API}/equipment", headers=keeper.headers).get_json() == []
    shown = add(client, keeper, "MHQ-1")
    taken = client.post(f"{API}/equipment", headers=keeper.headers, json={
        "number": "MHQ-1", "kind": "alarm", "place": "门卫室"})
    assert taken.status_code == 409 and list(taken.get_json()["errors"]) == ["number"]
    base = f"{API}/equipment/{shown['id']}"
    for body, field in (({"checked_on": future, "body": True}, "checked_on"),
                        ({"checked_on": "2019-12-31", "body": True}, "checked_on"),
                        ({}, "pressure")):
        answer = client.post(f"{base}/checks", headers=guard.headers, json=body)
        assert answer.status_code == 422 and list(answer.get_json()["errors"]) == [field], body
    assert client.get(f"{base}/checks", headers=guard.headers).get_json() == []
    assert client.post(f"{base}/service", headers=guard.headers, json={}).status_code == 403
    early = client.post(f"{base}/service", headers=keeper.headers, json={"serviced_on": "2019-01-01"})
    assert early.status_code == 422 and list(early.get_json()["errors"]) == ["serviced_on"]
    assert client.post(f"{base}/retirement", headers=keeper.headers, json={}).status_code == 200
    assert client.post(f"{base}/retirement", headers=keeper.headers, json={}).status_code == 409
    late = client.post(f"{base}/checks", headers=guard.headers, json={"body": True})
    assert late.status_code == 409
    serviced = client.post(f"{base}/service", headers=keeper.headers, json={})
    assert serviced.status_code == 409 and list(serviced.get_json()["errors"]) == ["equipment_id"]


def test_the_register_imports_updates_by_number_and_exports_back(client, school, keeper):
    from core.people.services import create_building

    with tenant_context(school):
        create_building("教学楼")
        db.session.commit()
    headers = ["编号", "类别", "灭火剂", "规格", "生产日期", "楼栋", "位置", "半月检查场所"]
    sheet = xlsx_of([["MHQ-1", "灭火器", "干粉", "4kg", "2021-05-01", "教学楼", "一楼走廊", "否"],
                     ["MHQ-2", "灭火器", "二氧化碳", "3kg", "2031-01-01", "", "配电室", "否"],
                     ["MHQ-3", "灭火器", "", "4kg", "2021-05-01", "", "二楼", "否"],
                     ["MHQ-4", "灭火器", "干粉", "4kg", "2021-05-01", "体育馆", "三楼", "否"],
                     ["YJD-1", "应急灯", "", "", "", "", "楼梯口", ""]], headers)
    with tenant_context(school):
        report = import_sheet("safety.equipment", "e.xlsx", sheet, dry_run=False)
        db.session.commit()
    assert report["created"] == 2
    assert sorted((e["row"], e["column"]) for e in report["errors"]) == [
        (3, "生产日期"), (4, "灭火剂"), (5, "楼栋")]
    update = xlsx_of([["MHQ-1", "灭火器", "干粉", "5kg", "2021-05-01", "教学楼", "一楼走廊", "是"]],
                     headers)
    with tenant_context(school):
        again = import_sheet("safety.equipment", "e.xlsx", update, dry_run=False)
        db.session.commit()
    assert (again["created"], again["updated"]) == (0, 1)
    listed = {e["number"]: e for e in client.get(f"{API}/equipment",
                                                 headers=keeper.headers).get_json()}
    assert (listed["MHQ-1"]["capacity"], listed["MHQ-1"]["period"]) == ("5kg", "half_monthly")
    # A retired piece keeps its number: a new row may not take it.
    client.post(f"{API}/equipment", headers=keeper.headers, json={
        "number": "MHQ-9", "kind": "alarm", "place": "门卫室"})
    retired = next(e for e in client.get(f"{API}/equipment", headers=keeper.headers).get_json()
                   if e["number"] == "MHQ-9")
    client.post(f"{API}/equipment/{retired['id']}/retirement", headers=keeper.headers, json={})
    with tenant_context(school):
        taken = import_sheet("safety.equipment", "e.xlsx", xlsx_of(
            [["MHQ-9", "火灾报警器", "", "", "", "", "门卫室", "否"]], headers), dry_run=True)
    assert [(e["row"], e["column"]) for e in taken["errors"]] == [(2, "编号")]
    assert listed["YJD-1"]["kind"] == "emergency_light"
    signed_in(client, keeper)
    exported = client.get(f"/t/{SLUG}/m/safety/registers/equipment.xlsx")
    rows = list(load_workbook(__import__("io").BytesIO(exported.data)).active.values)
    assert rows[0][:3] == ("编号", "类别", "灭火剂")
    assert [r[0] for r in rows[1:]] == ["YJD-1", "MHQ-1"]  # by kind's code, then number
    assert rows[2][5] == "教学楼" and rows[2][7] == "是"
