"""Every route declares a permission, and no route shows one school's data to another's user."""

import houqin_testnotes
import pytest
from flask import Blueprint
from houqin_testnotes.models import Note
from sqlalchemy import select

from core.app import RouteWithoutPermission
from core.extensions import db
from core.hookspecs import hookimpl
from core.jobs.models import JobRun
from core.permissions import undeclared_endpoints, view_declarations
from core.tenancy import tenant_context
from core.transfer.models import ImportFile
from tenants.models import TenantModule

ALL_MODULES = ("notes", "tags", "canteen")
# A valid body for each endpoint that takes one, so requests reach the record lookups.
BODIES = {
    "notes_api.post_note": {"title": "intruder"},
    "notes_api.start_items_job": {"count": 1},
    "core_api.change_module": {"enabled": False, "cascade": True},
    "calendar_api.create_year": {"name": "x", "start_date": "2026-09-01",
                                 "end_date": "2027-08-31"},
    "calendar_api.change_term": {"name": "x", "start_date": "2026-09-01",
                                 "end_date": "2027-01-22", "weekdays": [0]},
    "calendar_api.set_day": {"day": "2026-10-01", "kind": "workday", "name": "x"},
    "people_api.change_staff": {"name": "intruder"},
    "people_api.change_student": {"name": "intruder"},
    "people_api.move_student": {"class_id": "01a1fdc9-1e46-7b79-bb56-d00841883e8c"},
    "people_api.add_guardian": {"name": "intruder", "relation": "other", "phone": "13800138000"},
    "people_api.change_guardian": {"name": "intruder"},
    "canteen_api.change_dish": {"name": "intruder"},
    "canteen_api.dispose_sample": {"disposed_by": "intruder"},
    "canteen_api.change_kitchen_worker": {"duty": "intruder"},
    "canteen_api.void_health_certificate": {"reason": "intruder", "voided_by": "intruder"},
    "canteen_api.amend_morning_check": {"temperature": "38.5", "reason": "intruder",
                                        "amended_by": "intruder"},
    **{f"canteen_api.void_{log}": {"reason": "intruder", "voided_by": "intruder"}
       for log in ("disinfections", "pest_controls", "waste_handovers", "accompanied_meals")},
}


def test_every_route_declares_a_permission(app):
    declarations = view_declarations(app)
    assert undeclared_endpoints(app) == []
    assert declarations["notes_api.list_notes"] == ["notes.read"]
    assert declarations["core_api.change_module"] == ["core.modules.manage"]
    registry = app.extensions["houqin"].permissions
    for endpoint, declared in declarations.items():
        for name in declared:
            assert name == "public" or name in registry, f"{endpoint} declares unknown {name}"


def test_the_app_refuses_to_start_with_an_undeclared_route(app_factory, monkeypatch):
    careless = Blueprint("careless", __name__)
    careless.add_url_rule("/careless", "open", lambda: "everything")

    @hookimpl
    def houqin_blueprints():
        return [careless]

    monkeypatch.setattr(houqin_testnotes, "houqin_blueprints", houqin_blueprints)
    with pytest.raises(RouteWithoutPermission, match=r"careless\.open"):
        app_factory(plugins=["notes"])


@pytest.fixture
def victim(app, make_school, make_user):
    from datetime import UTC, date, datetime

    from core.calendar import services as calendar
    from core.people import services as people

    school = make_school("victim", modules=ALL_MODULES)
    with tenant_context(school):
        note = Note(title="victim's secret")
        db.session.add(note)
        run = JobRun(func="houqin_testnotes.jobs:write_items", status="finished")
        db.session.add(run)
        year = calendar.create_year("victim's year", date(2026, 9, 1), date(2027, 8, 31))
        term = calendar.create_term(year.id, "victim's term", date(2026, 9, 1), date(2027, 1, 1))
        calendar.set_day(date(2026, 10, 1), "holiday", "victim's holiday")
        grade = people.create_grade("victim's grade", 1)
        school_class = people.create_class(grade.id, "victim's class", None)
        staff = people.create_staff({"name": "victim's teacher", "position": "teacher",
                                     "phone": None, "active": True})
        pupil = people.create_student({
            "student_no": "V1", "name": "victim's pupil", "gender": "female",
            "birth_date": date(2019, 1, 1), "class_id": school_class.id, "boarding": False,
            "allergies": "victim's allergy", "dietary_notes": ""})
        guardian = people.add_guardian(pupil.id, {"name": "victim's guardian",
                                                  "relation": "mother", "phone": "13800138000",
                                                  "can_pick_up": True})
        from plugins.canteen.services import menus as canteen
        from plugins.canteen.services import samples as canteen_samples

        victim_dish = canteen.create_dish({"name": "victim's dish", "allergens": [], "notes": "",
                                           "active": True, "ingredients": []})
        menu_item, _warnings = canteen.add_to_menu({"day": date(2026, 11, 16), "slot": "lunch",
                                                    "dish_id": victim_dish.id})
        sample = canteen_samples.take_sample({
            "day": date(2026, 11, 16), "slot": "lunch", "dish_id": victim_dish.id, "grams": 150,
            "taken_at": datetime(2026, 11, 16, 4, 0, tzinfo=UTC), "taken_by": "victim's cook",
            "cabinet": "V1"})
        from plugins.canteen.services import health as canteen_health
        from plugins.canteen.services import hygiene as canteen_hygiene

        cook = canteen_health.add_worker({"staff_id": staff.id, "started_on": date(2026, 9, 1)})
        certificate = canteen_health.add_certificate({
            "worker_id": cook.id, "number": "victim's certificate", "issued_on": date(2026, 3, 1),
            "valid_until": date(2027, 2, 28), "issued_by": "victim's clinic"}, date(2026, 11, 16))
        canteen_health.attach_scan(certificate.id, "victim's.png", b"\x89PNG\r\n\x1a\n" + b"0" * 9)
        morning_check = canteen_health.record_check({
            "day": date(2026, 11, 16), "worker_id": cook.id, "temperature": 36, "symptoms": [],
            "hand_wound": "none", "checked_by": "victim's nurse",
            "checked_at": datetime(2026, 11, 15, 23, 30, tzinfo=UTC)})
        disinfection = canteen_hygiene.record("disinfections", {
            "day": date(2026, 11, 16), "slot": "lunch", "method": "boiling", "temperature": 100,
            "minutes": 10, "done_by": "victim's cook"}, date(2026, 11, 16))
        building = people.create_building("victim's building")
        people.create_room({"building_id": building.id, "name": "victim's room",
                            "class_id": school_class.id, "office": None})
        upload = ImportFile(kind="staff", filename="victim's.csv", size=9,
                            content="姓名,岗位\n王,厨师".encode())
        db.session.add(upload)
        db.session.commit()
        return {"school": school, "note": str(note.id), "job": str(run.id),
                "year": str(year.id), "term": str(term.id), "class": str(school_class.id),
                "staff": str(staff.id), "student": str(pupil.id), "guardian": str(guardian.id),
                "import": str(upload.id), "dish": str(victim_dish.id),
                "menu_item": str(menu_item.id), "sample": str(sample.id),
                "worker": str(cook.id), "certificate": str(certificate.id),
                "check": str(morning_check.id), "entry": str(disinfection.id)}


@pytest.fixture
def intruder(app, make_school, make_user):
    school = make_school("intruder", modules=ALL_MODULES)
    return make_user(school, "school_admin")


def _snapshot(school):
    from core.audit import AuditEvent
    from core.calendar.models import AcademicYear, CalendarDay, Term
    from core.people.models import Building, Guardian, Room, SchoolClass, Staff, Student
    from plugins.canteen.models import (
        Dish,
        Disinfection,
        HealthCertificate,
        KitchenWorker,
        MenuItem,
        MorningCheck,
        Sample,
    )

    db.session.expire_all()
    with tenant_context(school):
        return (
            sorted(db.session.scalars(select(Note.title))),
            sorted((m.module, m.enabled) for m in db.session.scalars(select(TenantModule))),
            len(db.session.scalars(select(JobRun)).all()),
            sorted((f.filename, f.status) for f in db.session.scalars(select(ImportFile))),
            sorted((t.name, t.start_date, t.end_date, tuple(t.weekdays))
                   for t in db.session.scalars(select(Term))),
            sorted(y.name for y in db.session.scalars(select(AcademicYear))),
            sorted((d.day, d.kind) for d in db.session.scalars(select(CalendarDay))),
            sorted((c.name, c.status) for c in db.session.scalars(select(SchoolClass))),
            sorted((p.name, p.status, str(p.class_id)) for p in db.session.scalars(select(Student))),
            sorted((g.name, g.can_pick_up) for g in db.session.scalars(select(Guardian))),
            sorted((t.name, t.active) for t in db.session.scalars(select(Staff))),
            sorted(b.name for b in db.session.scalars(select(Building))),
            sorted((r.name, r.office) for r in db.session.scalars(select(Room))),
            len(db.session.scalars(select(AuditEvent)).all()),
            sorted((d.name, d.active) for d in db.session.scalars(select(Dish))),
            sorted(str(m.dish_id) for m in db.session.scalars(select(MenuItem))),
            sorted((x.grams, x.disposed_at) for x in db.session.scalars(select(Sample))),
            sorted((w.duty, w.ended_on) for w in db.session.scalars(select(KitchenWorker))),
            sorted((c.number, c.voided_at, str(c.scan_id))
                   for c in db.session.scalars(select(HealthCertificate))),
            sorted((m.temperature, m.passed) for m in db.session.scalars(select(MorningCheck))),
            sorted((d.minutes, d.voided_at) for d in db.session.scalars(select(Disinfection))),
        )


def _paths(app, victim):
    values = {"uuid": {"note_id": victim["note"], "job_id": victim["job"],
                       "year_id": victim["year"], "term_id": victim["term"],
                       "class_id": victim["class"], "staff_id": victim["staff"],
                       "student_id": victim["student"], "guardian_id": victim["guardian"],
                       "import_id": victim["import"], "dish_id": victim["dish"],
                       "item_id": victim["menu_item"], "sample_id": victim["sample"],
                       "worker_id": victim["worker"], "certificate_id": victim["certificate"],
                       "check_id": victim["check"], "entry_id": victim["entry"]},
              "default": {"name": "notes", "filename": "swagger-ui.css", "day": "2026-10-01",
                          "kind": "students", "log": "disinfections"}}
    for rule in app.url_map.iter_rules():
        params = {}
        for name, converter in rule._converters.items():
            kind = "uuid" if type(converter).__name__ == "UUIDConverter" else "default"
            params[name] = values[kind].get(name) or values["default"].get(name, "x")
        path = rule.build(params, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, path


def test_every_route_refuses_a_user_of_another_school(app, client, victim, intruder):
    before = _snapshot(victim["school"])
    checked = 0
    for rule, method, path in _paths(app, victim):
        attempts = [(f"/t/victim{path}", {})]
        if path.startswith("/api/"):
            attempts.append((path, {"X-Tenant": "victim"}))
        if rule._converters and any(
                type(c).__name__ == "UUIDConverter" for c in rule._converters.values()):
            attempts.append((path, {}))  # the intruder's own school, the victim's record ids
        for url, extra in attempts:
            response = client.open(url, method=method, json=BODIES.get(rule.endpoint),
                                   headers={**intruder.headers, **extra})
            assert response.status_code in (403, 404), (method, url, extra, response.status_code)
            assert "victim's" not in response.get_data(as_text=True)
            checked += 1
    assert checked >= 30
    assert _snapshot(victim["school"]) == before
