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
from core.schools import modules as module_service
from core.schools.models import TenantModule
from core.tenancy import tenant_context
from core.testing import walk_routes
from core.transfer.models import ImportFile
from tests.plugins.fees.fake_provider import FakePay
from tests.plugins.fees.fake_provider import install as install_fakepay

ALL_MODULES = ("notes", "tags", "canteen", "fees", "energy", "safety")
VICTIM_ID = "01a1fdc9-1e46-7b79-bb56-d00841883e8c"  # a record id no school of the walk has
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
    "canteen_api.change_count": {"eaters": 0, "version": 1},
    "canteen_api.set_meal_plan": {"tier": "free"},
    "canteen_api.change_supplier": {"name": "intruder"},
    "canteen_api.void_delivery": {"reason": "intruder"},
    "canteen_api.discard": {"reason": "intruder"},
    "canteen_api.cancel_issue": {"reason": "intruder"},
    "canteen_api.change_tuck_product": {"price_fen": 1},
    "fees_api.record_settlement_costs": {"lines": [
        {"student_id": "01a1fdc9-1e46-7b79-bb56-d00841883e8c", "real_cost_fen": 1}]},
    "fees_api.pay_refund": {"method": "cash", "paid_on": "2026-12-01"},
    "canteen_api.receive_tuck_batch": {"quantity": 1, "cost_fen": 1, "received_by": "intruder",
                                       "expires_on": "2030-01-01"},
    "canteen_api.remove_tuck_batch": {"reason": "intruder"},
    "canteen_api.void_tuck_sale": {"reason": "intruder"},
    "canteen_api.change_kitchen_worker": {"duty": "intruder"},
    "canteen_api.void_health_certificate": {"reason": "intruder", "voided_by": "intruder"},
    "canteen_api.amend_morning_check": {"temperature": "38.5", "reason": "intruder",
                                        "amended_by": "intruder"},
    **{f"canteen_api.void_{log}": {"reason": "intruder", "voided_by": "intruder"}
       for log in ("disinfections", "pest_controls", "waste_handovers", "accompanied_meals")},
    "channels_api.change_channel": {"title": "intruder", "enabled": False, "version": 1},
    "channels_api.add_channel": {"kind": "email", "title": "intruder",
                                 "settings": {"to": ["intruder@evil.test"]}},
    "fees_api.change_fee_item": {"name": "intruder", "version": 1},
    "fees_api.approve_fee_item": {"version": 1},
    "fees_api.return_fee_item_to_draft": {"version": 1},
    "fees_api.record_payment": {"amount_fen": 100, "method": "cash"},
    "fees_api.void_payment": {"reason": "intruder"},
    "fees_api.start_online_payment": {"provider": "fakepay", "amount_fen": 100},
    "fees_api.online_notify": FakePay().notification("fp-intruder", 100),
    "fees_api.start_billing_run": {"term_id": VICTIM_ID},
    "fees_api.issue_bills": {"term_id": VICTIM_ID},
    "fees_api.adjust_bill": {"amount_fen": -1, "reason": "intruder"},
    "fees_api.write_off_bill": {"reason": "intruder"},
    "fees_api.grant_concession": {"term_id": VICTIM_ID, "student_id": VICTIM_ID,
                                  "category": "tuition", "kind": "waiver", "basis": "other",
                                  "reason": "intruder"},
    "energy_api.record_reading": {"read_at": "2026-01-01T08:00:00", "value": "1"},
    "energy_api.place_meter": {"building_id": None},
    "energy_api.replace_meter": {"read_at": "2026-01-01T08:00:00", "final_value": "1",
                                 "number": "intruder", "digits": 5, "first_value": "0"},
    "safety_api.assign_hazard": {"owner_id": VICTIM_ID, "deadline": "2030-01-01"},
    "safety_api.fix_hazard": {"note": "intruder"},
    "safety_api.verify_hazard": {"passed": True},
    "safety_api.check_equipment": {"body": True},
    "safety_api.service_equipment": {"serviced_on": "2026-01-01"},
    "safety_api.retire_equipment": {},
    "safety_api.record_drill": {"held_on": "2026-01-05", "participants": 1,
                                "evaluation": "intruder"},
    "safety_api.hand_over": {"student_id": VICTIM_ID, "guardian_id": VICTIM_ID},
    "safety_api.refuse": {"student_id": VICTIM_ID, "person": "intruder"},
    "safety_api.grant_permit": {"student_id": VICTIM_ID, "name": "intruder", "relation": "x",
                                "valid_from": "2026-01-01", "valid_until": "2099-01-01"},
    "safety_api.follow_up_incident": {"note": "intruder"},
    "safety_api.report_incident_to_district": {"report": "intruder"},
    "safety_api.close_incident": {"outcome": "intruder"},
    "safety_api.change_patrol_point": {"active": False},
    "safety_api.hand_over_shift": {"happened": "intruder"},
    "safety_api.answer_swap": {"yes": True},
    "safety_api.decide_swap": {"yes": True},
    "safety_api.gate_check_in": {},
    "safety_api.gate_check_out": {},
    "safety_api.revise_checklist": {"items": [{"text_zh": "intruder"}]},
    "safety_api.answer_round": {"answers": [{"position": 1, "result": "pass"}]},
    "safety_api.amend_round": {"position": 1, "result": "pass", "reason": "intruder"},
    "safety_api.revise_district_checklist": {"items": [{"text_zh": "intruder"}]},
    "fees_api.record_fee_choice": {"term_id": VICTIM_ID, "student_id": VICTIM_ID,
                                   "fee_item_id": VICTIM_ID},
}
# Endpoints that take multipart/form-data (uploads): a valid form, made afresh each time.
FORMS = {
    "canteen_api.add_certificate": lambda: {"kind": "other", "number": "x",
                                            "issued_on": "2026-01-01", "scan": _png()},
    "canteen_api.attach_scan": lambda: {"scan": _png()},
    "safety_api.put_hazard_photo": lambda: {"photo": _png()},
}


def _png():
    import io

    return io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "intruder.png"


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

    from core.auth import Principal
    from core.calendar import services as calendar
    from core.files import store_upload
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
        from plugins.canteen.services import counts as canteen_counts
        from plugins.canteen.services import fees as canteen_fees

        cook = Principal(
            user_id=0, name="victim's cook", tenant_id=school.id, school_roles=frozenset(),
            district_roles=frozenset(), permissions=frozenset({"canteen.counts.manage",
                                                               "canteen.counts.late"}))
        count, _warnings = canteen_counts.report_count({
            "day": date(2026, 11, 16), "slot": "lunch", "kind": "class", "eaters": 1,
            "version": 0, "class_id": school_class.id}, cook, datetime.now(UTC))
        canteen_fees.set_meal_plan(pupil.id, {"tier": "free", "note": "victim's plan"})
        from plugins.canteen.services import receiving as canteen_receiving
        from plugins.canteen.services import suppliers as canteen_suppliers

        victim_supplier = canteen_suppliers.create_supplier({"name": "victim's supplier",
                                                             "credit_code": "VICTIM01"})
        victim_certificate = canteen_suppliers.add_certificate(
            victim_supplier.id, {"kind": "food_operation_licence", "number": "victim's licence",
                                 "issued_on": date(2026, 1, 1), "valid_until": date(2099, 1, 1)},
            date(2026, 11, 16), scan=("victim's.png", _png()[0].getvalue()))
        delivery = canteen_receiving.create_delivery({
            "supplier_id": victim_supplier.id, "day": date(2026, 11, 16), "inspector": "victim's",
            "second_inspector": "victim's cook", "items": [{
                "food": "victim's rice", "quantity": __import__("decimal").Decimal(10),
                "unit": "kg", "unit_price_fen": 500, "expiry_date": date(2027, 11, 16),
                "result": "accepted"}]})
        import uuid
        from decimal import Decimal

        from plugins.canteen.services import stock, stock_counts, stock_out

        lot = stock.receive([{"delivery_item_id": uuid.uuid4(),
                              "food": "victim's rice", "unit": "kg", "quantity": Decimal(10),
                              "unit_price_fen": 350, "batch": "victim's batch",
                              "production_date": None, "expiry_date": date(2099, 1, 1)}],
                            received_on=date(2026, 11, 2))[0]
        issued = stock_out.issue({"day": date(2026, 11, 16), "food": "victim's rice",
                                  "unit": "kg", "quantity": Decimal(2)})
        stock_count = stock_counts.record_count({"day": date(2026, 11, 17), "counted_by": "victim's",
                                           "lines": [{"lot_id": lot.id, "counted": Decimal(7)}]})
        victim_dish.photo_id = store_upload("victim's.png", b"\x89PNG\r\n\x1a\n" + bytes(64),
                                            "dish_photo").id
        module_service.update_settings("canteen", {"tuck_shop": True})
        from core.sdk import school_today
        from plugins.canteen.services import tuckshop as tuck_shop
        from plugins.canteen.services import tuckshop_sales as till

        today = school_today()  # the school's date, which may not be the machine's
        tuck = tuck_shop.create_product({"name": "victim's cola", "unit": "瓶", "price_fen": 300})
        batch = tuck_shop.receive_batch(tuck.id, {"quantity": 9, "cost_fen": 200,
                                                  "expires_on": today, "received_by": "victim's"},
                                        today)
        sale = till.sell({"product_id": tuck.id, "quantity": 2}, "victim's seller", today,
                         datetime.now(UTC))
        tuck_shop.remove_from_shelf(batch.id, {"quantity": 1, "reason": "victim's reason"},
                                    "victim's", today, datetime.now(UTC))
        from plugins.canteen.services import health as canteen_health
        from plugins.canteen.services import hygiene as canteen_hygiene

        kitchen_worker = canteen_health.add_worker({"staff_id": staff.id, "started_on": date(2026, 9, 1)})
        health_certificate = canteen_health.add_certificate({
            "worker_id": kitchen_worker.id, "number": "victim's certificate", "issued_on": date(2026, 3, 1),
            "valid_until": date(2027, 2, 28), "issued_by": "victim's clinic"}, date(2026, 11, 16))
        canteen_health.attach_scan(health_certificate.id, "victim's.png", b"\x89PNG\r\n\x1a\n" + b"0" * 9)
        morning_check = canteen_health.record_check({
            "day": date(2026, 11, 16), "worker_id": kitchen_worker.id, "temperature": 36, "symptoms": [],
            "hand_wound": "none", "checked_by": "victim's nurse",
            "checked_at": datetime(2026, 11, 15, 23, 30, tzinfo=UTC)})
        disinfection = canteen_hygiene.record("disinfections", {
            "day": date(2026, 11, 16), "slot": "lunch", "method": "boiling", "temperature": 100,
            "minutes": 10, "done_by": "victim's cook"}, date(2026, 11, 16))
        building = people.create_building("victim's building")
        people.create_room({"building_id": building.id, "name": "victim's room",
                            "class_id": school_class.id, "office": None})
        from core.notifications.services import notify

        reminder = notify("victim", "core.self", "victim's reminder")
        from core.notifications import delivery as channels

        robot = channels.create({"kind": "dingtalk", "title": "victim's robot", "settings": {
            "webhook": "https://oapi.dingtalk.com/robot/send?access_token=victimtoken",
            "secret": "SECvictim"}})
        fees = _victim_fees(app, term.id, pupil, today)
        energy = _victim_energy(building.id)
        safety = _victim_safety(building.id, staff.id, pupil.id)
        upload = ImportFile(kind="staff", filename="victim's.csv", size=9,
                            content="姓名,岗位\n王,厨师".encode())
        db.session.add(upload)
        db.session.commit()
        # A victim's sign-in session, which no intruder may see or end.
        from core.identity import sessions
        from core.identity.models import UserSession

        teacher = make_user(school, "class_teacher", token=False)
        sessions.start(teacher.id, None, None)
        db.session.commit()
        session_id = db.session.scalar(select(UserSession.id))
        return {"school": school, "session": session_id, "user": teacher.id,
                "note": str(note.id), "job": str(run.id),
                "year": str(year.id), "term": str(term.id), "class": str(school_class.id),
                "staff": str(staff.id), "student": str(pupil.id), "guardian": str(guardian.id),
                "import": str(upload.id), "dish": str(victim_dish.id),
                "menu_item": str(menu_item.id), "sample": str(sample.id),
                "notification": str(reminder.id), "channel": str(robot.id),
                "count": str(count.id),
                "supplier": str(victim_supplier.id), "certificate": str(victim_certificate.id),
                "delivery": str(delivery.id), "lot": str(lot.id),
                "issue": str(issued.issue_id), "stock_count": str(stock_count.id),
                "product": str(tuck.id), "batch": str(batch.id), "sale": str(sale.id),
                "worker": str(kitchen_worker.id), "health_certificate": str(health_certificate.id),
                "check": str(morning_check.id), "entry": str(disinfection.id), **fees, **energy,
                **safety}


def _victim_energy(building_id) -> dict[str, str]:
    """A water meter in the victim's building, with a sub-meter and a reading with a photo
    of its dial."""
    from datetime import date, datetime
    from decimal import Decimal

    from plugins.energy.services import meters, readings

    main = meters.create({"number": "victim's meter", "kind": "water", "digits": 5,
                          "installed_on": date(2026, 1, 1), "building_id": building_id})
    meters.create({"number": "victim's sub-meter", "kind": "water", "digits": 5,
                   "installed_on": date(2026, 1, 1), "parent_id": main.id})
    reading = readings.record(main.id, {"read_at": datetime(2026, 2, 1, 8), "value": Decimal(7),
                                        "note": "victim's note"},
                              photo=("dial.png", _png()[0].getvalue()))
    return {"meter": str(main.id), "reading": str(reading.id)}


def _victim_safety(building_id, staff_id, student_id) -> dict[str, str]:
    """A hazard in the victim's building with a photo, given to its teacher and fixed (its
    fix with a photo of its own), so every step's route has something to reach."""
    from datetime import date

    from plugins.safety.services import hazards

    hazard = hazards.report({"place": "victim's stairs", "description": "victim's hazard",
                             "building_id": building_id}, photo=("h.png", _png()[0].getvalue()))
    hazards.assign(hazard, {"owner_id": staff_id, "deadline": date(2099, 1, 1)})
    hazards.fix(hazard, {"note": "victim's fix"}, photo=("f.png", _png()[0].getvalue()))
    step = hazards.steps(hazard.id)[-1]
    from plugins.safety.services import equipment

    extinguisher = equipment.create({"number": "victim's extinguisher", "kind": "extinguisher",
                                     "agent": "dry_powder", "produced_on": date(2025, 1, 1),
                                     "place": "victim's corridor", "building_id": building_id})
    equipment.record_check(extinguisher, {"checked_on": date(2025, 6, 1), "body": False,
                                          "note": "victim's note"})
    from plugins.safety.services import drills

    drill = drills.plan({"kind": "fire", "planned_on": date(2026, 1, 5), "scope": "victim's"})
    from datetime import datetime

    from plugins.safety.services import incidents

    incident = incidents.report(
        {"occurred_at": datetime(2026, 1, 5, 9), "place": "victim's yard", "kind": "injury",
         "description": "victim's incident", "people": [{"student_id": student_id}]},
        photo=("i.png", _png()[0].getvalue()))
    entry = incidents.follow_up(incident, {"note": "victim's follow-up"},
                                photo=("e.png", _png()[0].getvalue()))
    from plugins.safety.models import PickupPermit

    permit = PickupPermit(student_id=student_id, name="victim's aunt", relation="aunt",
                          valid_from=date(2026, 1, 1), valid_until=date(2099, 1, 1),
                          granted_by="victim's teacher")
    db.session.add(permit)
    db.session.flush()
    from plugins.safety.services import visitors

    # A visitor on campus (to check out), one announced (to check in), and an entry of the
    # school's refusal list and of the district's (to lift).
    visitors.register({"kind": "visitor", "name": "victim's visitor", "phone": "13800138000"})
    expected = visitors.expect({"kind": "delivery", "name": "victim's delivery",
                                "expected_on": date(2099, 1, 1)})
    refusal = visitors.refuse({"name": "victim's refused", "reason": "victim's reason"})
    visitors.refuse({"plate": "京A00000", "reason": "victim's district"}, district_wide=True)
    return {"hazard": str(hazard.id), "hazard_step": str(step.id),
            "equipment": str(extinguisher.id), "drill": str(drill.id),
            "permit": str(permit.id), "incident": str(incident.id),
            "incident_entry": str(entry.id), "visit": str(expected.id),
            "refusal": str(refusal.id), **_victim_duty(staff_id), **_victim_rounds(staff_id)}


def _victim_duty(staff_id) -> dict[str, str]:
    """Two nights of the victim's teacher's, a patrol point checked on the first, its handover
    and a swap asked between them."""
    from datetime import UTC, date, datetime

    from plugins.safety.models import DutySwap, Handover, PatrolCheck
    from plugins.safety.services import duty

    night = duty.add_shift({"day": date(2026, 1, 5), "post": "night", "staff_id": staff_id})
    other = duty.add_shift({"day": date(2099, 1, 6), "post": "night", "staff_id": staff_id})
    point = duty.add_point({"name": "victim's gate"})
    handover = Handover(shift_id=night.id, happened="victim's night", written_by="victim's")
    swap = DutySwap(shift_id=night.id, other_shift_id=other.id, reason="victim's",
                    asked_by="victim's")
    db.session.add_all([handover, swap, PatrolCheck(
        shift_id=night.id, point_id=point.id, at=datetime(2026, 1, 5, 15, tzinfo=UTC),
        note="victim's", by="victim's")])
    db.session.flush()
    return {"shift": str(night.id), "patrol_point": str(point.id),
            "handover": str(handover.id), "swap": str(swap.id)}


def _victim_rounds(staff_id) -> dict[str, str]:
    """A gate round planned and walked with a failure (and its photo), and a checklist the
    district published."""
    from datetime import date

    from plugins.safety.services import rounds

    checklist = rounds.install_defaults()[0]
    schedule = rounds.plan({"checklist_id": checklist.id, "place": "victim's gate",
                            "frequency": "daily", "start_on": date(2026, 1, 1),
                            "assignee_id": staff_id})
    walked = rounds.start({"checklist_id": checklist.id, "place": "victim's gate"})
    rounds.answer(walked, [{"position": 1, "result": "fail", "note": "victim's note"}],
                  {1: ("r.png", _png()[0].getvalue())})
    from plugins.safety.services import district_checklists

    published = district_checklists.publish({"kind": "gate", "title": "victim's district's",
                                             "items": [{"text_zh": "victim's item"}]})
    return {"checklist": str(checklist.id), "schedule": str(schedule.id),
            "round": str(walked.id), "district_checklist": str(published.id)}


def _victim_fees(app, term_id, pupil, today) -> dict[str, str]:
    """A draft fee item and a published notice; a published settlement of a held fee with
    its refund due, and an absence; another pupil's bill with a payment and an online
    payment started."""
    from datetime import date

    from core.people import services as people
    from plugins.fees.models import Bill, BillingRun, FeeItem
    from plugins.fees.services import absences, bills, online, payments, settlements
    from plugins.fees.services import catalogue as fee_catalogue
    from plugins.fees.services import concessions as fee_concessions

    module_service.update_settings("fees", {"school_phone": "victim's phone",
                                            "bureau_phone": "110", "absence_refunds": True})
    fee_item = fee_catalogue.create_item({
        "name": "victim's fee", "category": "tuition", "amount_fen": 100, "unit": "term",
        "basis_authority": "victim's bureau", "basis_reference": "victim's document"})
    fee_catalogue.approve_item(fee_item.id, fee_item.version)
    fee_notice = fee_catalogue.publish_notice({"effective_on": today,
                                               "remarks": "victim's remarks"})
    fee_draft = fee_catalogue.create_item({
        "name": "victim's draft fee", "category": "other", "amount_fen": 100,
        "unit": "item"})
    item = FeeItem(name="victim's books", category="held", amount_fen=10000, unit="item",
                   basis_authority="x", basis_reference="x", voluntary=True, created_by="x",
                   status="published", effective_on=date(2026, 8, 1))
    db.session.add(item)
    db.session.flush()
    bill = Bill(term_id=term_id, student_id=pupil.id, class_id=pupil.class_id)
    db.session.add(bill)
    db.session.flush()
    bills.replace_draft_lines(bill, [bills.Line("charge", "fees", "books", "held",
                                                "victim's books", 1, 10000, 10000,
                                                fee_item_id=item.id)], by="victim's")
    bills.issue(bill, by="victim's")
    payments.record(bill.id, 10000, "cash", date(2026, 9, 10), by="victim's")
    settlement = settlements.create(term_id, item.id, "victim's remarks", by="victim's")
    settlements.record_costs(settlement.id, [{"student_id": pupil.id, "real_cost_fen": 8000}])
    settlements.publish(settlement.id, by="victim's")
    refund_id = settlements.lines_of(settlement)[0].refund_id
    absence = absences.record({"student_id": pupil.id, "starts_on": date(2026, 11, 2),
                               "ends_on": date(2026, 11, 3), "reason": "victim's illness"},
                              by="victim's")
    install_fakepay(app)
    other = people.create_student({
        "student_no": "V2", "name": "victim's other pupil", "gender": "male",
        "birth_date": date(2019, 1, 1), "class_id": pupil.class_id, "boarding": False,
        "allergies": "", "dietary_notes": ""})
    fee_bill = Bill(term_id=term_id, student_id=other.id, class_id=other.class_id)
    db.session.add(fee_bill)
    db.session.flush()
    bills.replace_draft_lines(fee_bill, [bills.Line(
        "charge", "fees", "victim", "tuition", "victim's fee", 1, 50000, 50000)], by="v")
    bills.issue(fee_bill, by="victim's clerk")
    fee_payment = payments.record(fee_bill.id, 10000, "cash", date(2026, 9, 10),
                                  by="victim's clerk")
    fee_online_payment = online.start(fee_bill.id, "fakepay", 10000, "http://v/notify",
                                      by="victim's parent")
    concession = fee_concessions.grant({
        "term_id": term_id, "student_id": pupil.id, "fee_item_id": fee_item.id,
        "kind": "waiver", "basis": "other", "reason": "victim's reason"}, by="victim's")
    choice = fee_concessions.choose({"term_id": term_id, "student_id": pupil.id,
                                     "fee_item_id": item.id, "quantity": 1}, by="victim's")
    billing_run = BillingRun(term_id=term_id, scope="school", requested_by="victim's",
                             problems=[])
    db.session.add(billing_run)
    db.session.flush()
    return {"bill": str(fee_bill.id), "payment": str(fee_payment.id),
            "billing_run": str(billing_run.id), "concession": str(concession.id),
            "choice": str(choice.id),
            "online_payment": str(fee_online_payment.id),
            "fee_item": str(fee_draft.id), "fee_notice": str(fee_notice.id),
            "settlement": str(settlement.id), "refund": str(refund_id),
            "absence": str(absence.id)}


@pytest.fixture
def intruder(app, make_school, make_user):
    school = make_school("intruder", modules=ALL_MODULES)
    with tenant_context(school):  # so that its tuck-shop routes reach their record lookups
        module_service.update_settings("canteen", {"tuck_shop": True})
        module_service.update_settings("fees", {"absence_refunds": True})
        db.session.commit()
    return make_user(school, "school_admin")


def _snapshot(school):
    from core.audit import AuditEvent
    from core.calendar.models import AcademicYear, CalendarDay, Term
    from core.identity.models import AccountLink, Membership
    from core.notifications.models import NotificationChannel, NotificationRead
    from core.people.models import Building, Guardian, Room, SchoolClass, Staff, Student
    from plugins.canteen.models import (
        Certificate,
        Delivery,
        DeliveryItem,
        Dish,
        Disinfection,
        HealthCertificate,
        KitchenWorker,
        MealCount,
        MealPlan,
        MenuItem,
        MorningCheck,
        Sample,
        StockCount,
        StockMovement,
        Supplier,
        TuckBatch,
        TuckProduct,
        TuckSale,
    )
    from plugins.energy.models import Meter, Reading
    from plugins.fees.models import (
        Absence,
        BillingRun,
        BillLine,
        Concession,
        FeeChoice,
        FeeItem,
        FeeNotice,
        LedgerEntry,
        OnlinePayment,
        Payment,
        Receipt,
        Refund,
        Settlement,
        SettlementLine,
    )
    from plugins.fees.models import Bill as FeeBill
    from plugins.safety.models import (
        Drill,
        DutyShift,
        DutySwap,
        Equipment,
        EquipmentCheck,
        GateRefusal,
        Handover,
        Hazard,
        HazardStep,
        Incident,
        IncidentEntry,
        PatrolCheck,
        PatrolPoint,
        PickupPermit,
        Visit,
    )

    db.session.expire_all()
    with tenant_context(school):
        return (
            sorted((i.name, i.status, i.version, i.amount_fen)
                   for i in db.session.scalars(select(FeeItem))),
            sorted((n.number, n.remarks) for n in db.session.scalars(select(FeeNotice))),
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
            sorted((d.name, d.active, str(d.photo_id)) for d in db.session.scalars(select(Dish))),
            sorted(str(m.dish_id) for m in db.session.scalars(select(MenuItem))),
            sorted((x.grams, x.disposed_at) for x in db.session.scalars(select(Sample))),
            len(db.session.scalars(select(NotificationRead)).all()),
            sorted((c.title, c.enabled, str(c.settings))
                   for c in db.session.scalars(select(NotificationChannel))),
            sorted((c.eaters, c.version) for c in db.session.scalars(select(MealCount))),
            sorted((p.tier, p.note) for p in db.session.scalars(select(MealPlan))),
            sorted((x.name, x.active) for x in db.session.scalars(select(Supplier))),
            sorted((c.number, str(c.scan_file_id)) for c in db.session.scalars(select(Certificate))),
            sorted((str(d.voided_at), d.total_fen) for d in db.session.scalars(select(Delivery))),
            len(db.session.scalars(select(DeliveryItem)).all()),
            sorted((m.kind, m.quantity) for m in db.session.scalars(select(StockMovement))),
            sorted(c.counted_by for c in db.session.scalars(select(StockCount))),
            sorted((p.name, p.price_fen) for p in db.session.scalars(select(TuckProduct))),
            sorted((b.quantity, b.on_hand) for b in db.session.scalars(select(TuckBatch))),
            sorted((x.quantity, x.voided_at) for x in db.session.scalars(select(TuckSale))),
            sorted((w.duty, w.ended_on) for w in db.session.scalars(select(KitchenWorker))),
            sorted((c.number, c.voided_at, str(c.scan_id))
                   for c in db.session.scalars(select(HealthCertificate))),
            sorted((m.temperature, m.passed) for m in db.session.scalars(select(MorningCheck))),
            sorted((d.minutes, d.voided_at) for d in db.session.scalars(select(Disinfection))),
            sorted((x.status, x.remarks) for x in db.session.scalars(select(Settlement))),
            sorted(x.real_cost_fen for x in db.session.scalars(select(SettlementLine))),
            sorted((x.status, x.amount_fen) for x in db.session.scalars(select(Refund))),
            sorted((x.starts_on, x.ends_on) for x in db.session.scalars(select(Absence))),
            len(db.session.scalars(select(BillLine)).all()),
            sorted((b.status, b.total_fen) for b in db.session.scalars(select(FeeBill))),
            sorted((p.amount_fen, p.voided_at) for p in db.session.scalars(select(Payment))),
            sorted((r.seq, r.prints, r.voided_at) for r in db.session.scalars(select(Receipt))),
            sorted((o.status, o.amount_fen) for o in db.session.scalars(select(OnlinePayment))),
            sorted((e.kind, e.amount_fen) for e in db.session.scalars(select(LedgerEntry))),
            sorted((c.reason, c.revoked_at) for c in db.session.scalars(select(Concession))),
            sorted(c.quantity for c in db.session.scalars(select(FeeChoice))),
            sorted((r.created, str(r.finished_at)) for r in db.session.scalars(select(BillingRun))),
            sorted((m.user_id, m.role, str(m.deactivated_at))
                   for m in db.session.scalars(select(Membership))),
            len(db.session.scalars(select(AccountLink)).all()),
            sorted((m.number, m.retired_on, str(m.parent_id))
                   for m in db.session.scalars(select(Meter))),
            sorted((r.value, r.note) for r in db.session.scalars(select(Reading))),
            sorted((h.status, h.level, str(h.owner_id), str(h.deadline), str(h.photo_id),
                    h.version) for h in db.session.scalars(select(Hazard))),
            sorted((x.step, x.note) for x in db.session.scalars(select(HazardStep))),
            sorted((e.number, str(e.serviced_on), str(e.retired_on), e.version)
                   for e in db.session.scalars(select(Equipment))),
            sorted((c.checked_on, c.note) for c in db.session.scalars(select(EquipmentCheck))),
            sorted((d.scope, str(d.held_on), d.version) for d in db.session.scalars(select(Drill))),
            sorted((p.name, str(p.revoked_at)) for p in db.session.scalars(select(PickupPermit))),
            sorted((i.status, i.outcome, str(i.district_reported_at), i.version)
                   for i in db.session.scalars(select(Incident))),
            sorted((e.kind, e.note) for e in db.session.scalars(select(IncidentEntry))),
            sorted((str(s.staff_id), s.day, s.version) for s in db.session.scalars(select(DutyShift))),
            sorted((p.name, p.active) for p in db.session.scalars(select(PatrolPoint))),
            sorted(c.note for c in db.session.scalars(select(PatrolCheck))),
            sorted((h.happened, str(h.acknowledged_at)) for h in db.session.scalars(select(Handover))),
            sorted((w.status, w.version) for w in db.session.scalars(select(DutySwap))),
            sorted((v.name, str(v.checked_in_at), str(v.checked_out_at), v.version)
                   for v in db.session.scalars(select(Visit))),
            sorted((r.name, r.plate, str(r.lifted_at))
                   for r in db.session.scalars(select(GateRefusal))),
        )


def _values(victim) -> dict[str, str]:
    """The victim's record ids (and other path values) by route parameter."""
    return {"note_id": victim["note"], "job_id": victim["job"],
            "year_id": victim["year"], "term_id": victim["term"],
            "class_id": victim["class"], "staff_id": victim["staff"],
            "student_id": victim["student"], "guardian_id": victim["guardian"],
            "import_id": victim["import"], "dish_id": victim["dish"],
            "item_id": victim["menu_item"], "sample_id": victim["sample"],
            "notification_id": victim["notification"], "channel_id": victim["channel"],
            "count_id": victim["count"],
            "supplier_id": victim["supplier"], "certificate_id": victim["certificate"],
            "delivery_id": victim["delivery"], "lot_id": victim["lot"],
            "issue_id": victim["issue"], "stock_count_id": victim["stock_count"],
            "product_id": victim["product"], "batch_id": victim["batch"],
            "sale_id": victim["sale"],
            "worker_id": victim["worker"],
            "health_certificate_id": victim["health_certificate"],
            "check_id": victim["check"], "entry_id": victim["entry"],
            "fee_item_id": victim["fee_item"], "notice_id": victim["fee_notice"],
            "settlement_id": victim["settlement"], "refund_id": victim["refund"],
            "absence_id": victim["absence"],
            "bill_id": victim["bill"], "payment_id": victim["payment"],
            "online_payment_id": victim["online_payment"],
            "billing_run_id": victim["billing_run"],
            "concession_id": victim["concession"], "choice_id": victim["choice"],
            "meter_id": victim["meter"], "reading_id": victim["reading"],
            "hazard_id": victim["hazard"], "step_id": victim["hazard_step"],
            "equipment_id": victim["equipment"], "drill_id": victim["drill"],
            "permit_id": victim["permit"], "incident_id": victim["incident"],
            "incident_entry_id": victim["incident_entry"], "shift_id": victim["shift"],
            "point_id": victim["patrol_point"], "handover_id": victim["handover"],
            "swap_id": victim["swap"], "visit_id": victim["visit"],
            "refusal_id": victim["refusal"],
            "checklist_id": victim["checklist"], "schedule_id": victim["schedule"],
            "round_id": victim["round"], "position": 1,
            "district_checklist_id": victim["district_checklist"],
            "name": "notes", "filename": "swagger-ui.css", "day": "2026-10-01",
            "kind": "students", "log": "disinfections", "provider": "fakepay",
            "session_id": victim["session"], "user_id": victim["user"],
            "school_slug": "victim", "role": "class_teacher", "action": "deactivate"}


def test_every_route_refuses_a_user_of_another_school(app, client, victim, intruder):
    # The same walk an outside author runs on a module (core.testing), over every route.
    before = _snapshot(victim["school"])
    walk = walk_routes(app, client, intruder.headers, "victim", values=_values(victim),
                       bodies=BODIES, forms=FORMS, secret="victim's")
    assert walk.problems == []
    assert walk.unreached == []  # every body above gets its request to the record lookup
    assert walk.checked >= 30
    assert _snapshot(victim["school"]) == before
    from core.identity.models import UserSession

    assert db.session.get(UserSession, victim["session"]).ended_at is None
