"""Drills: how often by the school's type (a school monthly, a kindergarten quarterly, by the
cited rule in force), the next one due and a period missed with the day moved, never slept;
a write-up refused by its field with nothing written; the calendar showing what is planned
and due; the register imported."""

from datetime import date, timedelta

import pytest

from core.extensions import db
from core.sdk import import_sheet
from core.tenancy import tenant_context
from core.testing import signed_in, xlsx_of

from .conftest import API, SLUG, school_day

pytestmark = pytest.mark.houqin_plugins("safety")


def plan(client, user, day, kind="fire", scope="全校"):
    answer = client.post(f"{API}/drills", headers=user.headers,
                         json={"kind": kind, "planned_on": day.isoformat(), "scope": scope})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def standing(school, on):
    from plugins.safety.services import drills

    with tenant_context(school):
        found = drills.standing(on)
        return found.period, found.last_held, found.next_due, found.missed


def hold(school, day):
    from plugins.safety.services import drills

    with tenant_context(school):
        drill = drills.plan({"kind": "fire", "planned_on": day, "scope": "全校"})
        drills.record(drill, {"held_on": day, "participants": 600, "evaluation": "有序"})
        db.session.commit()


def test_a_school_drills_every_month_and_a_kindergarten_every_quarter(app, make_school):
    school = make_school("drill-primary", modules=("safety",))
    kinder = make_school("drill-kinder", type="kindergarten", modules=("safety",))
    # Nothing recorded: the last period is missing as far as anyone can tell.
    assert standing(school, date(2026, 5, 20))[3] is True
    hold(school, date(2026, 4, 10))
    hold(kinder, date(2026, 2, 10))
    assert standing(school, date(2026, 4, 20)) == ("monthly", date(2026, 4, 10),
                                                  date(2026, 5, 31), False)
    assert standing(school, date(2026, 5, 20)) == ("monthly", date(2026, 4, 10),
                                                  date(2026, 5, 31), False)
    assert standing(school, date(2026, 6, 2)) == ("monthly", date(2026, 4, 10),
                                                 date(2026, 6, 30), True)
    assert standing(kinder, date(2026, 3, 30)) == ("quarterly", date(2026, 2, 10),
                                                  date(2026, 6, 30), False)
    assert standing(kinder, date(2026, 6, 30)) == ("quarterly", date(2026, 2, 10),
                                                  date(2026, 6, 30), False)
    assert standing(kinder, date(2026, 7, 1))[2:] == (date(2026, 9, 30), True)
    # An intruder drill keeps everyone inside: it is no evacuation drill.
    from plugins.safety.services import drills

    with tenant_context(school):
        drill = drills.plan({"kind": "intruder", "planned_on": date(2026, 6, 5), "scope": "全校"},
                            held=True)
        drills.record(drill, {"held_on": date(2026, 6, 5), "participants": 600,
                              "evaluation": "有序"})
        db.session.commit()
    assert standing(school, date(2026, 7, 2))[1:] == (date(2026, 4, 10), date(2026, 7, 31), True)


def test_a_write_up_is_refused_by_its_field_and_written_once(client, school, officer):
    drill = plan(client, officer, school_day())
    base = f"{API}/drills/{drill['id']}/record"
    good = {"held_on": school_day().isoformat(), "participants": 640,
            "evacuation_seconds": 150, "evaluation": "疏散有序", "lessons": "三楼东侧楼梯拥堵"}
    for change, field in (({"held_on": (school_day() + timedelta(days=1)).isoformat()},
                           "held_on"),
                          ({"participants": 0}, "participants"),
                          ({"evaluation": ""}, "evaluation"),
                          ({"evacuation_seconds": -5}, "evacuation_seconds")):
        answer = client.post(base, headers=officer.headers, json=good | change)
        assert answer.status_code == 422 and list(answer.get_json()["errors"]) == [field], change
    assert client.get(f"{API}/drills/{drill['id']}", headers=officer.headers
                      ).get_json()["held_on"] is None
    assert client.post(base, headers=officer.headers, json=good).status_code == 200
    assert client.post(base, headers=officer.headers, json=good).status_code == 409
    shown = client.get(f"{API}/drills/standing", headers=officer.headers).get_json()
    assert shown["last_held"] == school_day().isoformat() and shown["missed"] is False
    empty = client.post(f"{API}/drills", headers=officer.headers,
                        json={"kind": "fire", "planned_on": school_day().isoformat(), "scope": " "})
    assert empty.status_code == 422 and list(empty.get_json()["errors"]) == ["scope"]


def test_the_calendar_shows_a_planned_drill_and_the_next_due(client, school, officer):
    first = school_day().replace(day=1)
    planned_on = first + timedelta(days=20)
    drill = plan(client, officer, planned_on, kind="earthquake")
    signed_in(client, officer)
    page = client.get(f"/t/{SLUG}/calendar").get_data(as_text=True)
    cell = page.split(f'data-date="{planned_on.isoformat()}"')[1].split("</td>")[0]
    assert f"/m/safety/drills/{drill['id']}" in cell and 'data-testid="calendar-entry"' in cell
    # Planned before the month's end: no separate "due" entry; a teacher of another module's
    # permission sees nothing of it.
    assert page.count('data-testid="calendar-entry"') == 1


def test_the_register_imports_drills_held_on_paper(client, school, officer):
    headers = ["类别", "演练日期", "参与范围", "参与人数", "疏散用时(秒)", "效果评估", "经验教训"]
    sheet = xlsx_of([["消防", "2026-09-20", "全校", 640, 135, "有序", ""],
                     ["地震", "2099-01-01", "全校", 640, 135, "有序", ""],
                     ["踩踏", "2026-10-15", "一年级", 0, None, "有序", ""],
                     ["防汛", "2026-11-10", "全校", 600, None, "", ""]], headers)
    with tenant_context(school):
        report = import_sheet("safety.drills", "d.xlsx", sheet, dry_run=False)
        db.session.commit()
    assert report["created"] == 1
    assert sorted((e["row"], e["column"]) for e in report["errors"]) == [
        (3, "演练日期"), (4, "参与人数"), (5, "效果评估")]
    listed = client.get(f"{API}/drills", headers=officer.headers).get_json()
    assert [(d["kind"], d["held_on"], d["evacuation_seconds"]) for d in listed] == [
        ("fire", "2026-09-20", 135)]
